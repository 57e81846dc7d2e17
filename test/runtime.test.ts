import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsService } from '../api/service.ts';
import { dynamo, sns, sqs } from '../lib/aws.ts';
import { streamFailureRecordSchema } from '../lib/outbox.ts';
import type { Runtime } from '../local/runtime.ts';
import { received } from './fixtures/probe/handlers.ts';
import { probeService } from './fixtures/probe/service.ts';
import { seen } from './fixtures/probe/stream.ts';
import { eventually } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// The local runtime stands in for Lambda's event source mappings. These tests pin down the
// behaviours the services rely on: filtered fan-out, partial batch failure and redrive to the
// DLQ, ordered stream delivery with retry from the failed record, and the HTTP front door.
describe('the local runtime', () => {
  let runtime: Runtime;
  beforeAll(async () => {
    runtime = await startTestRuntime([probeService, docsService]);
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  const publish = (type: string, body: object) =>
    sns().send(
      new PublishCommand({
        TopicArn: runtime.provisioned.topicArn,
        Message: JSON.stringify(body),
        MessageAttributes: { type: { DataType: 'String', StringValue: type } },
      }),
    );

  /** Nothing visible or in flight on the probe's queue. */
  const queueDrained = async () => {
    const { Attributes } = await sqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: runtime.provisioned.queues[0]!.url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Attributes?.ApproximateNumberOfMessages === '0' &&
      Attributes?.ApproximateNumberOfMessagesNotVisible === '0'
    );
  };

  it('delivers subscribed event types to the queue handler and filters out the rest', async () => {
    // The filtered-out event goes first: once the later one was handled and the queue is empty,
    // the first one can no longer be in flight.
    await publish('SomethingElse', { n: 2 });
    await publish('ProbeHappened', { n: 1 });

    await eventually(async () => received.some((r) => r.body === '{"n":1}'));
    await eventually(queueDrained);
    expect(received.some((r) => r.body === '{"n":2}')).toBe(false);
  });

  it('retries a failed record and moves it to the DLQ after maxReceiveCount, keeping the rest', async () => {
    await publish('ProbeHappened', { fail: true, n: 3 });
    await publish('ProbeHappened', { n: 4 });

    const dlqUrl = runtime.provisioned.queues[0]!.dlqUrl;
    await eventually(async () => {
      const { Attributes } = await sqs().send(
        new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      return Attributes?.ApproximateNumberOfMessages === '1';
    });
    await eventually(async () => received.some((r) => r.body === '{"n":4}'));
    await eventually(queueDrained);
    const tries = received.filter((r) => r.body === '{"fail":true,"n":3}');
    expect(tries.map((t) => t.receiveCount)).toEqual([1, 2, 3]);
    expect(received.filter((r) => r.body === '{"n":4}')).toHaveLength(1);
  });

  it('feeds table changes to the stream handler in order, retrying from a failed record', async () => {
    const table = runtime.provisioned.tables[0]!.tableName;
    for (const pk of ['a', 'flaky-b', 'c']) {
      await dynamo().send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk } } }));
    }

    await eventually(async () => seen.length >= 3);
    expect(seen).toEqual(['INSERT:a', 'INSERT:flaky-b', 'INSERT:c']);
  });

  it("sends the stream records it gives up on to the table's on-failure queue, as AWS does, and moves on", async () => {
    // Before issue 7 the local poller logged and skipped them: nothing told ops, nothing could republish.
    const table = runtime.provisioned.tables[0]!;
    const put = (pk: string) =>
      dynamo().send(new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: pk } } }));
    await put('poison-1');

    // Assess: the on-failure record, in the shape of Lambda's event source mapping.
    expect(table.failureQueue?.name).toBe('probe-stream-dlq');
    const body = await eventually(async () => {
      const { Messages } = await sqs().send(
        new ReceiveMessageCommand({ QueueUrl: table.failureQueue!.url, WaitTimeSeconds: 1 }),
      );
      return Messages?.[0]?.Body;
    });
    const failure = streamFailureRecordSchema.parse(JSON.parse(body));
    expect(failure.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: table.stream!.maxAttempts,
    });
    expect(failure.DDBStreamBatchInfo).toMatchObject({ batchSize: 1, streamArn: table.streamArn });
    expect(failure.DDBStreamBatchInfo.startSequenceNumber).toBe(failure.DDBStreamBatchInfo.endSequenceNumber);
    // And the stream goes on past it.
    await put('after-poison');
    await eventually(async () => seen.includes('INSERT:after-poison'));
  });

  it('serves the declared HTTP routes behind sign-in, and the OpenAPI document and health openly', async () => {
    // Every /api/v1 route of every service needs a signed-in caller; health and docs do not.
    const probe = await fetch(`${runtime.url}/api/v1/probe`);
    expect(probe.status).toBe(401);
    const health = await fetch(`${runtime.url}/api/health`);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      components: { dynamodb: 'ok', sqs: 'ok', sns: 'ok', s3: 'ok' },
    });
    const doc = await (await fetch(`${runtime.url}/api/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    const missing = await fetch(`${runtime.url}/api/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
  });
});
