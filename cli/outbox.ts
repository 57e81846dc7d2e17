import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type _Record,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, dynamoStreams, sqs } from '../lib/aws.ts';
import { type Envelope, envelopeSchema } from '../lib/events.ts';
import {
  eventsToPublish,
  OUTBOX_ATTRIBUTE,
  type StreamFailureRecord,
  streamFailureRecordSchema,
} from '../lib/outbox.ts';
import { SnsEventPublisher } from '../lib/publisher.ts';
import { toLambdaRecord } from '../local/stream-poller.ts';
import { CliError, EXIT } from './output.ts';
import type { DeadLetterQueueRef, Target } from './target.ts';

/**
 * `azura outbox republish --from-dlq <table>-stream-dlq`: the events of the stream records the
 * outbox publisher gave up on, published again.
 *
 * Each on-failure message names a shard and a sequence range (never the records). The tool reads
 * that range back from the stream (GetShardIterator AT_SEQUENCE_NUMBER, GetRecords up to the end
 * sequence number), takes the envelopes with the publisher's own `eventsToPublish`, and publishes
 * them on the events topic.
 *
 * Idempotent by event id, in three ways: consumers de-duplicate by envelope id (they must anyway:
 * the stream is at-least-once); the tool appends every id it published to a journal
 * (`.data/outbox-republished-<prefix>.jsonl`) and never publishes an id found there again; and
 * a DLQ message is deleted only after all its events were published, so a second run finds
 * nothing left to do, and a run that crashed half-way redoes only the unjournalled rest.
 *
 * Stream records live 24 hours (DynamoDB Local keeps them only until it restarts). When they are
 * gone the message stays in the DLQ and the tool says which shard and sequence range it could not
 * read; `--scan-fallback` then republishes, from the table itself, every envelope still held in an
 * item's `outbox` attribute whose `occurredAt` falls in the message's time window (a few minutes
 * wide: it may publish more than the lost events, which de-duplication makes harmless).
 */

export interface RepublishedMessage {
  messageId: string;
  shardId?: string;
  range?: string;
  /** Where the envelopes were read: the stream, or (fallback) the items' outbox attribute. */
  from?: 'stream' | 'table-scan';
  records: number;
  /** Envelopes found, published now, and skipped because the journal says they were already. */
  events: number;
  published: string[];
  skipped: string[];
  /** Why this message was left in the DLQ. */
  error?: string;
}

export interface RepublishResult {
  queue: string;
  table: string;
  dryRun: boolean;
  journal: string;
  messages: RepublishedMessage[];
}

class StreamRecordsGone extends Error {}

const GONE = new Set(['TrimmedDataAccessException', 'ResourceNotFoundException', 'ExpiredIteratorException']);

/** The stream records of one on-failure message, in order. @throws StreamRecordsGone */
export async function readFailedRange(info: StreamFailureRecord['DDBStreamBatchInfo']): Promise<_Record[]> {
  const end = BigInt(info.endSequenceNumber);
  const gone = (why: string) =>
    new StreamRecordsGone(
      `the stream records of shard ${info.shardId}, sequence ${info.startSequenceNumber}..${info.endSequenceNumber} ` +
        `can no longer be read (${why}): DynamoDB keeps stream records 24 hours (DynamoDB Local only until it restarts)`,
    );
  let iterator: string | undefined;
  try {
    iterator = (
      await dynamoStreams().send(
        new GetShardIteratorCommand({
          StreamArn: info.streamArn,
          ShardId: info.shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          SequenceNumber: info.startSequenceNumber,
        }),
      )
    ).ShardIterator;
  } catch (error) {
    const name = (error as Error).name;
    if (GONE.has(name) || name === 'ValidationException') throw gone(`${name}: ${(error as Error).message}`);
    throw error;
  }
  const records: _Record[] = [];
  // An open shard answers empty pages at its tip: a few of them in a row mean the range is not there.
  for (let empty = 0; iterator && empty < 5; ) {
    let out: GetRecordsCommandOutput;
    try {
      out = await dynamoStreams().send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    } catch (error) {
      const name = (error as Error).name;
      if (GONE.has(name)) throw gone(`${name}: ${(error as Error).message}`);
      throw error;
    }
    const page = out.Records ?? [];
    empty = page.length ? 0 : empty + 1;
    for (const record of page) {
      const sequence = BigInt(record.dynamodb?.SequenceNumber ?? '0');
      if (sequence > end) return records;
      records.push(record);
      if (sequence === end) return records;
    }
    iterator = out.NextShardIterator;
  }
  if (records.length === 0) throw gone('no records at that position');
  throw gone(`read ${records.length} record(s) but not up to the end sequence number`);
}

