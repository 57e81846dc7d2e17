import { existsSync, readFileSync } from 'node:fs';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { dynamoStreams, sqs } from '../lib/aws.ts';
import type { StreamFailureRecord } from '../lib/outbox.ts';
import { writeFileAtomic } from './files.ts';
import { invokeBatch, type LambdaHandler, lambdaContext } from './lambda.ts';
import type { ProvisionedTable } from './provision.ts';

/**
 * What Lambda's DynamoDB stream event source mapping does, locally: read every shard in order,
 * hand the handler real DynamoDBStreamEvents of up to `batchSize` records, and on a reported
 * failure (`batchItemFailures`, by sequence number) retry from that record, up to `maxAttempts`;
 * then, as Lambda does, the poller sends the metadata of the records it gives up on (shard, first
 * and last sequence number, never the records themselves) to the table's on-failure queue
 * `<table>-stream-dlq`, in the shape AWS uses (`StreamFailureRecord`), and moves on. The
 * checkpoint passes those records only once that message is sent. `npx azura outbox republish`
 * reads them back from the stream. Progress is checkpointed per shard, in a file when one is
 * given, so a restart neither loses nor replays changes.
 */
export class StreamCheckpoints {
  private readonly positions: Record<string, string>;
  constructor(private readonly file?: string) {
    this.positions = file ? readCheckpoints(file) : {};
  }
  get(shardId: string): string | undefined {
    return this.positions[shardId];
  }
  /** Written atomically (`writeFileAtomic`): a kill -9 mid-write leaves the old file whole. */
  set(shardId: string, sequenceNumber: string): void {
    this.positions[shardId] = sequenceNumber;
    if (this.file) writeFileAtomic(this.file, JSON.stringify(this.positions));
  }
}

/**
 * The checkpoints of an earlier run. A file that does not parse (an older version's write cut
 * short by a crash) means starting each shard over from its oldest record: every stream consumer
 * de-duplicates (the outbox publisher's events carry stable ids), so a replay is safe, where
 * refusing to start is not.
 */
function readCheckpoints(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed && typeof parsed === 'object') return parsed as Record<string, string>;
  } catch {
    // fall through: unreadable
  }
  console.warn(`[stream-poller] ${file} is unreadable; the streams are read again from their oldest records`);
  return {};
}

