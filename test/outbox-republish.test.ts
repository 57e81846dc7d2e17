import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamo, sqs } from '../lib/aws.ts';
import type { Envelope } from '../lib/events.ts';
import { OUTBOX_ATTRIBUTE, streamFailureRecordSchema } from '../lib/outbox.ts';
import type { ProvisionedTable } from '../local/provision.ts';
import type { Runtime } from '../local/runtime.ts';
import { sns } from './fixtures/outbox-probe/publish.ts';
import { outboxProbeService } from './fixtures/outbox-probe/service.ts';
import { azura, runtimeFileIn, tempDataDir } from './support/cli.ts';
import { eventually } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// Hole 5 of issue 7: after maxAttempts the stream gives up and the on-failure queue holds only
// where the records were. `azura outbox republish` must publish their events, once, and say
// clearly when the stream no longer has them.
describe('azura outbox republish --from-dlq <table>-stream-dlq', () => {
  let runtime: Runtime;
  let dataDir: string;
  let table: ProvisionedTable;
  const feedUrl = () => runtime.provisioned.queues.find((q) => q.name === 'outbox-probe-feed')!.url;
  const cli = (...args: string[]) =>
    azura([
      'outbox',
      'republish',
      '--from-dlq',
      'outbox-probe-stream-dlq',
      '--json',
      '--runtime-file',
      runtimeFileIn(dataDir),
      ...args,
    ]);

  beforeAll(async () => {
    dataDir = tempDataDir();
    runtime = await startTestRuntime([outboxProbeService], { dataDir });
    table = runtime.provisioned.tables[0]!;
  });
  afterAll(async () => {
    await runtime?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const envelope = (id: string): Envelope => ({
    id,
    type: 'OutboxProbed',
    version: 1,
    occurredAt: new Date().toISOString(),
    correlationId: 'test',
    data: { id },
  });
  const depth = async (url: string) => {
    const { Attributes } = await sqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
    );
  };
  /** Every envelope id the outside subscriber receives until the feed is quiet for a long poll. */
  const drainFeed = async (): Promise<string[]> => {
    const ids: string[] = [];
    for (;;) {
      const { Messages = [] } = await sqs().send(
        new ReceiveMessageCommand({ QueueUrl: feedUrl(), MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      if (!Messages.length) return ids;
      ids.push(...Messages.map((m) => (JSON.parse(m.Body!) as Envelope).id));
    }
  };
  let failureBody: string;

  it('publishes the events of the records the stream gave up on, and deletes the DLQ message', async () => {
    // Prepare: SNS is down while a change with two events commits; the stream gives up on it.
    sns.down = true;
    await dynamo().send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: marshall({ pk: 'item-1', [OUTBOX_ATTRIBUTE]: [envelope('evt-1'), envelope('evt-2')] }),
      }),
    );
    await eventually(async () => (await depth(table.failureQueue!.url)) === 1, 30_000);
    expect(await drainFeed()).toEqual([]); // committed, not published: what the tool is for
    sns.down = false;

    // Act
    const result = await cli();

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({
      published: 2,
      failed: 0,
      messages: [{ records: 1, events: 2, from: 'stream' }],
    });
    expect((await drainFeed()).sort()).toEqual(['evt-1', 'evt-2']);
    expect(await depth(table.failureQueue!.url)).toBe(0);
  });

  it('publishes nothing the second time, even when the same DLQ message comes back', async () => {
    // Nothing left: nothing published.
    const again = await cli();
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ published: 0, messages: [] });

    // The same on-failure record again (a run that crashed between publishing and deleting):
    // the journal knows its events, so none is published twice, and the message goes.
    failureBody = await recordOnFailure('item-2');
    const replayed = JSON.parse(failureBody);
    const first = streamFailureRecordSchema.parse(replayed);
    await cli(); // publishes item-2's event
    await drainFeed();
    await sqs().send(
      new SendMessageCommand({ QueueUrl: table.failureQueue!.url, MessageBody: JSON.stringify(first) }),
    );
    const duplicate = await cli();
    expect(duplicate.code).toBe(0);
    expect(duplicate.json()).toMatchObject({
      published: 0,
      messages: [{ skipped: ['evt-item-2'], published: [] }],
    });
    expect(await drainFeed()).toEqual([]);
    expect(await depth(table.failureQueue!.url)).toBe(0);
  });

  it('names the shard and sequence it cannot read any more, keeps the message, and offers the table scan', async () => {
    // Prepare: an on-failure record whose shard the stream does not have (trimmed after 24 h, or
    // DynamoDB Local restarted).
    const record = streamFailureRecordSchema.parse(JSON.parse(failureBody));
    record.DDBStreamBatchInfo.shardId = 'shardId-00000001700000000000-deadbeef';
    await sqs().send(
      new SendMessageCommand({ QueueUrl: table.failureQueue!.url, MessageBody: JSON.stringify(record) }),
    );

    // Act
    const gone = await cli();

    // Assess: a clear error, exit 1, the message still there for the fallback.
    expect(gone.code).toBe(1);
    const [message] = (gone.json() as { messages: { error: string }[] }).messages;
    expect(message!.error).toContain('shardId-00000001700000000000-deadbeef');
    expect(message!.error).toContain(record.DDBStreamBatchInfo.startSequenceNumber);
    expect(message!.error).toContain('--scan-fallback');
    expect(await depth(table.failureQueue!.url)).toBe(1);

    // The fallback: from the items' outbox attribute, the events of that time window (a fresh
    // journal, so none counts as already republished).
    const fallback = await cli('--scan-fallback', '--journal', join(dataDir, 'other-journal.jsonl'));
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(fallback.json()).toMatchObject({ failed: 0, messages: [{ from: 'table-scan' }] });
    expect(await drainFeed()).toEqual(expect.arrayContaining(['evt-item-2']));
    expect(await depth(table.failureQueue!.url)).toBe(0);
  });

  /** Commits a change while SNS is down, waits for the give-up, and returns its on-failure record. */
  async function recordOnFailure(pk: string): Promise<string> {
    sns.down = true;
    await dynamo().send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: marshall({ pk, [OUTBOX_ATTRIBUTE]: [envelope(`evt-${pk}`)] }),
      }),
    );
    await eventually(async () => (await depth(table.failureQueue!.url)) === 1, 30_000);
    sns.down = false;
    // Read it without consuming it (the tool must find it next).
    const shown = await azura([
      'dlq',
      'show',
      'outbox-probe-stream-dlq',
      '--json',
      '--runtime-file',
      runtimeFileIn(dataDir),
    ]);
    const [message] = (shown.json() as { messages: { body: unknown }[] }).messages;
    return JSON.stringify(message!.body);
  }
});
