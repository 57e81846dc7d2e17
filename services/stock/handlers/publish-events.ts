import { outboxStreamHandler } from '../../../lib/outbox.ts';
import { SnsEventPublisher } from '../../../lib/publisher.ts';

let publisher: SnsEventPublisher | undefined;

/** Publishes the outbox of every committed stock change (table stream) on SNS. */
export const handler = outboxStreamHandler(() => {
  publisher ??= new SnsEventPublisher();
  return publisher;
});
