import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { sqs } from '../../lib/aws.ts';
import type { Envelope } from '../../lib/events.ts';

/**
 * Test and example helpers that play the order platform through the real SQS API: send to
 * `orders-inbound`, read our events from `platform-events`.
 */

export async function queueUrl(name: string): Promise<string> {
  return (await sqs().send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
}

export async function sendMessage(url: string, body: unknown): Promise<void> {
  await sqs().send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

export const placed = (
  orderId: string,
  lines: { sku: string; quantity: number }[],
  placedAt = new Date(),
) => ({
  type: 'OrderPlaced' as const,
  version: 1 as const,
  orderId,
  placedAt: placedAt.toISOString(),
  lines,
});
export const fulfilled = (orderId: string, fulfilledAt = new Date()) => ({
  type: 'OrderFulfilled' as const,
  version: 1 as const,
  orderId,
  fulfilledAt: fulfilledAt.toISOString(),
});
export const cancelled = (orderId: string, reason?: string) => ({
  type: 'OrderCancelled' as const,
  version: 1 as const,
  orderId,
  ...(reason ? { reason } : {}),
});

/** Reads a queue of events in the background (deleting what it read), as the platform would. */
export function eventFeed(url: string): { events: Envelope[]; stop(): Promise<void> } {
  const events: Envelope[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        const { Messages = [] } = await sqs().send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const message of Messages) events.push(JSON.parse(message.Body ?? '{}') as Envelope);
        if (Messages.length) {
          await sqs().send(
            new DeleteMessageBatchCommand({
              QueueUrl: url,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      } catch {
        if (running) await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const loops = [loop(), loop()];
  return {
    events,
    stop: async () => {
      running = false;
      await Promise.allSettled(loops);
    },
  };
}
