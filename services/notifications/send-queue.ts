import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { requireEnv, sqs } from '../../lib/aws.ts';
import { queueUrlEnvVar } from '../../lib/topology.ts';
import type { SendMessage } from './contract.ts';
import type { SendQueue } from './domain/delivery.ts';
import { SEND_QUEUE } from './service.ts';

/** SendMessageBatch takes at most 10 entries. */
const BATCH = 10;

/**
 * The `notifications-send` queue: one message `{"deliveryId": …}` per delivery to attempt
 * (sendMessageSchema). A batch that SQS refuses in part throws, naming the failed deliveries, so
 * the caller's own retry re-queues them (sending twice is harmless: `send` skips what is sent).
 */
export class SqsSendQueue implements SendQueue {
  constructor(
    private readonly client: SQSClient = sqs(),
    private readonly queueUrl: () => string = () => requireEnv(queueUrlEnvVar(SEND_QUEUE)),
  ) {}

  async enqueue(deliveryIds: string[]): Promise<void> {
    const ids = [...new Set(deliveryIds)];
    const QueueUrl = this.queueUrl();
    const failed: string[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH);
      const result = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl,
          // Entry ids must be unique within a batch and [A-Za-z0-9_-]{1,80}: the position is.
          Entries: chunk.map((deliveryId, n) => ({
            Id: String(n),
            MessageBody: JSON.stringify({ deliveryId } satisfies SendMessage),
          })),
        }),
      );
      for (const entry of result.Failed ?? []) {
        failed.push(`${chunk[Number(entry.Id)]} (${entry.Code ?? 'error'}: ${entry.Message ?? ''})`);
      }
    }
    if (failed.length > 0) {
      throw new Error(`SQS did not take ${failed.length} send message(s): ${failed.join(', ')}`);
    }
  }
}

let queue: SendQueue | undefined;
export function defaultSendQueue(): SendQueue {
  queue ??= new SqsSendQueue();
  return queue;
}