/** Fallback: the envelopes still held in items' `outbox` attribute that occurred in the window. */
async function outboxEnvelopesBetween(tableName: string, from: Date, to: Date): Promise<Envelope[]> {
  const found: Envelope[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient().send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'attribute_exists(#outbox)',
        ProjectionExpression: '#outbox',
        ExpressionAttributeNames: { '#outbox': OUTBOX_ATTRIBUTE },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      for (const raw of (item[OUTBOX_ATTRIBUTE] as unknown[]) ?? []) {
        const envelope = envelopeSchema.safeParse(raw);
        if (!envelope.success) continue;
        const at = Date.parse(envelope.data.occurredAt);
        if (at >= from.getTime() && at <= to.getTime()) found.push(envelope.data as Envelope);
      }
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return found.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
}

function windowOf(info: StreamFailureRecord['DDBStreamBatchInfo'], sentAt: number): { from: Date; to: Date } {
  const first = Date.parse(info.approximateArrivalOfFirstRecord ?? '') || sentAt - 24 * 3600_000;
  const last = Date.parse(info.approximateArrivalOfLastRecord ?? '') || sentAt;
  // occurredAt is stamped before the commit, arrival after it (and rounded to the second).
  return { from: new Date(first - 5 * 60_000), to: new Date(last + 60_000) };
}

class Journal {
  private readonly ids = new Set<string>();
  constructor(readonly file: string) {
    if (!existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        this.ids.add((JSON.parse(line) as { id: string }).id);
      } catch {
        // a line cut by a crash: that id may be published again, which consumers tolerate
      }
    }
  }
  has(id: string): boolean {
    return this.ids.has(id);
  }
  record(events: readonly Envelope[], messageId: string): void {
    if (!events.length) return;
    const at = new Date().toISOString();
    appendFileSync(
      this.file,
      events
        .map((e) => `${JSON.stringify({ id: e.id, type: e.type, at, dlqMessageId: messageId })}\n`)
        .join(''),
    );
    for (const e of events) this.ids.add(e.id);
  }
}

export function journalFileOf(target: Target): string {
  return join(target.journalDir, `outbox-republished-${target.prefix}.jsonl`);
}

export async function republishFromDlq(
  target: Target,
  queue: DeadLetterQueueRef,
  options: { dryRun: boolean; scanFallback: boolean; max: number; journalFile?: string },
): Promise<RepublishResult> {
  if (queue.kind !== 'stream-dlq' || !queue.table) {
    throw new CliError(
      `${queue.name} is not a stream's on-failure queue (those are named <table>-stream-dlq); move its messages back with \`azura dlq redrive ${queue.name}\``,
      EXIT.usage,
    );
  }
  const journal = new Journal(options.journalFile ?? journalFileOf(target));
  const publisher = new SnsEventPublisher(target.topicArn);
  const result: RepublishResult = {
    queue: queue.name,
    table: queue.table.tableName,
    dryRun: options.dryRun,
    journal: journal.file,
    messages: [],
  };
  const held: Message[] = [];
  try {
    while (result.messages.length < options.max) {
      const { Messages = [] } = await sqs().send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: Math.min(10, options.max - result.messages.length),
          VisibilityTimeout: 300,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (!Messages.length) break;
      for (const message of Messages) {
        let outcome: RepublishedMessage;
        try {
          outcome = await republishOne(message, queue.table.tableName, journal, publisher, options);
        } catch (error) {
          // SNS still down, the stream not answering…: this message waits for the next run.
          outcome = {
            messageId: message.MessageId!,
            records: 0,
            events: 0,
            published: [],
            skipped: [],
            error: `${(error as Error).name}: ${(error as Error).message} (left in the queue; what was published is journalled)`,
          };
        }
        result.messages.push(outcome);
        if (outcome.error || options.dryRun) held.push(message);
        else
          await sqs().send(
            new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle! }),
          );
      }
    }
  } finally {
    // Messages not done with (a dry run, an error) are handed back at once, for the next run.
    for (const message of held) {
      await sqs()
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queue.url,
            ReceiptHandle: message.ReceiptHandle!,
            VisibilityTimeout: 0,
          }),
        )
        .catch(() => undefined);
    }
  }
  return result;
}

async function republishOne(
  message: Message,
  tableName: string,
  journal: Journal,
  publisher: SnsEventPublisher,
  options: { dryRun: boolean; scanFallback: boolean },
): Promise<RepublishedMessage> {
  const base = { messageId: message.MessageId!, records: 0, events: 0, published: [], skipped: [] };
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    body = undefined;
  }
  const parsed = streamFailureRecordSchema.safeParse(body);
  if (!parsed.success) return { ...base, error: 'not a stream on-failure record (no DDBStreamBatchInfo)' };
  const info = parsed.data.DDBStreamBatchInfo;
  const where = {
    shardId: info.shardId,
    range: `${info.startSequenceNumber}..${info.endSequenceNumber}`,
  };
  let envelopes: Envelope[];
  let records = 0;
  let from: RepublishedMessage['from'] = 'stream';
  try {
    const stream = await readFailedRange(info);
    records = stream.length;
    envelopes = stream.flatMap((r) => eventsToPublish(toLambdaRecord(r, { streamArn: info.streamArn })));
  } catch (error) {
    if (!(error instanceof StreamRecordsGone)) throw error;
    const window = windowOf(info, Number(message.Attributes?.SentTimestamp ?? Date.now()));
    if (!options.scanFallback) {
      return {
        ...base,
        ...where,
        error:
          `${error.message}. Left in the DLQ. The events are still in the items' outbox attribute: re-run with ` +
          `--scan-fallback to republish those that occurred between ${window.from.toISOString()} and ${window.to.toISOString()}`,
      };
    }
    envelopes = await outboxEnvelopesBetween(tableName, window.from, window.to);
    from = 'table-scan';
  }
  const fresh = envelopes.filter((e) => !journal.has(e.id));
  const skipped = envelopes.filter((e) => journal.has(e.id)).map((e) => e.id);
  if (!options.dryRun && fresh.length) {
    await publisher.publish(fresh);
    journal.record(fresh, message.MessageId!);
  }
  return {
    ...base,
    ...where,
    from,
    records,
    events: envelopes.length,
    published: fresh.map((e) => e.id),
    skipped,
  };
}
