import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamHandler } from 'aws-lambda';
import { z } from 'zod';
import { type Envelope, envelopeSchema } from './events.ts';
import type { EventPublisher } from './publisher.ts';

/**
 * Transactional outbox. A service that must publish an event writes it, in the same DynamoDB
 * transaction as the state change, into an `outbox` list attribute of an item it writes anyway.
 * The table's stream feeds this handler, which publishes every envelope that the new image
 * carries and the old image did not.
 *
 * What holds: an event is never published unless its change committed, and it is published at
 * least once (consumers de-duplicate by envelope `id`) — *provided* the stream handler succeeds
 * within the mapping's `maxAttempts`. It is NOT true that a committed change is always
 * published by itself: after `maxAttempts` failures (SNS down for long, a bug) the event source
 * mapping gives up on the records and puts only their shard and sequence range
 * (`StreamFailureRecord`, no data) into the table's on-failure queue `<table>-stream-dlq`, and
 * the stream moves on. The envelopes are then committed but unpublished. The operator runs
 * `npx azura outbox republish --from-dlq <table>-stream-dlq` (cli/outbox.ts), which reads those
 * records back from the stream while it still has them (24 h) and publishes their envelopes
 * with this same `eventsToPublish`; past that the envelopes are still in the items' `outbox`
 * attribute, and `--scan-fallback` republishes them from there (docs/operations.md).
 */
export const OUTBOX_ATTRIBUTE = 'outbox';

type Image = Record<string, AttributeValue> | undefined;

function outboxOf(image: Image): Envelope[] {
  if (!image?.[OUTBOX_ATTRIBUTE]) return [];
  const item = unmarshall({ [OUTBOX_ATTRIBUTE]: image[OUTBOX_ATTRIBUTE] });
  const list = item[OUTBOX_ATTRIBUTE];
  return Array.isArray(list) ? list.map((e) => envelopeSchema.parse(e) as Envelope) : [];
}

/** Envelopes a stream record asks to publish: new in NewImage compared with OldImage. */
export function eventsToPublish(record: DynamoDBRecord): Envelope[] {
  if (record.eventName === 'REMOVE') return [];
  const before = new Set(outboxOf(record.dynamodb?.OldImage as Image).map((e) => e.id));
  return outboxOf(record.dynamodb?.NewImage as Image).filter((e) => !before.has(e.id));
}

export function outboxStreamHandler(publisher: () => EventPublisher): DynamoDBStreamHandler {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
    const events = eventsToPublish(record);
    if (events.length) await publisher().publish(events);
  };
  return async (event, context) => processPartialResponse(event, recordHandler, processor, { context });
}

/**
 * What the event source mapping of a DynamoDB stream sends to its on-failure destination when it
 * gives up on records (AWS's shape; the local stream poller sends the same): where the records
 * are in the stream, not the records.
 */
export const streamFailureRecordSchema = z.object({
  requestContext: z.object({
    requestId: z.string(),
    functionArn: z.string(),
    condition: z.string(),
    approximateInvokeCount: z.number().int(),
  }),
  responseContext: z
    .object({
      statusCode: z.number().int().optional(),
      executedVersion: z.string().optional(),
      functionError: z.string().nullish(),
    })
    .optional(),
  version: z.string(),
  timestamp: z.string(),
  DDBStreamBatchInfo: z.object({
    shardId: z.string().min(1),
    startSequenceNumber: z.string().min(1),
    endSequenceNumber: z.string().min(1),
    approximateArrivalOfFirstRecord: z.string().optional(),
    approximateArrivalOfLastRecord: z.string().optional(),
    batchSize: z.number().int(),
    streamArn: z.string().min(1),
  }),
});
export type StreamFailureRecord = z.infer<typeof streamFailureRecordSchema>;
