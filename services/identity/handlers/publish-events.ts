import { outboxStreamHandler } from '../../../lib/outbox.ts';
import { SnsEventPublisher } from '../../../lib/publisher.ts';

/** Publishes on SNS the UserChanged each committed user change put in the user item's outbox (table stream). */
export const handler = outboxStreamHandler(() => new SnsEventPublisher());
