import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultLedger } from '../services/stock/store.ts';
import { type ReplenishmentWorld, startReplenishmentWorld } from './replenishment-support.ts';
import { eventually } from './support/env.ts';

// The replenishment saga end to end: a level crosses a rule's min (a stock event through SNS and
// SQS), the planner raises a PO, the saga (local Step Functions, the same ASL as in AWS) sends it
// to the supplier simulator signed, the simulator calls back signed, warehouse staff receive it,
// and the stock ledger follows every step.
const totalsOf = async (sku: string) => (await defaultLedger().getStock(sku)).totals;
const TIMINGS = [
  'REPLENISHMENT_APPROVAL_WAIT_SECONDS',
  'REPLENISHMENT_APPROVAL_ESCALATED_WAIT_SECONDS',
  'REPLENISHMENT_ACK_WAIT_SECONDS',
];

describe('replenishment', () => {
  let world: ReplenishmentWorld;
  beforeAll(async () => {
    world = await startReplenishmentWorld();
  });
  afterAll(async () => {
    await world?.stop();
  });
  afterEach(() => {
    for (const name of TIMINGS) delete process.env[name];
  });

  /**
   * A supplier (with these simulator rules) selling a SKU that has 20 on hand under a rule of min
   * 10, max 40; then 15 go, and the PO the planner raises for the 35 missing.
   */
  const lowStockPurchaseOrder = async (rules: Parameters<ReplenishmentWorld['supplier']>[0] = {}) => {
    const supplier = await world.supplier(rules);
    const sku = await world.stockedSku(20);
    await world.item(supplier, sku);
    await world.rule(sku, { min: 10, max: 40, preferredSupplierId: supplier });
    await world.consume(sku, 15);
    return { supplier, sku, po: await world.waitForPurchaseOrder(sku) };
  };

  it('sends one signed PO when a SKU crosses its min; acknowledged, then received in two parts', async () => {
    const supplier = await world.supplier();
    const sku = await world.stockedSku(50);
    await world.item(supplier, sku, { packMultiple: 12 });
    await world.rule(sku, { min: 10, max: 100, preferredSupplierId: supplier });

    await world.consume(sku, 45); // available 5 ≤ min 10

    const po = await world.waitForPurchaseOrder(sku);
    // max − cover = 95, rounded up to whole packs of 12.
    expect(po.lines).toMatchObject([{ sku, quantity: 96, received: 0, supplierSku: `S-${sku}` }]);
    const acknowledged = await world.waitForStatus(po.id, 'ACKNOWLEDGED');
    expect(acknowledged.supplierReference).toMatch(/^SIM-/);

    const deliveries = world.simulator.deliveries(supplier);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ verified: true });
    expect(deliveries[0]!.headers['webhook-id']).toBe(`msg_${po.id}`);
    expect(deliveries[0]!.purchaseOrder).toMatchObject({
      type: 'purchase_order.created',
      version: 1,
      data: { purchaseOrderId: po.id, supplierId: supplier, lines: [{ sku, quantity: 96 }] },
    });
    expect(await totalsOf(sku)).toMatchObject({ onHand: 5, incoming: 96 });
    // The supplier promised a date (the end of that day): still cover within the lead time, so
    // nothing more is suggested (comparing instants once called it "later" and suggested 96 again).
    const { body: rules } = await world.api<{ items: { position: Record<string, number> }[] }>(
      'GET',
      `/api/v1/reorder-rules?sku=${sku}`,
    );
    expect(rules.items[0]!.position).toMatchObject({ onOrder: 96, onOrderLater: 0, suggestedQuantity: 0 });

    const first = await world.api(
      'POST',
      `/api/v1/purchase-orders/${po.id}/receipts`,
      {
        lines: [{ sku, quantity: 40 }],
      },
      { role: 'warehouse' },
    );
    expect(first.status).toBe(201);
    await world.waitForStatus(po.id, 'PARTIALLY_RECEIVED');
    await eventually(async () => (await totalsOf(sku)).onHand === 45);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 45, incoming: 56 });

    await world.api(
      'POST',
      `/api/v1/purchase-orders/${po.id}/receipts`,
      { lines: [{ sku, quantity: 56 }] },
      { role: 'warehouse' },
    );
    const received = await world.waitForStatus(po.id, 'RECEIVED');
    await eventually(async () => (await totalsOf(sku)).onHand === 101);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 101, incoming: 0 });
    expect((await defaultLedger().replayLedger(sku)).consistent).toBe(true);
    expect(received.lines[0]).toMatchObject({ quantity: 96, received: 96 });
    await eventually(async () => (await world.purchaseOrder(po.id)).timeline.at(-1)?.step === 'Handled');
    // Exactly one PO for the SKU, however many level events crossed the min.
    expect(await world.purchaseOrdersOf(sku)).toHaveLength(1);
    await eventually(async () =>
      world.eventsOf(po.id).some((e) => e.type === 'PurchaseOrderReceiptRecorded'),
    );
  });

  it('makes one PO out of concurrent duplicate triggers', async () => {
    const supplier = await world.supplier({ silent: true });
    const sku = await world.stockedSku(50);
    await world.item(supplier, sku);
    await world.rule(sku, { min: 10, max: 30, preferredSupplierId: supplier });
    // Twenty deliveries of level events that each cross the min (available 8), at once.
    const level = { onHand: 8, available: 8 };
    const changed = (i: number) => ({
      id: `dup-${sku}-${i}`,
      type: 'StockLevelChanged',
      version: 1,
      occurredAt: new Date().toISOString(),
      correlationId: 'test',
      data: {
        sku,
        locationId: 'main',
        movementId: `m-${i}`,
        kind: 'adjust',
        levelVersion: 100 + i,
        quantities: {
          onHand: level.onHand,
          reserved: 0,
          incoming: 0,
          safetyStock: 0,
          available: level.available,
        },
      },
    });
    const records = (from: number) =>
      Array.from({ length: 5 }, (_, i) => ({
        messageId: `r${from + i}`,
        body: JSON.stringify(changed(from + i)),
      }));
    await Promise.all(
      [0, 5, 10, 15].map((from) =>
        world.runtime.invoke('replenishment', 'stock-events', { Records: records(from) }),
      ),
    );

    const po = await world.waitForPurchaseOrder(sku);
    await world.waitForStatus(po.id, 'SENT');
    expect(await world.purchaseOrdersOf(sku)).toHaveLength(1);
    expect(po.lines[0]!.quantity).toBe(22);
    expect(world.simulator.deliveries(supplier)).toHaveLength(1);
  });

  it('retries a supplier that is down, then sends to the fallback supplier', async () => {
    const down = await world.supplier({ respondStatus: 503 });
    const fallback = await world.supplier();
    const sku = await world.stockedSku(20);
    await world.item(down, sku);
    await world.item(fallback, sku, { unitCost: { amount: 300, currency: 'USD' } });
    await world.rule(sku, { min: 10, max: 40, preferredSupplierId: down, fallbackSupplierId: fallback });

    await world.consume(sku, 15);

    const first = await world.waitForPurchaseOrder(sku);
    const failed = await world.waitForStatus(first.id, 'FAILED', 30_000);
    expect(world.simulator.deliveries(down).length).toBe(6); // the first try and SEND_RETRY's 5 retries
    expect(failed.replacedBy).toBeTruthy();
    const replacement = await world.waitForStatus(failed.replacedBy!, 'ACKNOWLEDGED');
    expect(replacement).toMatchObject({ supplierId: fallback, origin: 'fallback', replaces: first.id });
    expect(replacement.lines[0]).toMatchObject({ sku, quantity: 35, unitCost: { amount: 300 } });
    expect(await totalsOf(sku)).toMatchObject({ incoming: 35 });
  });

  it('marks the PO FAILED and alerts ops when the fallback is down too', async () => {
    const down = await world.supplier({ respondStatus: 500 });
    const alsoDown = await world.supplier({ respondStatus: 502 });
    const sku = await world.stockedSku(20);
    await world.item(down, sku);
    await world.item(alsoDown, sku);
    await world.rule(sku, { min: 10, max: 40, preferredSupplierId: down, fallbackSupplierId: alsoDown });

    await world.consume(sku, 15);

    const first = await world.waitForPurchaseOrder(sku);
    const { replacedBy } = await world.waitForStatus(first.id, 'FAILED', 30_000);
    const last = await world.waitForStatus(replacedBy!, 'FAILED', 30_000);
    expect(last.replacedBy).toBeUndefined();
    const alert = await eventually(async () =>
      world.eventsOf(last.id).find((e) => e.type === 'PurchaseOrderFailed'),
    );
    expect(alert.data).toMatchObject({ purchaseOrderId: last.id, supplierId: alsoDown });
    expect(await totalsOf(sku)).toMatchObject({ incoming: 0 });
  });

  it('compensates incoming when the supplier rejects, then orders from the fallback', async () => {
    const sku = await world.stockedSku(20);
    const refuses = await world.supplier({ rejectSkus: [sku] });
    const fallback = await world.supplier();
    await world.item(refuses, sku);
    await world.item(fallback, sku);
    await world.rule(sku, { min: 10, max: 40, preferredSupplierId: refuses, fallbackSupplierId: fallback });

    await world.consume(sku, 15);

    const first = await world.waitForPurchaseOrder(sku);
    await world.waitForStatus(first.id, 'REJECTED');
    // The fallback step names the replacement right after the compensation.
    const rejected = await eventually(async () => {
      const po = await world.purchaseOrder(first.id);
      return po.replacedBy ? po : undefined;
    });
    const replacement = await world.waitForStatus(rejected.replacedBy!, 'ACKNOWLEDGED');
    expect(replacement.supplierId).toBe(fallback);
    // The rejected PO's incoming was given back; only the fallback's remains.
    await eventually(async () => (await totalsOf(sku)).incoming === 35);
    expect((await defaultLedger().replayLedger(sku)).consistent).toBe(true);
  });

  describe('above the approval threshold', () => {
    const raise = async () => {
      const supplier = await world.supplier();
      const sku = await world.stockedSku(20);
      await world.item(supplier, sku, { unitCost: { amount: 1000, currency: 'USD' } });
      await world.rule(sku, {
        min: 10,
        max: 40,
        preferredSupplierId: supplier,
        approvalThreshold: { amount: 10_000, currency: 'USD' },
      });
      await world.consume(sku, 15);
      const po = await world.waitForPurchaseOrder(sku);
      return { supplier, sku, po: await world.waitForStatus(po.id, 'AWAITING_APPROVAL') };
    };

    it('waits for a manager, and is sent once approved', async () => {
      const { supplier, po } = await raise();
      expect(po.needsApproval).toBe(true);
      expect(world.simulator.deliveries(supplier)).toHaveLength(0);
      const viewer = await world.api(
        'POST',
        `/api/v1/purchase-orders/${po.id}/approve`,
        {},
        { role: 'viewer' },
      );
      expect(viewer.status).toBe(403);

      const approved = await world.api('POST', `/api/v1/purchase-orders/${po.id}/approve`, {});
      expect(approved.status).toBe(200);

      await world.waitForStatus(po.id, 'ACKNOWLEDGED');
      expect(world.simulator.deliveries(supplier)).toHaveLength(1);
    });

    it('is not sent when a manager rejects it', async () => {
      const { supplier, sku, po } = await raise();
      await world.api('POST', `/api/v1/purchase-orders/${po.id}/reject`, { note: 'too dear' });
      const rejected = await world.waitForStatus(po.id, 'REJECTED');
      expect(rejected.reason).toContain('too dear');
      // The saga saw the decision (and so ends without sending).
      await eventually(async () =>
        (await world.purchaseOrder(po.id)).timeline.some(
          (s) => s.step === 'AwaitApproval' && s.status === 'succeeded',
        ),
      );
      expect(world.simulator.deliveries(supplier)).toHaveLength(0);
      expect(await totalsOf(sku)).toMatchObject({ incoming: 0 });
    });

    it('escalates when nobody decides in time, then cancels', async () => {
      process.env.REPLENISHMENT_APPROVAL_WAIT_SECONDS = '1';
      process.env.REPLENISHMENT_APPROVAL_ESCALATED_WAIT_SECONDS = '1';
      const { supplier, po } = await raise();
      const escalated = await eventually(async () =>
        world.eventsOf(po.id).find((e) => e.type === 'PurchaseOrderEscalated'),
      );
      expect(escalated.data).toMatchObject({ kind: 'approval_overdue' });
      const cancelled = await world.waitForStatus(po.id, 'CANCELLED');
      expect(cancelled.reason).toContain('approval');
      expect(world.simulator.deliveries(supplier)).toHaveLength(0);
    });
  });

  it('reminds a silent supplier with the same webhook-id, then escalates', async () => {
    process.env.REPLENISHMENT_ACK_WAIT_SECONDS = '1';
    const { supplier, po } = await lowStockPurchaseOrder({ silent: true });

    const escalated = await eventually(async () =>
      world.eventsOf(po.id).find((e) => e.type === 'PurchaseOrderEscalated'),
    );
    expect(escalated.data).toMatchObject({ kind: 'acknowledgement_overdue', status: 'SENT' });
    const deliveries = world.simulator.deliveries(supplier);
    expect(deliveries.length).toBe(2);
    expect(new Set(deliveries.map((d) => d.headers['webhook-id']))).toEqual(new Set([`msg_${po.id}`]));
  });

  it('tells a silent supplier of a manager cancelling its sent PO, signed, and gives incoming back', async () => {
    const { supplier, sku, po } = await lowStockPurchaseOrder({ silent: true });
    await world.waitForStatus(po.id, 'SENT');
    await eventually(async () => (await totalsOf(sku)).incoming === 35);

    const cancel = await world.api('POST', `/api/v1/purchase-orders/${po.id}/cancel`, {
      note: 'found it elsewhere',
    });
    expect(cancel.status).toBe(200);

    const notice = await eventually(async () =>
      world.simulator.deliveries(supplier).find((d) => d.cancellation),
    );
    expect(notice).toMatchObject({
      verified: true,
      status: 202,
      webhookId: `msg_${po.id}_cancelled`,
      cancellation: {
        type: 'purchase_order.cancelled',
        version: 1,
        data: { purchaseOrderId: po.id, supplierId: supplier, reason: 'found it elsewhere' },
      },
    });
    await eventually(async () => (await totalsOf(sku)).incoming === 0);
    await eventually(async () => (await world.purchaseOrder(po.id)).timeline.at(-1)?.step === 'Handled');
    const cancelled = await world.purchaseOrder(po.id);
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.timeline.map((t) => t.step)).toContain('NotifyCancellation');
    expect(cancelled.history.map((h) => h.note ?? '')).not.toContainEqual(
      expect.stringContaining('could not be told'),
    );
    // One notice: the purchase order and its cancellation, nothing else (a PO the planner raises
    // again afterwards, the level being low still, is another PO).
    expect(
      world.simulator
        .deliveries(supplier)
        .map((d) => d.webhookId)
        .filter((id) => id?.startsWith(`msg_${po.id}`)),
    ).toEqual([`msg_${po.id}`, `msg_${po.id}_cancelled`]);
  });

  it('keeps the PO cancelled when the supplier refuses the cancellation, noting it was not told', async () => {
    const { supplier, sku, po } = await lowStockPurchaseOrder({ silent: true });
    await world.waitForStatus(po.id, 'SENT');
    world.simulator.configure(supplier, { respondStatus: 400 });

    await world.api('POST', `/api/v1/purchase-orders/${po.id}/cancel`, { note: 'not needed' });

    const noted = await eventually(async () => {
      const current = await world.purchaseOrder(po.id);
      return current.history.some((h) => h.note?.includes('could not be told')) && current;
    });
    expect(noted.status).toBe('CANCELLED');
    expect(noted.history.at(-1)!.note).toMatch(
      /^the supplier could not be told of the cancellation: SupplierRefused/,
    );
    await eventually(async () => (await world.purchaseOrder(po.id)).timeline.at(-1)?.step === 'Handled');
    expect(await totalsOf(sku)).toMatchObject({ incoming: 0 });
    // Refused (a 4xx) is not retried: one attempt.
    expect(
      world.simulator.deliveries(supplier).filter((d) => d.webhookId === `msg_${po.id}_cancelled`),
    ).toHaveLength(1);
  });

  describe('supplier callbacks', () => {
    const signed = (secret: string, body: unknown, options: { id?: string; at?: Date } = {}) => {
      const id = options.id ?? `msg_cb_${Math.random().toString(36).slice(2)}`;
      const at = options.at ?? new Date();
      const payload = JSON.stringify(body);
      return {
        payload,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': new Webhook(secret).sign(id, at, payload),
        },
      };
    };
    const post = (supplierId: string, message: { payload: string; headers: Record<string, string> }) =>
      fetch(`${world.runtime.url}/api/v1/supplier-callbacks/${supplierId}`, {
        method: 'POST',
        headers: message.headers,
        body: message.payload,
      });

    it('refuses a tampered signature, a stale timestamp, an unknown supplier and a foreign PO with 401, changing nothing', async () => {
      const other = await world.supplier({ silent: true });
      const raised = await lowStockPurchaseOrder({ silent: true });
      const { supplier } = raised;
      const po = await world.waitForStatus(raised.po.id, 'SENT');
      const secret = world.secretOf(supplier);
      const ack = { type: 'purchase_order.acknowledged', purchaseOrderId: po.id, supplierReference: 'X-1' };

      const tampered = signed(secret, ack);
      tampered.payload = tampered.payload.replace('X-1', 'X-2');
      const stale = signed(secret, ack, { at: new Date(Date.now() - 6 * 60_000) });
      const foreign = signed(world.secretOf(other), ack);
      const unsigned = { payload: JSON.stringify(ack), headers: { 'content-type': 'application/json' } };
      for (const [who, message] of <[string, { payload: string; headers: Record<string, string> }][]>[
        [supplier, tampered],
        [supplier, stale],
        [supplier, unsigned],
        ['no-such-supplier', signed(secret, ack)],
        [other, foreign],
      ]) {
        const response = await post(who, message);
        expect(response.status, `${who} ${message.headers['webhook-id']}`).toBe(401);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
      }
      expect((await world.purchaseOrder(po.id)).status).toBe('SENT');

      // A valid one is accepted; its replay answers 2xx and changes nothing more.
      const valid = signed(secret, ack, { id: 'msg_replayed' });
      expect((await post(supplier, valid)).status).toBe(200);
      await world.waitForStatus(po.id, 'ACKNOWLEDGED');
      const historyLength = (await world.purchaseOrder(po.id)).history.length;
      const replay = await post(supplier, valid);
      expect(replay.status).toBe(200);
      expect(await replay.json()).toMatchObject({ duplicate: true });
      expect((await world.purchaseOrder(po.id)).history).toHaveLength(historyLength);
    });
  });

  it('refuses an over-receipt unless confirmed, and a close-short receipt gives back what will not come', async () => {
    const raised = await lowStockPurchaseOrder();
    const { sku } = raised;
    const po = await world.waitForStatus(raised.po.id, 'ACKNOWLEDGED');
    expect(po.lines[0]!.quantity).toBe(35);

    const over = await world.api(
      'POST',
      `/api/v1/purchase-orders/${po.id}/receipts`,
      { lines: [{ sku, quantity: 36 }] },
      { role: 'warehouse' },
    );
    expect(over.status).toBe(422);
    expect(JSON.stringify(over.body)).toContain('lines');
    expect((await world.purchaseOrder(po.id)).receipts).toHaveLength(0);

    const key = { 'idempotency-key': `rcpt-${po.id}` };
    const short = await world.api(
      'POST',
      `/api/v1/purchase-orders/${po.id}/receipts`,
      { lines: [{ sku, quantity: 30 }], closeShort: true },
      { role: 'warehouse', headers: key },
    );
    expect(short.status).toBe(201);
    const again = await world.api(
      'POST',
      `/api/v1/purchase-orders/${po.id}/receipts`,
      { lines: [{ sku, quantity: 30 }], closeShort: true },
      { role: 'warehouse', headers: key },
    );
    expect(again.status).toBe(201);
    const received = await world.waitForStatus(po.id, 'RECEIVED');
    expect(received.receipts).toHaveLength(1);
    await eventually(async () => (await totalsOf(sku)).onHand === 35);
    // 30 came, the 5 that will not come are no longer incoming.
    await eventually(async () => (await totalsOf(sku)).incoming === 0);
    expect((await defaultLedger().replayLedger(sku)).consistent).toBe(true);
  });
});
