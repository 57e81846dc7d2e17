/**
 * From a SKU crossing its reorder rule's min to the purchase order arriving at the supplier's
 * webhook, through the whole local pipeline: the stock adjustment's transaction, the stock
 * table's stream, the outbox publisher, SNS, the replenishment queue, the planner, the PO's
 * transaction, StartExecution, the saga's Begin and Send, the signed POST to the supplier
 * simulator. `runs` times, one new SKU each, one after the other (latency, not throughput).
 *
 *   npx tsx bench/replenishment.ts [runs=20]
 *
 * The raw baseline, measured for the same adjustments in the same run: when the very same
 * StockLevelChanged event reached a queue of the bench's own, subscribed to the topic as the
 * replenishment queue is (the event-delivery floor every consumer pays), and a signed POST from
 * the bench straight to the simulator. Then each PO is acknowledged (by the simulator) and
 * received in full, and its execution history gives the saga's state transitions per PO (what
 * Step Functions Standard bills). Figures are this machine's emulators, not AWS's.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { ulid } from 'ulid';
import { stateMachineEnvVar, tableEnvVar } from '../lib/topology.ts';
import { localTokenFor } from '../local/auth.ts';
import { startRuntime } from '../local/runtime.ts';
import { startSupplierSimulator } from '../local/supplier-simulator.ts';
import { replenishmentService } from '../services/replenishment/service.ts';
import { StockLedger } from '../services/stock/domain/stock.ts';
import { stockService } from '../services/stock/service.ts';
import { DynamoStockStore, STOCK_TABLE } from '../services/stock/store.ts';
import { seedProduct } from '../services/stock/testing.ts';
import { levelEventFloor, median, pct, until } from './latency.ts';

const [runs = 20] = process.argv.slice(2).map(Number);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

const simulator = await startSupplierSimulator({ port: 0 });
const runtime = await startRuntime({
  services: [stockService, replenishmentService],
  prefix: `bench${ulid().slice(-6).toLowerCase()}`,
  port: 0,
  fastRetry: true,
  onError: (error, where) => console.error(`[${where}]`, (error as Error).message),
});

try {
  const token = await localTokenFor('admin');
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${runtime.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const ledger = new StockLedger(
    new DynamoStockStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      process.env[tableEnvVar(STOCK_TABLE)]!,
    ),
  );

  // The baseline consumer: a queue of our own on the topic, raw delivery, StockLevelChanged only.
  const floor = await levelEventFloor(runtime.provisioned.prefix, runtime.provisioned.topicArn);

  const supplierId = `bench-${ulid().slice(-8).toLowerCase()}`;
  const created = await api('POST', '/api/v1/suppliers', {
    id: supplierId,
    name: 'Bench Supplies',
    email: 'bench@suppliers.example',
    webhookUrl: simulator.webhookUrlFor(supplierId),
    currency: 'USD',
    leadTimeDays: 5,
  });
  const secret = created.secret as string;
  simulator.register(supplierId, { secret, ackDelayMs: 0 });

  const toWebhook: number[] = [];
  const toEvent: number[] = [];
  const transitions: number[] = [];
  const historyEvents: number[] = [];
  for (let run = 0; run < runs; run++) {
    const sku = `BENCH-${ulid()}`;
    await seedProduct(ledger, sku, { onHand: 50 });
    await api('PUT', `/api/v1/suppliers/${supplierId}/items/${sku}`, {
      supplierSku: `S-${sku}`,
      unitCost: { amount: 250, currency: 'USD' },
    });
    await api('PUT', `/api/v1/reorder-rules/${sku}`, { min: 10, max: 100, preferredSupplierId: supplierId });
    // The planner knows the level (available 50) before the crossing.
    await until(async () => {
      const rules = (await api('GET', `/api/v1/reorder-rules?sku=${sku}`)) as {
        items: { position?: { available: number } }[];
      };
      return rules.items[0]?.position?.available === 50;
    }, 'the planner sees the level');

    const crossedAt = Date.now();
    const { movement } = await ledger.adjust({ sku, delta: -45, reason: 'damaged' }, { actor: 'bench' });
    const delivery = await until(
      () => simulator.deliveries(supplierId).find((d) => d.purchaseOrder?.data.lines[0]?.sku === sku),
      'the PO at the webhook',
    );
    toWebhook.push(Date.parse(delivery.receivedAt) - crossedAt);
    const seen = await until(() => floor.seenAt(sku, movement.id), 'the level event at the bench queue');
    toEvent.push(seen - crossedAt);

    // Acknowledged by the simulator, then received in full: the saga's whole life.
    const purchaseOrderId = delivery.purchaseOrder!.data.purchaseOrderId;
    await until(
      async () => (await api('GET', `/api/v1/purchase-orders/${purchaseOrderId}`)).status === 'ACKNOWLEDGED',
      'acknowledged',
    );
    await api('POST', `/api/v1/purchase-orders/${purchaseOrderId}/receipts`, {
      lines: [{ sku, quantity: delivery.purchaseOrder!.data.lines[0]!.quantity }],
    });
    const sfn = new SFNClient({});
    const executionArn = `${process.env[stateMachineEnvVar('replenishment-saga')]!.replace(':stateMachine:', ':execution:')}:${purchaseOrderId}`;
    const history = await until(async () => {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(
          new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
        );
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return events.some((e) => e.type === 'ExecutionSucceeded') ? events : undefined;
    }, 'the saga succeeded');
    console.log(
      `run ${run + 1}: ${toWebhook.at(-1)} ms to the webhook, ${toEvent.at(-1)} ms to the bench queue`,
    );
    transitions.push(history.filter((e) => e.type?.endsWith('StateEntered')).length);
    historyEvents.push(history.length);
  }

  // Raw: a signed POST from here straight to the simulator.
  const raw: number[] = [];
  for (let i = 0; i < runs; i++) {
    const body = JSON.stringify({ type: 'bench.ping' });
    const id = `msg_bench_${i}`;
    const started = performance.now();
    await fetch(simulator.webhookUrlFor(supplierId), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, new Date(), body),
      },
      body,
    });
    raw.push(performance.now() - started);
  }
  await floor.stop();

  const ms = (x: number) => `${x.toFixed(0)} ms`;
  console.log(`runs: ${runs}`);
  console.log(
    `crossing → PO at the supplier's webhook: median ${ms(median(toWebhook))}, p90 ${ms(pct(toWebhook, 0.9))}, max ${ms(Math.max(...toWebhook))}`,
  );
  console.log(
    `baseline, crossing → the same StockLevelChanged at a bench queue: median ${ms(median(toEvent))}; ratio ${(median(toWebhook) / median(toEvent)).toFixed(2)}`,
  );
  console.log(`baseline, a signed POST straight to the simulator: median ${median(raw).toFixed(1)} ms`);
  console.log(
    `saga state transitions per PO (raised → acknowledged → received in one receipt): ${[...new Set(transitions)].join(', ')} (history events: ${[...new Set(historyEvents)].join(', ')})`,
  );
  console.log(
    `Step Functions Standard at $0.025 per 1,000 transitions: $${((median(transitions) * 0.025) / 1000).toFixed(6)} per PO`,
  );
} catch (error) {
  console.error('bench failed:', error);
  process.exitCode = 1;
} finally {
  await runtime.stop();
  await simulator.stop();
}
