import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamHandler } from 'aws-lambda';
import { type Envelope, envelopeSchema } from './events.ts';
import type { EventPublisher } from './publisher.ts';

/**
 * Transactional outbox. A service that must publish an event writes it, in the same DynamoDB
 * transaction as the state change, into an `outbox` list attribute of an item it writes anyway.
 * The table's stream feeds this handler, which publishes every envelope that the new image
 * carries and the old image did not. A change is therefore never published without being
 * committed, and never committed without being published (the stream retries until SNS takes it).
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
