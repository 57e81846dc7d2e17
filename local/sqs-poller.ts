import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { sqs } from '../lib/aws.ts';
import { invokeBatch, type LambdaHandler, lambdaContext } from './lambda.ts';
import type { ProvisionedQueue } from './provision.ts';

/**
 * What Lambda's SQS event source mapping does, locally: long-poll the queue, hand the handler a
 * real SQSEvent, delete the records it did not report in `batchItemFailures`. Failed records stay
 * on the queue and come back after the visibility timeout — until `maxReceiveCount`, when the
 * queue's redrive policy moves them to the DLQ. `fastRetry` makes failed records visible again
 * at once (tests), instead of after the declared timeout.
 */
export interface PollerOptions {
  fastRetry: boolean;
  concurrency: number;
  onError: (error: unknown, where: string) => void;
}

/** An SQS message as Lambda's event source mapping hands it to the consumer (tests build events with it too). */
export function toSqsRecord(message: Message, queue: Pick<ProvisionedQueue, 'arn'>): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        { dataType: value.DataType ?? 'String', stringValue: value.StringValue },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: 'us-east-1',
  };
}

export function pollQueue(
  queue: ProvisionedQueue,
  handler: LambdaHandler,
  options: PollerOptions,
): () => Promise<void> {
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      try {
        const received = await sqs().send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            MaxNumberOfMessages: Math.min(queue.batchSize, 10),
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        const messages = received.Messages ?? [];
        if (!messages.length || !running) continue;
        const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, queue)) };
        const failed = await invokeBatch(
          handler,
          event,
          lambdaContext(`${queue.service}-${queue.handler}`, queue.visibilityTimeoutSeconds),
          messages.map((m) => m.MessageId!),
          (error) => options.onError(error, queue.name),
        );
        const done = messages.filter((m) => !failed.has(m.MessageId!));
        if (done.length) {
          await sqs().send(
            new DeleteMessageBatchCommand({
              QueueUrl: queue.url,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
        const retry = messages.filter((m) => failed.has(m.MessageId!));
        if (retry.length && options.fastRetry) {
          await sqs().send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queue.url,
              Entries: retry.map((m, i) => ({
                Id: String(i),
                ReceiptHandle: m.ReceiptHandle!,
                VisibilityTimeout: 0,
              })),
            }),
          );
        }
      } catch (error) {
        if (!running) break;
        options.onError(error, queue.name);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const loops = Array.from({ length: options.concurrency }, loop);
  return async () => {
    running = false;
    await Promise.allSettled(loops);
  };
}
