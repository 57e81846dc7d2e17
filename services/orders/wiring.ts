import { observability } from '../../lib/observability.ts';
import { SnsEventPublisher } from '../../lib/publisher.ts';
import { EVENTS_TOPIC_ENV } from '../../lib/topology.ts';
import { Orders } from './domain/orders.ts';
import { SfnOrderSaga } from './saga-client.ts';
import { DynamoOrderStore } from './store.ts';

/** Default reservation hold: how long an order waits for the platform's Fulfilled/Cancelled. */
export const DEFAULT_HOLD_SECONDS = 24 * 3600;

/** ORDER_HOLD_SECONDS, read at each placement (a positive integer; otherwise the 24 h default). */
export function holdSecondsFromEnv(): number {
  const value = Number(process.env.ORDER_HOLD_SECONDS);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_HOLD_SECONDS;
}

let orders: Orders | undefined;

/** The process-wide Orders over DynamoDB and Step Functions, made on first use (Lambda module scope). */
export function defaultOrders(): Orders {
  if (!orders) {
    const { logger } = observability('orders');
    orders = new Orders(new DynamoOrderStore(), new SfnOrderSaga(), {
      holdSeconds: holdSecondsFromEnv,
      // The functions that may publish (the inbound consumer) have the topic; the others never re-announce.
      ...(process.env[EVENTS_TOPIC_ENV] ? { announcer: new SnsEventPublisher() } : {}),
      log: (message, details) => logger.info(message, details),
    });
  }
  return orders;
}
