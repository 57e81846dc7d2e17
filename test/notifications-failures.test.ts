import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqs } from '../lib/aws.ts';
import { SnsEventPublisher } from '../lib/publisher.ts';
import { dlqName } from '../lib/topology.ts';
import type { Runtime } from '../local/runtime.ts';
import { identityService } from '../services/identity/service.ts';
import { DynamoAlertStore } from '../services/notifications/alert-store.ts';
import type { AlertList, Delivery } from '../services/notifications/contract.ts';
import { notificationsService, SEND_QUEUE } from '../services/notifications/service.ts';
import { StockLevelChanged } from '../services/stock/contract.ts';
import { authHeader, eventually, sqsEventOf } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// Failures on the way out, on the local runtime: SES does not answer (its endpoint is a port
// nobody listens on, for this file's process only), so every attempt fails for real in the SDK.
const MANAGER = 'manager@azura.local';
const SES_DOWN = 'http://127.0.0.1:9';

let runtime: Runtime;
let store: DynamoAlertStore;
let sesEndpoint: string | undefined;

const get = async (path: string, role: 'admin' | 'manager' = 'admin') => {
  const res = await fetch(`${runtime.url}${path}`, { headers: await authHeader(role) });
  if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${await res.text()}`);
  return res.json();
};
const deliveries = async (sku: string): Promise<Delivery[]> =>
  ((await get(`/api/v1/notifications/deliveries?sku=${sku}&limit=100`)) as { items: Delivery[] }).items;

/** A StockLevelChanged of a level below its reorder point (the notifications service sees only events). */
const lowLevel = (sku: string, levelVersion: number, onHand: number) =>
  StockLevelChanged.create(
    {
      sku,
      locationId: 'main',
      movementId: `mv-${sku}-${levelVersion}`,
      kind: 'adjust',
      levelVersion,
      quantities: { onHand, reserved: 0, incoming: 0, safetyStock: 0, available: onHand },
      reorderPoint: 10,
    },
    { id: `mv-${sku}-${levelVersion}:0`, correlationId: `test-${sku}` },
  );

beforeAll(async () => {
  runtime = await startTestRuntime([identityService, notificationsService]);
  store = new DynamoAlertStore();
  await eventually(async () => (await store.activeRecipients()).some((r) => r.id === MANAGER), 30_000);
  sesEndpoint = process.env.AWS_ENDPOINT_URL_SESV2;
  process.env.AWS_ENDPOINT_URL_SESV2 = SES_DOWN;
}, 120_000);
afterAll(async () => {
  process.env.AWS_ENDPOINT_URL_SESV2 = sesEndpoint;
  await runtime?.stop();
});

describe('when SES fails', () => {
  it('retries the email with every attempt recorded, then moves it to the DLQ; in-app still arrives; the ops watch alerts the admins', async () => {
    const sku = `NF-${ulid().slice(-10)}`;
    await new SnsEventPublisher().publish([lowLevel(sku, 3, 4)]);

    // In-app does not depend on SES: the manager's bell has it.
    await eventually(async () =>
      ((await get('/api/v1/alerts', 'manager')) as AlertList).items.some((a) => a.sku === sku),
    );
    const failed = await eventually(async () => {
      const email = (await deliveries(sku)).find((d) => d.channel === 'email' && d.userId === MANAGER);
      return email?.status === 'failed' ? email : undefined;
    }, 60_000);
    const maxReceives = notificationsService.queues.find((q) => q.name === SEND_QUEUE)!.maxReceiveCount;
    expect(failed.attempts).toHaveLength(maxReceives);
    expect(failed.attempts.every((a) => a.outcome === 'error' && a.error)).toBe(true);
    expect(failed.reason).toContain('DLQ');

    const dlq = runtime.provisioned.queues.find((q) => q.name === SEND_QUEUE)!.dlqUrl;
    const { Messages = [] } = await eventually(async () => {
      const received = await sqs().send(
        new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
      );
      return received.Messages?.length ? received : undefined;
    });
    expect(Messages.map((m) => JSON.parse(m.Body!))).toContainEqual({ deliveryId: failed.id });

    // The scheduled watch sees the DLQ and raises one operations alert, for the admins.
    await runtime.invoke('notifications', 'ops-watch', {});
    await runtime.invoke('notifications', 'ops-watch', {});
    const adminAlerts = ((await get('/api/v1/alerts', 'admin')) as AlertList).items.filter(
      (a) => a.type === 'DeadLetterMessages' && a.details?.queue === dlqName(SEND_QUEUE),
    );

    expect(adminAlerts).toHaveLength(1);
    expect(adminAlerts[0]!.summary).toContain(`npx azura dlq redrive ${dlqName(SEND_QUEUE)}`);
  });

  it('the same event delivered twice raises one alert and writes one delivery per person and channel', async () => {
    const sku = `ND-${ulid().slice(-10)}`;
    const event = lowLevel(sku, 7, 2);
    // Twice through the handler, as SQS may redeliver it.
    const record = sqsEventOf([event], 'notifications-events');
    await runtime.invoke('notifications', 'events', record);
    await runtime.invoke('notifications', 'events', record);
    const level = await store.level(sku, 'main');
    expect(level).toMatchObject({ version: 7, low: true, lowEpisode: 1 });

    const log = await deliveries(sku);
    const mine = log.filter((d) => d.userId === MANAGER).map((d) => d.channel);
    expect(mine.sort()).toEqual(['email', 'inApp']);
    const bell = ((await get('/api/v1/alerts', 'manager')) as AlertList).items.filter((a) => a.sku === sku);
    expect(bell).toHaveLength(1);
  });

  it('an email whose template cannot render is recorded as failed at once, without retries', async () => {
    const sku = `NR-${ulid().slice(-10)}`;
    // The renderer refuses links it cannot make absolute: a real rendering failure.
    const dashboard = process.env.DASHBOARD_URL;
    process.env.DASHBOARD_URL = 'not a url';
    try {
      await new SnsEventPublisher().publish([lowLevel(sku, 2, 3)]);
      const email = await eventually(async () => {
        const found = (await deliveries(sku)).find((d) => d.channel === 'email' && d.userId === MANAGER);
        return found?.status === 'failed' ? found : undefined;
      });
      expect(email.attempts).toHaveLength(1);
      expect(email.attempts[0]!.error).toContain('render failed');
      expect(email.reason).toContain('could not be rendered');
    } finally {
      process.env.DASHBOARD_URL = dashboard;
    }
  });

  it("SES's bounce feedback marks the delivery and suppresses the address for later alerts", async () => {
    const sku = `NB-${ulid().slice(-10)}`;
    await new SnsEventPublisher().publish([lowLevel(sku, 4, 1)]);
    const email = await eventually(async () =>
      (await deliveries(sku)).find((d) => d.channel === 'email' && d.userId === MANAGER),
    );
    // What SES publishes to the configuration set's topic, as the queue receives it (an SNS notification).
    const bounce = {
      eventType: 'Bounce',
      mail: { destination: [MANAGER], tags: { deliveryId: [email.id] } },
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: MANAGER.toUpperCase() }],
        timestamp: new Date().toISOString(),
      },
    };
    const notification = { Type: 'Notification', MessageId: ulid(), Message: JSON.stringify(bounce) };
    const result = (await runtime.invoke(
      'notifications',
      'ses-feedback',
      sqsEventOf([notification], 'notifications-ses-feedback'),
    )) as { batchItemFailures: unknown[] };
    expect(result.batchItemFailures).toEqual([]);
    await eventually(async () =>
      (await deliveries(sku)).some((d) => d.id === email.id && d.status === 'bounced'),
    );

    // The next alert for the manager is not emailed (the address bounced for good); in-app still is.
    const next = `NB-${ulid().slice(-10)}`;
    await new SnsEventPublisher().publish([lowLevel(next, 4, 1)]);
    const later = await eventually(async () => {
      const found = (await deliveries(next)).filter((d) => d.userId === MANAGER);
      return found.length === 2 ? found : undefined;
    });
    const byChannel = Object.fromEntries(later.map((d) => [d.channel, d]));
    expect(byChannel.email).toMatchObject({ status: 'suppressed', attempts: [] });
    expect(byChannel.email!.reason).toMatch(/bounce/i);
    expect(byChannel.inApp).toMatchObject({ status: 'sent' });

    // A malformed feedback message fails (retried, then the DLQ), changing nothing.
    await expect(
      runtime.invoke(
        'notifications',
        'ses-feedback',
        sqsEventOf([{ Type: 'Notification', Message: 'not json' }], 'notifications-ses-feedback'),
      ),
    ).rejects.toThrow(/failed processing/);
  });
});
