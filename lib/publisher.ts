import { PublishBatchCommand } from '@aws-sdk/client-sns';
import { requireEnv, sns } from './aws.ts';
import type { Envelope } from './events.ts';
import { EVENT_TYPE_ATTRIBUTE, EVENTS_TOPIC_ENV } from './topology.ts';

/** The port through which a domain publishes events. */
export interface EventPublisher {
  publish(events: readonly Envelope[]): Promise<void>;
}

/**
 * Publishes envelopes on the inventory-events SNS topic with the `type` message attribute
 * (subscriptions filter on it). Batches of 10, the SNS maximum; any failed entry throws so
 * the caller (a stream or queue consumer) retries. Consumers de-duplicate on envelope `id`.
 */
export class SnsEventPublisher implements EventPublisher {
  constructor(private readonly topicArn: string = requireEnv(EVENTS_TOPIC_ENV)) {}

  async publish(events: readonly Envelope[]): Promise<void> {
    for (let i = 0; i < events.length; i += 10) {
      const chunk = events.slice(i, i + 10);
      const result = await sns().send(
        new PublishBatchCommand({
          TopicArn: this.topicArn,
          PublishBatchRequestEntries: chunk.map((event, n) => ({
            Id: String(n),
            Message: JSON.stringify(event),
            MessageAttributes: {
              [EVENT_TYPE_ATTRIBUTE]: { DataType: 'String', StringValue: event.type },
            },
          })),
        }),
      );
      if (result.Failed?.length) {
        throw new Error(`SNS rejected ${result.Failed.length} event(s): ${result.Failed[0]?.Message ?? ''}`);
      }
    }
  }
}