/** A record as the DynamoDB Streams API returns it, in the shape Lambda hands a stream handler. */
export function toLambdaRecord(
  record: StreamRecord,
  table: Pick<ProvisionedTable, 'streamArn'>,
): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: table.streamArn,
    ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
    dynamodb: {
      ApproximateCreationDateTime: d.ApproximateCreationDateTime
        ? Math.floor(new Date(d.ApproximateCreationDateTime).getTime() / 1000)
        : undefined,
      Keys: d.Keys as never,
      NewImage: d.NewImage as never,
      OldImage: d.OldImage as never,
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType as 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** The on-failure record Lambda's event source mapping sends for a batch it gave up on. */
export function streamFailureRecord(input: {
  table: ProvisionedTable;
  shardId: string;
  records: StreamRecord[];
  attempts: number;
  functionName: string;
  now?: Date;
}): StreamFailureRecord {
  const { records, table } = input;
  const first = records[0]?.dynamodb;
  const last = records.at(-1)?.dynamodb;
  const arrival = (d: Date | undefined) => (d ? new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z') : '');
  return {
    requestContext: {
      requestId: ulid(),
      functionArn: lambdaContext(input.functionName).invokedFunctionArn,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: input.attempts,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: (input.now ?? new Date()).toISOString(),
    DDBStreamBatchInfo: {
      shardId: input.shardId,
      startSequenceNumber: first?.SequenceNumber ?? '',
      endSequenceNumber: last?.SequenceNumber ?? '',
      approximateArrivalOfFirstRecord: arrival(first?.ApproximateCreationDateTime),
      approximateArrivalOfLastRecord: arrival(last?.ApproximateCreationDateTime),
      batchSize: records.length,
      streamArn: table.streamArn ?? '',
    },
  };
}

export interface StreamPollerOptions {
  checkpoints: StreamCheckpoints;
  onError: (error: unknown, where: string) => void;
  idleMs?: number;
}

export function pollStream(
  table: ProvisionedTable,
  handler: LambdaHandler,
  options: StreamPollerOptions,
): () => Promise<void> {
  if (!table.streamArn || !table.stream) throw new Error(`table ${table.tableName} has no stream`);
  const { batchSize, maxAttempts } = table.stream;
  const StreamArn = table.streamArn;
  const functionName = `${table.service}-${table.stream.handler}`;
  const idleMs = options.idleMs ?? 100;
  let running = true;
  const finishedShards = new Set<string>();
  const active = new Map<string, Promise<void>>();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const iteratorFor = async (shardId: string): Promise<string | undefined> => {
    const after = options.checkpoints.get(shardId);
    const horizon = { StreamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' as const };
    if (!after) return (await dynamoStreams().send(new GetShardIteratorCommand(horizon))).ShardIterator;
    try {
      const out = await dynamoStreams().send(
        new GetShardIteratorCommand({
          ...horizon,
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          SequenceNumber: after,
        }),
      );
      return out.ShardIterator;
    } catch (error) {
      // DynamoDB Local does not keep stream records across restarts: the checkpoint then points
      // before the oldest record there is, and the shard's whole remaining content is new to us.
      if ((error as Error).name !== 'TrimmedDataAccessException') throw error;
      return (await dynamoStreams().send(new GetShardIteratorCommand(horizon))).ShardIterator;
    }
  };

  const readShard = async (shardId: string): Promise<void> => {
    let iterator = await iteratorFor(shardId);
    let attempts = 0;
    while (running && iterator) {
      let out: GetRecordsCommandOutput;
      try {
        out = await dynamoStreams().send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }),
        );
      } catch (error) {
        // An iterator that expired or points at records DynamoDB Local no longer has: start again
        // from the checkpoint (or the oldest record there is); nothing after it is skipped.
        const name = (error as Error).name;
        if (name !== 'ExpiredIteratorException' && name !== 'TrimmedDataAccessException') throw error;
        await sleep(idleMs);
        iterator = await iteratorFor(shardId);
        continue;
      }
      const records = out.Records ?? [];
      if (!records.length) {
        iterator = out.NextShardIterator;
        if (iterator) await sleep(idleMs);
        continue;
      }
      const event: DynamoDBStreamEvent = { Records: records.map((r) => toLambdaRecord(r, table)) };
      const sequences = records.map((r) => r.dynamodb!.SequenceNumber!);
      const failed = await invokeBatch(handler, event, lambdaContext(functionName), sequences, (error) =>
        options.onError(error, `${table.logicalName} stream`),
      );
      const firstFailed = sequences.findIndex((s) => failed.has(s));
      if (firstFailed === -1 || ++attempts >= maxAttempts) {
        if (firstFailed !== -1) {
          const given = records.slice(firstFailed);
          const failure = streamFailureRecord({ table, shardId, records: given, attempts, functionName });
          // Sent before the checkpoint moves past the records: a crash in between sends it twice
          // at worst (the republish tool is idempotent), never zero times.
          if (table.failureQueue) {
            await sqs().send(
              new SendMessageCommand({
                QueueUrl: table.failureQueue.url,
                MessageBody: JSON.stringify(failure),
              }),
            );
          }
          options.onError(
            new Error(
              `gave up on ${given.length} stream record(s) after ${attempts} attempts ` +
                `(shard ${shardId}, sequence ${failure.DDBStreamBatchInfo.startSequenceNumber}..` +
                `${failure.DDBStreamBatchInfo.endSequenceNumber}); sent to ` +
                `${table.failureQueue?.name ?? 'no on-failure queue'}`,
            ),
            `${table.logicalName} stream`,
          );
        }
        options.checkpoints.set(shardId, sequences.at(-1)!);
        attempts = 0;
        iterator = out.NextShardIterator;
        continue;
      }
      // Retry from the first failed record: everything before it is done.
      if (firstFailed > 0) options.checkpoints.set(shardId, sequences[firstFailed - 1]!);
      await sleep(Math.min(2000, 50 * 2 ** attempts));
      iterator = await iteratorFor(shardId);
    }
    if (!iterator) finishedShards.add(shardId);
  };

  const discover = async (): Promise<void> => {
    while (running) {
      try {
        const { StreamDescription } = await dynamoStreams().send(new DescribeStreamCommand({ StreamArn }));
        for (const shard of StreamDescription?.Shards ?? []) {
          const id = shard.ShardId!;
          const parentPending =
            shard.ParentShardId &&
            !finishedShards.has(shard.ParentShardId) &&
            active.has(shard.ParentShardId);
          if (finishedShards.has(id) || active.has(id) || parentPending) continue;
          active.set(
            id,
            readShard(id)
              .catch((error) => options.onError(error, `${table.logicalName} stream`))
              .finally(() => active.delete(id)),
          );
        }
      } catch (error) {
        if (running) options.onError(error, `${table.logicalName} stream`);
      }
      await sleep(1000);
    }
  };
  const discovery = discover();
  return async () => {
    running = false;
    await discovery;
    await Promise.allSettled(active.values());
  };
}
