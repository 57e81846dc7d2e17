import { messageConsumer } from '../../../lib/consumer.ts';
import { inboundOrderMessageSchema } from '../contract.ts';
import { defaultOrders } from '../wiring.ts';

/**
 * The order platform's messages from SQS `orders-inbound`. A malformed message fails its record,
 * so SQS redelivers it and finally moves it to `orders-inbound-dlq`; it changes nothing.
 */
export const handler = messageConsumer('orders', inboundOrderMessageSchema, (message) =>
  defaultOrders().handle(message),
);
