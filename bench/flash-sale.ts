/**
 * A flash sale through the whole pipeline: `orders` OrderPlaced messages of 1 unit for one SKU
 * with `stock` in stock, sent by `senders` concurrent senders to the real `orders-inbound` queue
 * of a full local runtime (its own emulators), until every order is decided (RESERVED or
 * REJECTED); then the reserved ones are fulfilled. Beside it, the raw single-item
 * TransactWriteItems rate of DynamoDB Local in the same run, and the AWS operations each order
 * took, priced at public AWS prices.
 *
 *   npx tsx bench/flash-sale.ts [orders=5000] [stock=1000] [senders=64] [pollers=4] [normal=300]
 *
 * `normal`: first, that many orders with stock for all, each reserved and then fulfilled: the
 * operations of an ordinary order, end to end. Throughput figures are those of the emulators on
 * this machine, not AWS figures; the operation counts are the code's, and hold in AWS.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import type { Envelope } from '../lib/events.ts';
import { stateMachineEnvVar, tableEnvVar } from '../lib/topology.ts';
import { startRuntime } from '../local/runtime.ts';
import type { OrderStatus } from '../services/orders/contract.ts';
import type { Order } from '../services/orders/domain/model.ts';
import { ordersService } from '../services/orders/service.ts';
import { DynamoOrderStore, ORDERS_TABLE } from '../services/orders/store.ts';
import { fulfilled, placed } from '../services/orders/testing.ts';
import { StockLedger } from '../services/stock/domain/stock.ts';
import { stockService } from '../services/stock/service.ts';
import { DynamoStockStore, STOCK_TABLE } from '../services/stock/store.ts';
import { seedProduct } from '../services/stock/testing.ts';
import { rawDynamoRates, timed } from './baseline.ts';
import { costOf, printCosts } from './cost.ts';
import { Meter, meterAwsClients, meteredServices, type Snapshot, since } from './meter.ts';

const [orders = 5000, stock = 1000, senders = 64, pollers = 4, normal = 300] = process.argv
  .slice(2)
  .map(Number);
const DEADLINE_MS = Math.max(600_000, orders * 200);

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

const meter = new Meter();
let errors = 0;
const errorKinds = new Map<string, number>();
const runtime = await startRuntime({
  services: meteredServices([stockService, ordersService], meter),
  prefix: `bench${ulid().slice(-6).toLowerCase()}`,
  port: 0,
  fastRetry: true,
  queueConcurrency: pollers,
  onError: (error, where) => {
    errors++;
    const kind = `${where}: ${(error instanceof Error ? error.message : String(error)).slice(0, 100)}`;
    errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
  },
});

try {
  const queue = (name: string) => runtime.provisioned.queues.find((q) => q.name === name)!;
  const inbound = queue('orders-inbound').url;
  // The order platform: its own SQS client (its SendMessage calls are on our queue, so counted).
  const platform = new SQSClient({ useQueueUrlAsEndpoint: false });
  meterAwsClients(meter, [platform]);
  // What the bench reads to observe and check is not counted: clients of its own.
  const observer = new SQSClient({ useQueueUrlAsEndpoint: false });
  const unmetered = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const orderStore = new DynamoOrderStore(unmetered, process.env[tableEnvVar(ORDERS_TABLE)]!);
  const stockStore = new DynamoStockStore(unmetered, process.env[tableEnvVar(STOCK_TABLE)]!);
  const ledger = new StockLedger(stockStore);
  const sfnObserver = new SFNClient({});

  // The platform's feed (platform-events): when each order's decision event reached the platform.
  const seen = new Map<string, Map<string, number>>();
  let feeding = true;
  const feedLoop = async () => {
    const url = queue('platform-events').url;
    while (feeding) {
      try {
        const { Messages = [] } = await observer.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const now = performance.now();
        for (const m of Messages) {
          const event = JSON.parse(m.Body ?? '{}') as Envelope;
          const orderId = (event.data as { orderId?: string })?.orderId;
          if (!orderId) continue;
          const byType = seen.get(event.type) ?? new Map<string, number>();
          if (!byType.has(orderId)) byType.set(orderId, now);
          seen.set(event.type, byType);
        }
        if (Messages.length) {
          await observer.send(
            new DeleteMessageBatchCommand({
              QueueUrl: url,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const feed = [feedLoop(), feedLoop()];
  const seenCount = (ids: string[], types: string[]) =>
    ids.filter((id) => types.some((t) => seen.get(t)?.has(id))).length;
  const waitFor = async (ids: string[], types: string[], what: string) => {
    const deadline = Date.now() + DEADLINE_MS;
    while (seenCount(ids, types) < ids.length) {
      if (Date.now() > deadline) {
        throw new Error(
          `${what}: only ${seenCount(ids, types)} of ${ids.length} within ${DEADLINE_MS / 1000} s`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const send = (bodies: unknown[]) =>
    timed(bodies.length, senders, (i) =>
      platform.send(new SendMessageCommand({ QueueUrl: inbound, MessageBody: JSON.stringify(bodies[i]) })),
    );
  const ordersWith = async (status: OrderStatus): Promise<Order[]> => {
    const all: Order[] = [];
    let cursor: string | undefined;
    do {
      const page = await orderStore.list({ status, limit: 100, ...(cursor ? { cursor } : {}) });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  };
  const newSku = async (onHand: number) => {
    const sku = `BENCH-${ulid()}`;
    await seedProduct(ledger, sku, { onHand });
    return sku;
  };

  // Step Functions state transitions, from each execution's history (a state entered, and each retry).
  const transitionsOf = async (orderIds: string[]) => {
    const machine = process.env[stateMachineEnvVar('order-saga')]!;
    const totals = { transitions: 0, executions: 0, taskAttempts: 0 };
    await timed(orderIds.length, 8, async (i) => {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sfnObserver.send(
          new GetExecutionHistoryCommand({
            executionArn: `${machine.replace(':stateMachine:', ':execution:')}:${orderIds[i]}`,
            maxResults: 1000,
            nextToken,
          }),
        );
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      const entered = events.filter((e) => e.type?.endsWith('StateEntered')).length;
      // A retry is one more attempt of a Task state entered once: AWS bills it as a transition too.
      const tasksEntered = events.filter((e) => e.type === 'TaskStateEntered').length;
      const attempts = events.filter(
        (e) => e.type === 'LambdaFunctionScheduled' || e.type === 'TaskScheduled',
      ).length;
      totals.transitions += entered + Math.max(0, attempts - tasksEntered);
      totals.taskAttempts += attempts;
      totals.executions++;
    });
    return totals;
  };

  const windows: { name: string; orders: number; ops: Snapshot; transitions: number }[] = [];

  // --------------------------------------------------------------- raw DynamoDB Local rate
  const raw = await rawDynamoRates(2000, 32);

  // --------------------------------------------------------------- an ordinary order, end to end
  if (normal > 0) {
    const sku = await newSku(normal);
    const ids = Array.from({ length: normal }, () => `ORD-N-${ulid()}`);
    // Phase 1: placed → reserved; phase 2: fulfilled → completed. Transitions counted after phase 2.
    const before = meter.snapshot();
    meter.on = true;
    await send(ids.map((id) => placed(id, [{ sku, quantity: 1 }])));
    await waitFor(ids, ['OrderReserved', 'OrderRejected'], 'ordinary orders decided');
    await send(ids.map((id) => fulfilled(id)));
    await waitFor(ids, ['OrderCompleted', 'OrderReleased'], 'ordinary orders completed');
    await new Promise((r) => setTimeout(r, 1500));
    meter.on = false;
    windows.push({
      name: 'ordinary order: placed → reserved → fulfilled',
      orders: normal,
      ops: since(before, meter.snapshot()),
      transitions: (await transitionsOf(ids)).transitions,
    });
  }

  // --------------------------------------------------------------- the flash sale
  const sku = await newSku(stock);
  const ids = Array.from({ length: orders }, () => `ORD-F-${ulid()}`);
  const flashBefore = meter.snapshot();
  meter.on = true;
  const started = performance.now();
  const startedAt = Date.now();
  const sending = await send(ids.map((id) => placed(id, [{ sku, quantity: 1 }])));
  await waitFor(ids, ['OrderReserved', 'OrderRejected'], 'flash-sale orders decided');
  const lastEventSeconds =
    (Math.max(
      ...ids.map((id) => seen.get('OrderReserved')?.get(id) ?? seen.get('OrderRejected')?.get(id) ?? 0),
    ) -
      started) /
    1000;
  await new Promise((r) => setTimeout(r, 1500));
  meter.on = false;
  const flashOps = since(flashBefore, meter.snapshot());

  // Check: every order decided, exactly `stock` reserved, never oversold, the ledger replays.
  const reserved = await ordersWith('RESERVED');
  const rejected = await ordersWith('REJECTED');
  const ours = (list: Order[]) => list.filter((o) => o.orderId.startsWith('ORD-F-'));
  const [reservedF, rejectedF] = [ours(reserved), ours(rejected)];
  const decisionTimes = [...reservedF, ...rejectedF].map((o) => Date.parse(o.history.at(-1)!.at));
  const lastDecisionSeconds = (Math.max(...decisionTimes) - startedAt) / 1000;
  const level = (await ledger.getStock(sku)).totals;
  const replay = await ledger.replayLedger(sku);
  const movements = await stockStore.allMovements(sku);
  const lowestAvailable = Math.min(...movements.map((m) => m.after.onHand - m.after.reserved));

  // Settle: the platform fulfils every reserved order.
  const reservedIds = reservedF.map((o) => o.orderId);
  const settleBefore = meter.snapshot();
  meter.on = true;
  await send(reservedIds.map((id) => fulfilled(id)));
  await waitFor(reservedIds, ['OrderCompleted', 'OrderReleased'], 'flash-sale orders fulfilled');
  await new Promise((r) => setTimeout(r, 1500));
  meter.on = false;
  const settleOps = since(settleBefore, meter.snapshot());
  const flashTransitions = await transitionsOf(ids);
  windows.push({
    name: `flash sale: ${orders} placed (${stock} reserved then fulfilled, the rest rejected)`,
    orders,
    ops: merge(flashOps, settleOps),
    transitions: flashTransitions.transitions,
  });
  const after = (await ledger.getStock(sku)).totals;
  const replayAfter = await ledger.replayLedger(sku);

  // --------------------------------------------------------------- report
  const f0 = (n: number) => n.toFixed(0);
  const decidedPerSecond = orders / lastDecisionSeconds;
  console.log(
    `\nFlash sale: ${orders} orders of 1 unit, one SKU with ${stock} in stock, ${senders} concurrent senders → ` +
      `SQS orders-inbound → inbound Lambda (${pollers} pollers × batches of 10) → order saga (local Step Functions) → ` +
      'stock reserve (DynamoDB Local transaction) → order marked, event published (stream → SNS).',
  );
  console.log(
    'Local emulators on this 2-core machine, everything in one process plus the DynamoDB Local JVM: ' +
      'the throughput is not an AWS figure; the operation counts are.\n',
  );
  console.log('| what | figure |');
  console.log('|---|---|');
  console.log(
    `| orders sent (${senders} senders) | ${orders} in ${sending.seconds.toFixed(1)} s (${f0(sending.perSecond)}/s) |`,
  );
  console.log(`| time to the last decision (recorded on the order) | ${lastDecisionSeconds.toFixed(1)} s |`);
  console.log(`| time to the last decision event on platform-events | ${lastEventSeconds.toFixed(1)} s |`);
  console.log(`| decided orders per second | ${decidedPerSecond.toFixed(1)} |`);
  console.log(
    `| raw single-item TransactWriteItems, DynamoDB Local (32 in flight) | ${f0(raw.transactWrite.perSecond)}/s |`,
  );
  console.log(
    `| raw conditional UpdateItem, DynamoDB Local (32 in flight) | ${f0(raw.conditionalUpdate.perSecond)}/s |`,
  );
  console.log(
    `| decided orders per second ÷ raw TransactWriteItems rate | ${(decidedPerSecond / raw.transactWrite.perSecond).toFixed(3)} |`,
  );
  console.log(
    `| RESERVED / REJECTED | ${reservedF.length} / ${rejectedF.length} (expected ${stock} / ${orders - stock}) |`,
  );
  console.log(
    `| stock after the decisions: onHand / reserved / available | ${level.onHand} / ${level.reserved} / ${level.available} |`,
  );
  console.log(`| lowest available after any movement (oversell if < 0) | ${lowestAvailable} |`);
  console.log(
    `| ledger replays to the level (after decisions / after fulfilment) | ${replay.consistent} / ${replayAfter.consistent} |`,
  );
  console.log(
    `| after fulfilling the ${reservedIds.length} reserved: onHand / reserved | ${after.onHand} / ${after.reserved} |`,
  );
  console.log(`| errors reported by the runtime (listed below) | ${errors} |`);

  for (const [kind, n] of errorKinds) console.log(`- ${n}× ${kind}`);

  for (const w of windows) printCosts(w.name, costOf(w.ops, w.transitions, w.orders));

  const broken =
    reservedF.length !== stock ||
    rejectedF.length !== orders - stock ||
    level.available !== 0 ||
    level.reserved !== stock ||
    lowestAvailable < 0 ||
    !replay.consistent ||
    !replayAfter.consistent ||
    after.onHand !== 0 ||
    after.reserved !== 0;
  if (broken) {
    console.error('\nINVARIANT BROKEN: exactly the stock reserved, never oversold, the ledger consistent');
    process.exitCode = 1;
  }
  feeding = false;
  await Promise.allSettled(feed);
} finally {
  await runtime.stop();
}

function merge(a: Snapshot, b: Snapshot): Snapshot {
  const add = (x: Map<string, number>, y: Map<string, number>) => {
    const out = new Map(x);
    for (const [k, v] of y) out.set(k, (out.get(k) ?? 0) + v);
    return out;
  };
  const lambdas = new Map([...a.lambdas].map(([k, v]) => [k, { ...v }]));
  for (const [k, v] of b.lambdas) {
    const s = lambdas.get(k) ?? { invocations: 0, totalMs: 0 };
    lambdas.set(k, { invocations: s.invocations + v.invocations, totalMs: s.totalMs + v.totalMs });
  }
  return { requests: add(a.requests, b.requests), amounts: add(a.amounts, b.amounts), lambdas };
}
