import { outboxStreamHandler } from '../../../lib/outbox.ts';
import { SnsEventPublisher } from '../../../lib/publisher.ts';

/** Publishes on SNS the event each committed order transition put in its item's outbox (table stream). */
export const handler = outboxStreamHandler(() => new SnsEventPublisher());
