/**
 * What the latency benches share: waiting on a real condition, medians and percentiles, and the
 * raw baseline consumer — a queue of the bench's own on the topic, raw delivery, StockLevelChanged
 * only — that records when each level event arrived (the event-delivery floor every consumer pays).
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Envelope } from '../lib/events.ts';
import { ensureQueue, subscribeQueue } from '../local/provision.ts';

/** Polls `check` every 5 ms until it returns a value, or throws after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

/**
 * Subscribes a queue named `<prefix>-bench-levels` to the topic for StockLevelChanged and reads it
 * until `stop()`: `seenAt(sku, movementId)` is when that movement's event reached the queue.
 */
export async function levelEventFloor(
  prefix: string,
  topicArn: string,
): Promise<{ seenAt(sku: string, movementId: string): number | undefined; stop(): Promise<void> }> {
  const observer = new SQSClient({ useQueueUrlAsEndpoint: false });
  const { url: QueueUrl, arn } = await ensureQueue(`${prefix}-bench-levels`);
  await subscribeQueue(topicArn, arn, ['StockLevelChanged']);
  const seen = new Map<string, number>(); // `${sku}:${movementId}` → when it reached the queue
  let reading = true;
  const reader = (async () => {
    while (reading) {
      const { Messages = [] } = await observer
        .send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))
        .catch(() => ({ Messages: [] })); // the runtime stopping under a long poll
      const at = Date.now();
      for (const m of Messages) {
        const event = JSON.parse(m.Body ?? '{}') as Envelope<{ sku: string; movementId: string }>;
        seen.set(`${event.data.sku}:${event.data.movementId}`, at);
      }
      if (Messages.length)
        await observer.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
    }
  })();
  return {
    seenAt: (sku, movementId) => seen.get(`${sku}:${movementId}`),
    stop: async () => {
      reading = false;
      await reader;
    },
  };
}
