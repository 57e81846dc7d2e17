import type { SQSEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { inject } from 'vitest';
import type { Role } from '../../lib/permissions.ts';
import type { ServiceDecl } from '../../lib/topology.ts';
import { localAuthEnv, localTokenFor } from '../../local/auth.ts';
import { endpointEnv } from '../../local/emulators.ts';
import { ensureQueue, type Provisioned, provision, subscribeQueue } from '../../local/provision.ts';
import { toSqsRecord } from '../../local/sqs-poller.ts';
import { eventFeed } from '../../services/orders/testing.ts';

/** Points this test file's process at the shared emulators. */
export function pointAtEmulators(): void {
  Object.assign(
    process.env,
    endpointEnv({
      dynamoEndpoint: inject('dynamoEndpoint'),
      awsEndpoint: inject('awsEndpoint'),
      secretsEndpoint: inject('secretsEndpoint'),
      sesEndpoint: inject('sesEndpoint'),
      rdsDataEndpoint: inject('rdsDataEndpoint'),
    }),
  );
}

/**
 * Provisions a fresh, uniquely prefixed copy of the given services' resources on the emulators
 * and exports their names into process.env, as Lambda would see them.
 */
export async function provisionFor(services: readonly ServiceDecl[]): Promise<Provisioned> {
  pointAtEmulators();
  Object.assign(process.env, await localAuthEnv());
  const prefix = `t${ulid().slice(-8).toLowerCase()}`;
  const provisioned = await provision(prefix, services);
  Object.assign(process.env, provisioned.env);
  return provisioned;
}

/**
 * An SQS event of these bodies (objects are sent as JSON), in the shape the event source mapping
 * (and the local queue poller, `toSqsRecord`) hands a consumer of the named queue.
 */
export function sqsEventOf(bodies: unknown[], queueName: string): SQSEvent {
  const queue = { arn: `arn:aws:sqs:us-east-1:000000000000:${queueName}` };
  return {
    Records: bodies.map((body) =>
      toSqsRecord(
        {
          MessageId: ulid(),
          ReceiptHandle: 'test',
          Body: typeof body === 'string' ? body : JSON.stringify(body),
        },
        queue,
      ),
    ),
  };
}

/** Polls until `check` returns a truthy value or the deadline passes (then throws with the last error). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}

/** `Authorization` header of a demo user with this role (tokens signed by the local identity provider). */
export async function authHeader(role: Role = 'admin'): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await localTokenFor(role)}` };
}

/**
 * A service's Hono app as a signed-in user of `role` sees it: `request()` adds the bearer token
 * (unless the call sets its own `authorization`, e.g. to test refusals).
 */
export function signedIn(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  role: Role = 'admin',
): { request: (path: string, init?: RequestInit) => Promise<Response> } {
  let header: Promise<{ authorization: string }> | undefined;
  return {
    request: async (path, init = {}) => {
      header ??= authHeader(role);
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', (await header).authorization);
      return app.request(path, { ...init, headers });
    },
  };
}

/**
 * A feed of the events of these types published on the topic: a queue of the test's own
 * (`queueName`), subscribed as a service's queue is (raw delivery, filter on `type`), read until
 * `stop()`.
 */
export async function topicFeed(
  topicArn: string,
  queueName: string,
  eventTypes: string[],
): Promise<ReturnType<typeof eventFeed>> {
  const queue = await ensureQueue(queueName);
  await subscribeQueue(topicArn, queue.arn, eventTypes);
  return eventFeed(queue.url);
}
