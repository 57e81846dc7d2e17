/**
 * Plays the order platform against a running `npm start`: sends orders to the SQS queue
 * `orders-inbound` with the AWS SDK, fulfils or cancels them, and prints what Azura answers on
 * `platform-events`. Uses nothing of this repository but the wire contract (docs/integration.md).
 *
 *   npx tsx examples/order-platform.ts
 *
 * Environment: SQS_PORT (default 9324), QUEUE_PREFIX (default `azura`, as `npm start` names them).
 */
import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const endpoint = `http://localhost:${process.env.SQS_PORT ?? 9324}`;
const prefix = process.env.QUEUE_PREFIX ?? 'azura';
const client = new SQSClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  // The local queue URLs name a host that only the endpoint above answers for.
  useQueueUrlAsEndpoint: false,
});

interface Envelope {
  id: string;
  type: string;
  occurredAt: string;
  data: { orderId?: string; [field: string]: unknown };
}

const FINAL_EVENTS = new Set(['OrderCompleted', 'OrderRejected', 'OrderReleased']);
const run = `DEMO-${Date.now().toString(36).toUpperCase()}`;
const now = () => new Date().toISOString();

async function queueUrl(name: string): Promise<string> {
  try {
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: `${prefix}-${name}` }));
    return QueueUrl!;
  } catch (error) {
    throw new Error(`queue ${prefix}-${name} not found at ${endpoint}: is \`npm start\` running?`, {
      cause: error,
    });
  }
}

async function main(): Promise<void> {
  const inbound = await queueUrl('orders-inbound');
  const feed = await queueUrl('platform-events');
  const send = async (message: Record<string, unknown>) => {
    await client.send(new SendMessageCommand({ QueueUrl: inbound, MessageBody: JSON.stringify(message) }));
    console.log(`→ ${message.type} ${message.orderId}`);
  };
  const placed = (orderId: string, lines: { sku: string; quantity: number }[]) =>
    send({ type: 'OrderPlaced', version: 1, orderId, placedAt: now(), lines });

  // What Azura tells us, per order, read from platform-events as it comes.
  const events = new Map<string, Envelope[]>();
  const ours = (e: Envelope) => typeof e.data?.orderId === 'string' && e.data.orderId.startsWith(run);
  const poll = async (seconds: number) => {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: feed, MaxNumberOfMessages: 10, WaitTimeSeconds: seconds }),
    );
    for (const message of Messages) {
      const event = JSON.parse(message.Body ?? '{}') as Envelope;
      if (!ours(event)) continue;
      const orderId = event.data.orderId as string;
      events.set(orderId, [...(events.get(orderId) ?? []), event]);
      const { orderId: _, ...rest } = event.data;
      console.log(`← ${event.type.padEnd(14)} ${orderId}  ${JSON.stringify(rest)}`);
    }
    if (Messages.length) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: feed,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  };
  const waitFor = async (orderIds: string[], types: Set<string>, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    const done = () => orderIds.every((id) => (events.get(id) ?? []).some((e) => types.has(e.type)));
    while (!done() && Date.now() < deadline) await poll(1);
    if (!done())
      throw new Error(`no ${[...types].join('/')} for some of ${orderIds.join(', ')} within ${timeoutMs} ms`);
  };

  const [toFulfil, toCancel, outOfStock, unknownSku, cancelledFirst] = [1, 2, 3, 4, 5].map(
    (n) => `${run}-${n}`,
  );
  console.log(`Order platform demo ${run} against ${endpoint}\n`);

  // 1. Place: two orders that can be reserved, one for a product out of stock, one for a SKU nobody sells.
  await placed(toFulfil!, [
    { sku: 'TSHIRT-BLUE-M', quantity: 2 },
    { sku: 'MUG-AZURA-350', quantity: 1 },
  ]);
  await placed(toCancel!, [{ sku: 'HOODIE-GREY-M', quantity: 1 }]);
  await placed(outOfStock!, [{ sku: 'CANDLE-CEDAR', quantity: 1 }]);
  await placed(unknownSku!, [{ sku: 'NOT-A-REAL-SKU', quantity: 1 }]);
  // ... and a cancellation that overtakes its own placement (it still wins).
  await send({ type: 'OrderCancelled', version: 1, orderId: cancelledFirst, reason: 'fraud check failed' });
  await new Promise((r) => setTimeout(r, 1000)); // (messages sent together may be handled in any order)
  await placed(cancelledFirst!, [{ sku: 'NOTEBOOK-A5', quantity: 3 }]);

  await waitFor([toFulfil!, toCancel!], new Set(['OrderReserved']));
  await waitFor([outOfStock!, unknownSku!, cancelledFirst!], FINAL_EVENTS);

  // 2. Ship one, cancel the other.
  console.log('');
  await send({ type: 'OrderFulfilled', version: 1, orderId: toFulfil, fulfilledAt: now() });
  await send({ type: 'OrderCancelled', version: 1, orderId: toCancel, reason: 'customer request' });
  await waitFor([toFulfil!, toCancel!], FINAL_EVENTS);

  console.log('\nOutcome per order:');
  for (const orderId of [toFulfil, toCancel, outOfStock, unknownSku, cancelledFirst] as string[]) {
    const last = (events.get(orderId) ?? []).filter((e) => FINAL_EVENTS.has(e.type)).at(-1);
    console.log(`  ${orderId}  ${last?.type ?? '(none)'}`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
