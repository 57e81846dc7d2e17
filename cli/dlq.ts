import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { sqs } from '../lib/aws.ts';
import { streamFailureRecordSchema } from '../lib/outbox.ts';
import { CliError, EXIT } from './output.ts';
import type { DeadLetterQueueRef, Target } from './target.ts';

/**
 * `azura dlq list|show|redrive`. SQS's own StartMessageMoveTask is not used: fauxqs (the local
 * SQS) does not have it, and moving message by message lets the CLI print what it moved. A
 * message is deleted from the DLQ only after the send to its source queue succeeded, so a crash
 * in between leaves a copy in both (every consumer is idempotent), never in neither.
 */

export interface DlqDepth {
  name: string;
  kind: DeadLetterQueueRef['kind'];
  /** Messages waiting (ApproximateNumberOfMessages). */
  depth: number;
  /** Messages someone is looking at right now (ApproximateNumberOfMessagesNotVisible). */
  inFlight: number;
  source?: string;
  url: string;
}

export async function listDeadLetterQueues(target: Target): Promise<DlqDepth[]> {
  return Promise.all(
    target.deadLetterQueues.map(async (q) => {
      const { Attributes = {} } = await sqs().send(
        new GetQueueAttributesCommand({
          QueueUrl: q.url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        name: q.name,
        kind: q.kind,
        depth: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
        ...(q.source
          ? { source: q.source.name }
          : q.table
            ? { source: `${q.table.logicalName} stream` }
            : {}),
        url: q.url,
      };
    }),
  );
}

/** How long a looked-at message stays hidden before it is handed back (visibility 0) or moved. */
const HOLD_SECONDS = 60;

async function receive(url: string, max: number): Promise<Message[]> {
  const { Messages = [] } = await sqs().send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
      VisibilityTimeout: HOLD_SECONDS,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages;
}

/** Makes the messages visible again at once (what "without consuming them" means). */
async function handBack(url: string, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    await sqs().send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: messages.slice(i, i + 10).map((m, n) => ({
          Id: String(n),
          ReceiptHandle: m.ReceiptHandle!,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

/** Up to `max` messages, all held invisible while collected so none is seen twice, then handed back. */
async function peek(url: string, max: number): Promise<Message[]> {
  const seen: Message[] = [];
  try {
    while (seen.length < max) {
      const batch = await receive(url, max - seen.length);
      if (!batch.length) break;
      seen.push(...batch);
    }
  } finally {
    await handBack(url, seen);
  }
  return seen;
}

export interface ShownMessage {
  messageId: string;
  sentAt?: string;
  /** Deliveries so far, this look included (a DLQ message keeps the count of its source queue). */
  receiveCount: number;
  /** Where it came from, when SQS says (AWS sets DeadLetterQueueSourceArn). */
  sourceArn?: string;
  attributes: Record<string, string>;
  body: unknown;
  /** What the message itself says went wrong. */
  error: string;
}

function describe(queue: DeadLetterQueueRef, m: Message): ShownMessage {
  const attrs = m.Attributes ?? {};
  let body: unknown = m.Body ?? '';
  let parsed = false;
  try {
    body = JSON.parse(m.Body ?? '');
    parsed = true;
  } catch {
    // not JSON: shown as text
  }
  let error: string;
  if (queue.kind === 'stream-dlq') {
    const failure = streamFailureRecordSchema.safeParse(body);
    if (failure.success) {
      const { requestContext: rc, responseContext, DDBStreamBatchInfo: info } = failure.data;
      error =
        `${rc.condition} after ${rc.approximateInvokeCount} invocation(s)` +
        `${responseContext?.functionError ? ` (${responseContext.functionError})` : ''}: ` +
        `${info.batchSize} stream record(s) of shard ${info.shardId}, sequence ${info.startSequenceNumber}..${info.endSequenceNumber}` +
        `${info.approximateArrivalOfFirstRecord ? `, written ${info.approximateArrivalOfFirstRecord}` : ''}; ` +
        `republish with \`azura outbox republish --from-dlq ${queue.name}\``;
    } else {
      error = 'not a stream on-failure record';
    }
  } else {
    error = parsed
      ? `not recorded in the message: the consumer's log has it under message id ${m.MessageId} (a "rejected" warning names the invalid fields)`
      : 'the body is not JSON';
  }
  const sent = attrs.SentTimestamp ? new Date(Number(attrs.SentTimestamp)).toISOString() : undefined;
  return {
    messageId: m.MessageId!,
    ...(sent ? { sentAt: sent } : {}),
    receiveCount: Number(attrs.ApproximateReceiveCount ?? 0),
    ...(attrs.DeadLetterQueueSourceArn ? { sourceArn: attrs.DeadLetterQueueSourceArn } : {}),
    attributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? `<${v.DataType}>`]),
    ),
    body,
    error,
  };
}

export async function showDeadLetters(queue: DeadLetterQueueRef, max: number): Promise<ShownMessage[]> {
  return (await peek(queue.url, max)).map((m) => describe(queue, m));
}

export interface MovedMessage {
  messageId: string;
  /** Its id in the source queue (absent on a dry run). */
  newMessageId?: string;
  body: string;
}

export interface RedriveResult {
  queue: string;
  source: string;
  dryRun: boolean;
  moved: MovedMessage[];
  /** A message moved by this run failed again and was back in the DLQ: the run stopped there. */
  cameBack?: boolean;
  /** Set when a send failed: the message stays in the DLQ, nothing after it was tried. */
  failed?: { messageId: string; error: string };
}

const copyAttributes = (attrs: Record<string, MessageAttributeValue> | undefined) =>
  attrs && Object.keys(attrs).length
    ? Object.fromEntries(
        Object.entries(attrs).map(([name, v]) => [
          name,
          {
            DataType: v.DataType,
            ...(v.StringValue !== undefined ? { StringValue: v.StringValue } : {}),
            ...(v.BinaryValue !== undefined ? { BinaryValue: v.BinaryValue } : {}),
          },
        ]),
      )
    : undefined;

/** Moves up to `max` messages back to the queue they failed on: send, then delete. */
export async function redrive(
  queue: DeadLetterQueueRef,
  options: { dryRun: boolean; max: number },
): Promise<RedriveResult> {
  if (queue.kind !== 'dlq' || !queue.source) {
    throw new CliError(
      `${queue.name} is a stream's on-failure queue: its messages point at stream records, they are not messages to resend. Use \`azura outbox republish --from-dlq ${queue.name}\`.`,
      EXIT.usage,
    );
  }
  const source = queue.source;
  const result: RedriveResult = { queue: queue.name, source: source.name, dryRun: options.dryRun, moved: [] };
  if (options.dryRun) {
    const messages = await peek(queue.url, options.max);
    result.moved = messages.map((m) => ({ messageId: m.MessageId!, body: m.Body ?? '' }));
    return result;
  }
  // A moved message that fails again comes back to this DLQ (with the id we sent it under):
  // stop there rather than move it round and round; the cause is not fixed yet.
  const sentIds = new Set<string>();
  while (result.moved.length < options.max) {
    const batch = await receive(queue.url, options.max - result.moved.length);
    if (!batch.length) break;
    const back = batch.findIndex((m) => sentIds.has(m.MessageId!));
    if (back !== -1) {
      await handBack(queue.url, batch.slice(back));
      batch.splice(back);
      result.cameBack = true;
    }
    for (const [i, m] of batch.entries()) {
      let newMessageId: string | undefined;
      try {
        const sent = await sqs().send(
          new SendMessageCommand({
            QueueUrl: source.url,
            MessageBody: m.Body ?? '',
            MessageAttributes: copyAttributes(m.MessageAttributes),
          }),
        );
        newMessageId = sent.MessageId;
      } catch (error) {
        await handBack(queue.url, batch.slice(i));
        result.failed = { messageId: m.MessageId!, error: (error as Error).message };
        return result;
      }
      if (newMessageId) sentIds.add(newMessageId);
      await sqs().send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: m.ReceiptHandle! }));
      result.moved.push({
        messageId: m.MessageId!,
        ...(newMessageId ? { newMessageId } : {}),
        body: m.Body ?? '',
      });
    }
    if (result.cameBack) break;
  }
  return result;
}
