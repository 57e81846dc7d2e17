import { ulid } from 'ulid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { localTokenFor } from '../local/auth.ts';
import type { Runtime } from '../local/runtime.ts';
import { type SupplierSimulator, startSupplierSimulator } from '../local/supplier-simulator.ts';
import type { PurchaseOrderStatus } from '../services/replenishment/contract.ts';
import { type PurchaseOrderSaga, PurchaseOrders } from '../services/replenishment/domain/purchase-orders.ts';
import { DynamoPurchaseOrderStore } from '../services/replenishment/po-store.ts';
import { SfnPurchaseOrderSaga } from '../services/replenishment/saga-client.ts';
import { replenishmentService } from '../services/replenishment/service.ts';
import { SignedWebhookSender } from '../services/replenishment/webhook.ts';
import {
  defaultPurchaseOrders,
  defaultSuppliers,
  defaultWebhookSecrets,
  sagaTimingsFromEnv,
} from '../services/replenishment/wiring.ts';
import { stockService } from '../services/stock/service.ts';
import { defaultLedger } from '../services/stock/store.ts';
import { seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { eventually } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// The bugs these guard. The local Step Functions engine keeps its executions in memory, and on
// start the runtime re-drives the purchase orders that still need their saga. It used to re-drive
// only the open ones: a PO cancelled (or received) just before a restart is final, so its saga's
// compensation never ran and its incoming stayed on the books for good. And a PO whose raiser died
// between its write and StartExecution stayed a DRAFT for ever, although the sweep said it
// started such sagas: nothing did, unless a stock event raised the same SKU again.
describe('purchase orders whose saga was interrupted', () => {
  const prefix = `t${ulid().slice(-8).toLowerCase()}`;
  const services = [stockService, replenishmentService];
  const runtimes: Runtime[] = [];
  let simulator: SupplierSimulator;
  beforeAll(async () => {
    simulator = await startSupplierSimulator({ port: 0 });
  });
  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) await runtime.stop().catch(() => undefined);
  });
  afterAll(async () => {
    await simulator?.stop();
  });

  // (In one process the SDK keeps the Step Functions endpoint it first read: every runtime after
  // the first keeps its port.)
  const sfnPort = () =>
    process.env.AWS_ENDPOINT_URL_SFN ? Number(new URL(process.env.AWS_ENDPOINT_URL_SFN).port) : undefined;
  /** A runtime on the same emulators and resource prefix, as `npm start` is after a restart. */
  const start = async () => {
    const runtime = await startTestRuntime(services, { prefix, stepFunctionsPort: sfnPort() });
    runtimes.push(runtime);
    return runtime;
  };

  const call = async (runtime: Runtime, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${runtime.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await localTokenFor(method === 'GET' ? 'viewer' : 'manager')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  /** A supplier on the simulator that takes purchase orders and, by default, never answers. */
  const supplier = async (runtime: Runtime, rules: { silent?: boolean; rejectSkus?: string[] } = {}) => {
    const id = `sup-${ulid().slice(-10).toLowerCase()}`;
    const { secret } = (await call(runtime, 'POST', '/api/v1/suppliers', {
      id,
      name: `Supplier ${id}`,
      email: `${id}@suppliers.example`,
      webhookUrl: simulator.webhookUrlFor(id),
      currency: 'USD',
      leadTimeDays: 5,
    })) as { secret: string };
    simulator.register(id, { secret, ackDelayMs: 20, silent: true, ...rules });
    return id;
  };
  /** A SKU stock knows (nothing on hand) that the supplier sells. */
  const skuOf = async (runtime: Runtime, supplierId: string) => {
    const sku = uniqueSku('RDV');
    await seedProduct(defaultLedger(), sku, { onHand: 0 });
    await call(runtime, 'PUT', `/api/v1/suppliers/${supplierId}/items/${sku}`, {
      supplierSku: `S-${sku}`,
      unitCost: { amount: 250, currency: 'USD' },
    });
    return sku;
  };
  const order = async (runtime: Runtime, supplierId: string, sku: string, quantity: number) =>
    (
      (await call(runtime, 'POST', '/api/v1/purchase-orders', {
        supplierId,
        lines: [{ sku, quantity }],
      })) as { id: string }
    ).id;
  const purchaseOrder = async (runtime: Runtime, id: string) =>
    (await call(runtime, 'GET', `/api/v1/purchase-orders/${id}`)) as {
      status: PurchaseOrderStatus;
      receipts: { applied: boolean }[];
      timeline: { step: string; status: string }[];
    };
  const waitForStatus = (runtime: Runtime, id: string, status: PurchaseOrderStatus) =>
    eventually(async () => (await purchaseOrder(runtime, id)).status === status, 15_000);
  const totalsOf = async (sku: string) => (await defaultLedger().getStock(sku)).totals;
  const deliveriesOf = (supplierId: string, purchaseOrderId: string) =>
    simulator
      .deliveries(supplierId)
      .filter((d) => d.purchaseOrder?.data.purchaseOrderId === purchaseOrderId && !d.duplicate);

  it('finish the stock steps of a cancel and a receipt recorded just before a restart', async () => {
    // Prepare: two POs sent and expected (incoming), and one the supplier rejected, whose saga ended.
    const first = await start();
    const silent = await supplier(first);
    const [toCancel, toReceive] = [await skuOf(first, silent), await skuOf(first, silent)];
    const cancelled = await order(first, silent, toCancel, 10);
    const received = await order(first, silent, toReceive, 6);
    const refusing = await supplier(first, { silent: false });
    const toReject = await skuOf(first, refusing);
    simulator.configure(refusing, { rejectSkus: [toReject] });
    const rejected = await order(first, refusing, toReject, 4);
    await waitForStatus(first, cancelled, 'SENT');
    await waitForStatus(first, received, 'SENT');
    await waitForStatus(first, rejected, 'REJECTED');
    const store = new DynamoPurchaseOrderStore();
    await eventually(async () => {
      const po = await store.get(rejected);
      return po && po.handledSeq === po.signals.at(-1)?.seq;
    }, 15_000);
    expect(await totalsOf(toCancel)).toMatchObject({ incoming: 10 });
    expect(await totalsOf(toReceive)).toMatchObject({ onHand: 0, incoming: 6 });

    // The cancel and the receipt are recorded, then the process dies before its saga acts on
    // them (here: its Step Functions endpoint is already gone, so the resume fails).
    await first.stop();
    const orders = defaultPurchaseOrders();
    await orders.cancel(cancelled, 'not needed after all', { actor: 'manager@test' }).catch(() => undefined);
    await orders
      .receive(
        received,
        { lines: [{ sku: toReceive, quantity: 6 }], confirmOverReceipt: false },
        { actor: 'warehouse@test' },
      )
      .catch(() => undefined);
    for (const [id, status] of [
      [cancelled, 'CANCELLED'],
      [received, 'RECEIVED'],
    ] as const) {
      const po = (await store.get(id))!;
      expect(po.status).toBe(status);
      expect(po.handledSeq).toBeLessThan(po.signals.at(-1)!.seq);
    }

    // Act: the runtime starts again.
    const second = await start();

    // Assess: the cancelled PO's incoming is given back, the receipt is booked, the ledger agrees.
    await eventually(async () => (await totalsOf(toCancel)).incoming === 0, 15_000);
    await eventually(
      async () => (await purchaseOrder(second, received)).receipts[0]?.applied === true,
      15_000,
    );
    expect(await totalsOf(toReceive)).toMatchObject({ onHand: 6, incoming: 0 });
    for (const sku of [toCancel, toReceive])
      expect((await defaultLedger().replayLedger(sku)).consistent).toBe(true);
    expect((await purchaseOrder(second, cancelled)).timeline.at(-1)).toMatchObject({
      step: 'Handled',
      status: 'succeeded',
    });
    // Neither was sent to the supplier again.
    expect(deliveriesOf(silent, cancelled)).toHaveLength(1);
    expect(deliveriesOf(silent, received)).toHaveLength(1);
    // The rejected PO's saga had finished: it is not taken up again (this engine has no execution of it).
    expect((await purchaseOrder(second, rejected)).timeline).toEqual([]);
  }, 90_000);

  it('start from the sweep when their raiser died before starting them', async () => {
    const runtime = await start();
    const silent = await supplier(runtime);
    const [stalledSku, freshSku] = [await skuOf(runtime, silent), await skuOf(runtime, silent)];
    // A raiser that wrote its PO and died before StartExecution: three minutes ago, and just now.
    const saga = new SfnPurchaseOrderSaga();
    const diedBeforeStarting: PurchaseOrderSaga = {
      executionArnOf: (name) => saga.executionArnOf(name),
      start: async () => undefined,
      resume: (token, output) => saga.resume(token, output),
      history: (arn) => saga.history(arn),
    };
    const raiserAt = (at: () => Date) =>
      new PurchaseOrders(
        new DynamoPurchaseOrderStore(),
        diedBeforeStarting,
        defaultSuppliers(),
        defaultWebhookSecrets(),
        new SignedWebhookSender(defaultSuppliers(), defaultWebhookSecrets()),
        { timings: () => sagaTimingsFromEnv(), now: at },
      );
    const ctx = { actor: 'manager@test' };
    const body = (sku: string) => ({ supplierId: silent, lines: [{ sku, quantity: 5 }] });
    const stalled = await raiserAt(() => new Date(Date.now() - 3 * 60_000)).create(body(stalledSku), ctx);
    const fresh = await raiserAt(() => new Date()).create(body(freshSku), ctx);

    // Act: the scheduled sweep runs.
    const result = await runtime.invoke('replenishment', 'sweep', undefined);

    // Assess: the stalled PO is sent and expected; the fresh one is left to its raiser.
    expect(result).toMatchObject({ stalledSagasStarted: 1, stalledSagasFailed: 0 });
    await waitForStatus(runtime, stalled.purchaseOrder.id, 'SENT');
    expect(await totalsOf(stalledSku)).toMatchObject({ incoming: 5 });
    expect(deliveriesOf(silent, stalled.purchaseOrder.id)).toHaveLength(1);
    const left = await new DynamoPurchaseOrderStore().get(fresh.purchaseOrder.id);
    expect(left).toMatchObject({ status: 'DRAFT' });
    expect(left?.sagaStartedAt).toBeUndefined();
    expect(await totalsOf(freshSku)).toMatchObject({ incoming: 0 });
  }, 60_000);
});
