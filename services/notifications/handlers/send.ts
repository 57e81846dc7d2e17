import { messageConsumer } from '../../../lib/consumer.ts';
import { sendMessageSchema } from '../contract.ts';
import { notificationsService, SEND_QUEUE } from '../service.ts';
import { defaultDelivery } from '../wiring.ts';

const MAX_RECEIVES = notificationsService.queues.find((q) => q.name === SEND_QUEUE)!.maxReceiveCount;

/**
 * Sends one delivery per message (`{deliveryId}`): a provider error is recorded and rethrown, so
 * SQS retries it after the visibility timeout and moves it to the DLQ after the last receive.
 */
export const handler = messageConsumer('notifications', sendMessageSchema, async (message, record) => {
  await defaultDelivery().send(message.deliveryId, {
    now: new Date().toISOString(),
    receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
    maxReceiveCount: MAX_RECEIVES,
  });
});
