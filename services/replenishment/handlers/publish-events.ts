import { outboxStreamHandler } from '../../../lib/outbox.ts';
import { SnsEventPublisher } from '../../../lib/publisher.ts';

/** Publishes on SNS the events each committed purchase-order change put in its item's outbox (table stream). */
export const handler = outboxStreamHandler(() => new SnsEventPublisher());
