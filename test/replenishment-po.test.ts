import { Webhook } from 'standardwebhooks';
import { ulid } from 'ulid';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../lib/errors.ts';
import { PUBLIC_API_URL_ENV } from '../lib/topology.ts';
import type { CreateSupplierBody } from '../services/replenishment/contract.ts';
import {
  purchaseOrderCancelledWebhookSchema,
  purchaseOrderWebhookSchema,
} from '../services/replenishment/contract.ts';
import type { OrderPlan, SagaTimings, SupplierSignal } from '../services/replenishment/domain/model.ts';
import {
  type PoRecord,
  PurchaseOrders,
  SupplierGone,
  SupplierRefused,
  SupplierUnavailable,
} from '../services/replenishment/domain/purchase-orders.ts';
import { createPurchaseOrderApi } from '../services/replenishment/po-api.ts';
import { DynamoPurchaseOrderStore } from '../services/replenishment/po-store.ts';
import { replenishmentService } from '../services/replenishment/service.ts';
import { SignedWebhookSender, webhookIdOf } from '../services/replenishment/webhook.ts';
import { uniqueSku } from '../services/stock/testing.ts';
import {
  planFor,
  RecordingSaga,
  type SupplierHalf,
  signed,
  startWebhookServer,
  supplierHalf,
  type WebhookServer,
} from './replenishment-po-support.ts';
import { provisionFor, signedIn } from './support/env.ts';

/**
 * Purchase orders, their saga tasks, the webhook out and the callbacks in, on DynamoDB Local, with
 * the real supplier half (suppliers made through `Suppliers`, their secrets in the local Secrets
 * Manager) and a supplier webhook on a local HTTP server. The saga's tasks are called here one by
 * one, so Step Functions only records starts and resumes (RecordingSaga); the saga itself runs in
 * test/replenishment-saga.test.ts and -saga-engine.test.ts.
 */

// ---------------------------------------------------------------- setup

const TIMINGS: SagaTimings = {
  approvalSeconds: 60,
  approvalEscalatedSeconds: 120,
  ackSeconds: 30,
  deliveryGraceSeconds: 3600,
  reescalateSeconds: 600,
};

let store: DynamoPurchaseOrderStore;
let half: SupplierHalf;
let saga: RecordingSaga;
let webhook: WebhookServer;
let failed: PoRecord[];
let pos: PurchaseOrders;

beforeAll(async () => {
  await provisionFor([replenishmentService]);
  process.env[PUBLIC_API_URL_ENV] = 'https://api.azura.test/';
  store = new DynamoPurchaseOrderStore();
  half = supplierHalf(() => pos);
  webhook = await startWebhookServer();
});
afterAll(async () => {
  await webhook?.close();
});

beforeEach(() => {
  saga = new RecordingSaga();
  failed = [];
  webhook.status = 200;
  const { suppliers, secrets } = half;
  pos = new PurchaseOrders(store, saga, suppliers, secrets, new SignedWebhookSender(suppliers, secrets), {
    timings: () => TIMINGS,
    onFailed: (po) => failed.push(po),
  });
});

/** A supplier (through Suppliers, its secret in Secrets Manager) selling `sku` as planFor orders it. */
async function supplierWithItem(sku: string, fields: Partial<CreateSupplierBody> = {}) {
  const { supplierId: supplier, secret } = await half.seller(webhook.url, sku, fields);
  return { supplier, secret };
}

const system = { actor: 'system', correlationId: 'test' };
const warehouse = { actor: 'warehouse@azura.local' };

/** A PO raised by a rule and taken through the saga's first steps to SENT. */
async function sentPurchaseOrder(
  fields: Partial<OrderPlan> = {},
  supplierFields: Partial<CreateSupplierBody> = {},
) {
  const sku = uniqueSku();
  const { supplier, secret } = await supplierWithItem(sku, supplierFields);
  const { purchaseOrderId } = await pos.raise(planFor(supplier, sku, fields), system);
  await pos.begin(purchaseOrderId);
  expect(await pos.send(purchaseOrderId)).toEqual({ outcome: 'SENT' });
  await pos.markSent(purchaseOrderId);
  return { sku, supplier, secret, id: purchaseOrderId };
}

const lastSignal = async (id: string): Promise<SupplierSignal | undefined> =>
  (await store.get(id))?.signals.at(-1);

// ---------------------------------------------------------------- raising

describe('raise', () => {
  it('creates one PO when ten triggers for the same SKU, location and supplier race', async () => {
    // Guards the duplicate-PO bug: two StockLow events processed at once each ordering the need.
    const sku = uniqueSku();
    const { supplier } = await supplierWithItem(sku);

    const results = await Promise.all(
      Array.from({ length: 10 }, () => pos.raise(planFor(supplier, sku), system)),
    );

    const ids = new Set(results.map((r) => r.purchaseOrderId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const [id] = [...ids];
    expect(saga.starts.filter((s) => s.name === id)).toHaveLength(1);
    const page = await store.list({ supplierId: supplier, limit: 25 });
    expect(page.items.map((po) => po.id)).toEqual([id]);
    const po = page.items[0]!;
    expect(po).toMatchObject({ status: 'DRAFT', origin: 'rule', total: { amount: 2500, currency: 'USD' } });
    expect(po.outbox.map((e) => e.type)).toEqual(['PurchaseOrderCreated']);
    expect(await store.lockHolder(sku, 'main', supplier)).toBe(id);
  });

  it('asks for approval when the total reaches the rule threshold, and counts the PO as on order', async () => {
    const sku = uniqueSku();
    const { supplier } = await supplierWithItem(sku);
    const { purchaseOrderId } = await pos.raise(
      planFor(supplier, sku, { approvalThreshold: { amount: 2500, currency: 'USD' } }),
      system,
    );

    const po = (await store.get(purchaseOrderId))!;
    expect(po.needsApproval).toBe(true);
    const soon = await pos.openQuantity(sku, 'main', new Date(Date.now() + 6 * 86_400_000));
    const tooSoon = await pos.openQuantity(sku, 'main', new Date(Date.now() + 86_400_000));
    expect(soon).toEqual({ within: 10, later: 0, purchaseOrderIds: [purchaseOrderId] });
    expect(tooSoon).toMatchObject({ within: 0, later: 10 });
  });
});

// ---------------------------------------------------------------- approvals

describe('approval', () => {
  it('parks the token, then resumes it with APPROVED when a manager approves', async () => {
    const sku = uniqueSku();
    const { supplier } = await supplierWithItem(sku);
    const { purchaseOrderId: id } = await pos.raise(
      planFor(supplier, sku, { approvalThreshold: { amount: 100, currency: 'USD' } }),
      system,
    );
    const begun = await pos.begin(id);
    expect(begun).toMatchObject({ status: 'DRAFT', needsApproval: true });

    expect(await pos.awaitApproval(id, 'token-1')).toEqual({ waiting: true });
    expect((await store.get(id))!.status).toBe('AWAITING_APPROVAL');
    const approved = await pos.approve(id, undefined, { actor: 'manager@azura.local' });

    expect(approved.approvedBy).toBe('manager@azura.local');
    expect(saga.resumedWith('token-1')).toEqual([{ decision: 'APPROVED' }]);
    // A re-driven saga finds the decision at once.
    expect(await pos.awaitApproval(id, 'token-2')).toEqual({ waiting: false });
    expect(saga.resumedWith('token-2')).toEqual([{ decision: 'APPROVED' }]);
  });

  it('rejects: REJECTED by the manager, the lock released, the saga resumed with REJECTED', async () => {
    const sku = uniqueSku();
    const { supplier } = await supplierWithItem(sku);
    const { purchaseOrderId: id } = await pos.raise(
      planFor(supplier, sku, { approvalThreshold: { amount: 100, currency: 'USD' } }),
      system,
    );
    await pos.awaitApproval(id, 'token-r');

    await pos.reject(id, 'too expensive', { actor: 'manager@azura.local' });

    const po = (await store.get(id))!;
    expect(po).toMatchObject({ status: 'REJECTED', reason: 'too expensive' });
    expect(po.outbox[0]).toMatchObject({ type: 'PurchaseOrderRejected', data: { by: 'manager' } });
    expect(await store.lockHolder(sku, 'main', supplier)).toBeUndefined();
    expect(saga.resumedWith('token-r')).toEqual([{ decision: 'REJECTED' }]);
  });
});

// ---------------------------------------------------------------- the webhook out

describe('sending the PO to the supplier', () => {
  it('POSTs the PO signed with the supplier secret, with a webhook-id stable across reminders', async () => {
    const { id, supplier, secret } = await sentPurchaseOrder();
    const first = webhook.requests.at(-1)!;

    await pos.overdue(id); // no acknowledgement: the reminder
    expect(await pos.send(id, true)).toEqual({ outcome: 'SENT' });
    const reminder = webhook.requests.at(-1)!;

    for (const request of [first, reminder]) {
      const body = new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
      const message = purchaseOrderWebhookSchema.parse(body);
      expect(message.data).toMatchObject({
        purchaseOrderId: id,
        supplierId: supplier,
        callbackUrl: `https://api.azura.test/api/v1/supplier-callbacks/${supplier}`,
        deliverTo: { locationId: 'main' },
      });
      expect(request.headers['webhook-id']).toBe(webhookIdOf(id));
    }
    const po = (await store.get(id))!;
    expect(po).toMatchObject({ status: 'SENT', reminders: 1 });
    expect(po.outbox.map((e) => e.type)).toEqual([]);
  });

  // Standard Webhooks' zero-downtime rotation: while the old secret is in its grace, a PO carries
  // a signature with each secret, so a supplier still holding the old one verifies it too.
  it('signs with the new and the previous secret after a rotation, while the previous is in its grace', async () => {
    const { id, supplier, secret } = await sentPurchaseOrder();
    const { secret: rotated } = await half.suppliers.rotateSecret(supplier, { actor: 'admin@azura.local' });

    await pos.overdue(id);
    expect(await pos.send(id, true)).toEqual({ outcome: 'SENT' });

    const reminder = webhook.requests.at(-1)!;
    expect(String(reminder.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const key of [rotated, secret]) {
      const body = new Webhook(key).verify(reminder.body, reminder.headers as Record<string, string>);
      expect(purchaseOrderWebhookSchema.parse(body).data.purchaseOrderId).toBe(id);
    }
  });

  it('treats 503 as unavailable (retried), 400 as refused, and 410 as gone with the webhook disabled', async () => {
    const sku = uniqueSku();
    const { supplier } = await supplierWithItem(sku);
    const { purchaseOrderId: id } = await pos.raise(planFor(supplier, sku), system);

    webhook.status = 503;
    await expect(pos.send(id)).rejects.toBeInstanceOf(SupplierUnavailable);
    webhook.status = 400;
    const refused = await pos.send(id).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(SupplierRefused);
    expect((refused as Error).name).toBe('SupplierRefused');
    webhook.status = 410;
    const gone = await pos.send(id).catch((e: Error) => e);
    expect((gone as Error).name).toBe('SupplierGone');
    expect(gone).toBeInstanceOf(SupplierGone);

    expect(await half.store.getSupplier(supplier)).toMatchObject({
      webhookStatus: 'disabled',
      webhookDisabledReason: expect.stringContaining('answered 410'),
    });
    // Disabled: refused at once, nothing sent.
    const before = webhook.requests.length;
    webhook.status = 200;
    await expect(pos.send(id)).rejects.toBeInstanceOf(SupplierRefused);
    expect(webhook.requests.length).toBe(before);
  });

  it('reports a webhook nobody listens on as unavailable', async () => {
    const sku = uniqueSku();
    const { supplierId: supplier } = await half.seller('http://127.0.0.1:9/closed', sku);
    const { purchaseOrderId: id } = await pos.raise(planFor(supplier, sku), system);

    await expect(pos.send(id)).rejects.toBeInstanceOf(SupplierUnavailable);
  });

  it('skips a PO cancelled before it was sent', async () => {
    const sku = uniqueSku();
    const { supplier } = await supplierWithItem(sku);
    const { purchaseOrderId: id } = await pos.raise(planFor(supplier, sku), system);
    await pos.cancel(id, 'not needed', { actor: 'manager@azura.local' });
    const before = webhook.requests.length;

    expect(await pos.send(id)).toEqual({ outcome: 'SKIPPED' });
    expect(webhook.requests.length).toBe(before);
  });
});

// ---------------------------------------------------------------- receipts

describe('receipts', () => {
  it('keeps a short delivery open, closes the PO with the rest, and releases the lock', async () => {
    const { id, sku, supplier } = await sentPurchaseOrder();
    await pos.awaitSupplier(id, 'token-a');

    const partial = await pos.receive(
      id,
      { lines: [{ sku, quantity: 4 }], confirmOverReceipt: false },
      warehouse,
    );

    expect(partial).toMatchObject({
      status: 'PARTIALLY_RECEIVED',
      lines: [{ sku, quantity: 10, received: 4 }],
    });
    const signal = await lastSignal(id);
    expect(signal).toMatchObject({ kind: 'receipt', receipt: [{ sku, locationId: 'main', quantity: 4 }] });
    expect(signal!.unexpect).toBeUndefined();
    expect(saga.resumedWith('token-a')).toEqual([signal]);
    expect((await pos.openQuantity(sku, 'main', new Date(Date.now() + 30 * 86_400_000))).within).toBe(6);

    const rest = await pos.receive(
      id,
      { lines: [{ sku, quantity: 6 }], confirmOverReceipt: false },
      warehouse,
    );

    expect(rest.status).toBe('RECEIVED');
    expect(rest.receipts).toHaveLength(2);
    expect(await store.lockHolder(sku, 'main', supplier)).toBeUndefined();
    const recorded = (await store.get(id))!.outbox[0]!;
    expect(recorded).toMatchObject({
      type: 'PurchaseOrderReceiptRecorded',
      data: { status: 'RECEIVED', onTime: true },
    });
  });

  it('refuses an over-receipt naming the line unless confirmed', async () => {
    const { id, sku } = await sentPurchaseOrder();

    const refused = await pos
      .receive(id, { lines: [{ sku, quantity: 12 }], confirmOverReceipt: false }, warehouse)
      .catch((e) => e);

    expect(refused.status).toBe(422);
    expect(refused.extensions.errors).toEqual([
      { field: 'lines.0.quantity', message: expect.stringContaining('2 over') },
    ]);
    expect((await store.get(id))!.receipts).toHaveLength(0);
    const accepted = await pos.receive(
      id,
      { lines: [{ sku, quantity: 12 }], confirmOverReceipt: true },
      warehouse,
    );
    expect(accepted).toMatchObject({ status: 'RECEIVED', lines: [{ received: 12 }] });
  });

  it('refuses a SKU that is not on the PO, and a PO that was not sent', async () => {
    const { id } = await sentPurchaseOrder();
    const other = uniqueSku();
    const unknown = await pos
      .receive(id, { lines: [{ sku: other, quantity: 1 }], confirmOverReceipt: false }, warehouse)
      .catch((e) => e);
    expect(unknown.status).toBe(422);
    expect(unknown.extensions.errors[0].field).toBe('lines.0.sku');

    const sku = uniqueSku();
    const { supplier } = await supplierWithItem(sku);
    const { purchaseOrderId: draft } = await pos.raise(planFor(supplier, sku), system);
    const early = await pos
      .receive(draft, { lines: [{ sku, quantity: 1 }], confirmOverReceipt: false }, warehouse)
      .catch((e) => e);
    expect(early.status).toBe(409);
  });

  it('books a receipt once per Idempotency-Key, and refuses the key with another body', async () => {
    const { id, sku } = await sentPurchaseOrder();
    const body = { lines: [{ sku, quantity: 3 }], confirmOverReceipt: false };
    const key = { ...warehouse, idempotencyKey: `k-${ulid()}` };

    const results = await Promise.all([pos.receive(id, body, key), pos.receive(id, body, key)]);
    const again = await pos.receive(id, body, key);

    for (const r of [...results, again]) expect(r.lines[0]!.received).toBe(3);
    expect((await store.get(id))!.receipts).toHaveLength(1);
    const different = await pos.receive(id, { ...body, lines: [{ sku, quantity: 4 }] }, key).catch((e) => e);
    expect(different.status).toBe(409);
  });

  it('closes short for a close_short supplier, giving back what will not come', async () => {
    const { id, sku } = await sentPurchaseOrder({}, { backorderPolicy: 'close_short' });

    const po = await pos.receive(id, { lines: [{ sku, quantity: 7 }], confirmOverReceipt: false }, warehouse);

    expect(po.status).toBe('RECEIVED');
    expect(await lastSignal(id)).toMatchObject({
      kind: 'receipt',
      receipt: [{ sku, quantity: 7 }],
      unexpect: [{ sku, locationId: 'main', quantity: -3 }],
    });
    const done = await pos.handled(id, (await lastSignal(id))!.seq);
    expect(done.final).toBe(true);
    expect((await store.get(id))!.receipts[0]!.applied).toBe(true);
  });
});

// ---------------------------------------------------------------- callbacks in

describe('supplier callbacks', () => {
  it('records a signed acknowledgement and resumes the waiting saga with it', async () => {
    const { id, supplier, secret } = await sentPurchaseOrder();
    await pos.awaitSupplier(id, 'token-ack');
    const ack = signed(secret, {
      type: 'purchase_order.acknowledged',
      purchaseOrderId: id,
      supplierReference: 'SO-77',
      expectedDeliveryDate: '2030-01-15',
    });

    const result = await pos.callback(supplier, ack.raw, ack.headers);

    expect(result).toEqual({ purchaseOrderId: id, status: 'ACKNOWLEDGED', duplicate: false });
    const po = (await store.get(id))!;
    expect(po).toMatchObject({ supplierReference: 'SO-77', expectedBy: '2030-01-15T23:59:59.999Z' });
    expect(po.outbox[0]!.type).toBe('PurchaseOrderAcknowledged');
    expect(saga.resumedWith('token-ack')).toEqual([expect.objectContaining({ kind: 'acknowledged' })]);
  });

  it('publishes PurchaseOrderShipped with the shipped callback, in the same write, once per shipment', async () => {
    const { id, sku, supplier, secret } = await sentPurchaseOrder();
    const ack = signed(secret, { type: 'purchase_order.acknowledged', purchaseOrderId: id });
    await pos.callback(supplier, ack.raw, ack.headers);
    const shipped = (lines: { sku: string; quantity: number }[]) =>
      signed(secret, {
        type: 'purchase_order.shipped',
        purchaseOrderId: id,
        supplierReference: 'SO-88',
        expectedDeliveryDate: '2030-02-01',
        lines,
      });

    const first = shipped([{ sku, quantity: 6 }]);
    await pos.callback(supplier, first.raw, first.headers);

    const po = (await store.get(id))!;
    expect(po.outbox).toEqual([
      expect.objectContaining({
        type: 'PurchaseOrderShipped',
        version: 1,
        data: {
          purchaseOrderId: id,
          supplierId: supplier,
          locationId: 'main',
          lines: [{ sku, quantity: 6 }],
          expectedBy: '2030-02-01T23:59:59.999Z',
          supplierReference: 'SO-88',
        },
      }),
    ]);
    expect(po.shipments).toHaveLength(1);

    // The rest in a second shipment: an event of its own (another id), so both reach subscribers.
    const second = shipped([{ sku, quantity: 4 }]);
    await pos.callback(supplier, second.raw, second.headers);
    const after = (await store.get(id))!;
    expect(after.outbox.map((e) => [e.type, e.data])).toEqual([
      ['PurchaseOrderShipped', expect.objectContaining({ lines: [{ sku, quantity: 4 }] })],
    ]);
    expect(after.outbox[0]!.id).not.toBe(po.outbox[0]!.id);
  });

  it('publishes both PurchaseOrderAcknowledged and PurchaseOrderShipped when the first callback is shipped', async () => {
    const { id, supplier, secret } = await sentPurchaseOrder();
    const shipped = signed(secret, { type: 'purchase_order.shipped', purchaseOrderId: id });

    expect(await pos.callback(supplier, shipped.raw, shipped.headers)).toMatchObject({
      status: 'ACKNOWLEDGED',
    });

    const po = (await store.get(id))!;
    expect(po.outbox.map((e) => e.type)).toEqual(['PurchaseOrderAcknowledged', 'PurchaseOrderShipped']);
    expect(po.outbox[1]!.data).not.toHaveProperty('lines');
  });

  it('answers a replayed webhook-id as a duplicate and changes nothing', async () => {
    const { id, supplier, secret } = await sentPurchaseOrder();
    const ack = signed(secret, { type: 'purchase_order.acknowledged', purchaseOrderId: id });
    await pos.callback(supplier, ack.raw, ack.headers);
    const before = (await store.get(id))!;

    const replay = await pos.callback(supplier, ack.raw, ack.headers);

    expect(replay).toEqual({ purchaseOrderId: id, status: 'ACKNOWLEDGED', duplicate: true });
    expect((await store.get(id))!.rev).toBe(before.rev);
  });

  it('refuses with 401, changing nothing: a tampered body, a stale timestamp, a foreign PO, an unknown supplier', async () => {
    const { id, supplier, secret } = await sentPurchaseOrder();
    const other = await sentPurchaseOrder();
    const before = (await store.get(id))!;
    const body = { type: 'purchase_order.rejected', purchaseOrderId: id, reason: 'no stock' };
    const good = signed(secret, body);
    const tampered = { raw: good.raw.replace('no stock', 'no stock!'), headers: good.headers };
    const stale = signed(secret, body, { at: new Date(Date.now() - 6 * 60_000) });
    const foreign = signed(other.secret, body);
    const attempts = [
      () => pos.callback(supplier, tampered.raw, tampered.headers),
      () => pos.callback(supplier, stale.raw, stale.headers),
      () => pos.callback(supplier, good.raw, { ...good.headers, 'webhook-signature': 'v1,AAAA' }),
      () => pos.callback(supplier, good.raw, {}),
      // The other supplier signs correctly but names a PO that is not theirs.
      () => pos.callback(other.supplier, foreign.raw, foreign.headers),
      () => pos.callback('nobody', good.raw, good.headers),
    ];

    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(UnauthorizedError);

    expect(await store.get(id)).toEqual(before);
    // The genuine one still works afterwards: nothing recorded its webhook-id.
    expect(await pos.callback(supplier, good.raw, good.headers)).toMatchObject({ status: 'REJECTED' });
  });

  it('verifies with a secret rotated in another process, re-reading the secrets once', async () => {
    const { id, supplier, secret } = await sentPurchaseOrder();
    // Another process (the admin API's Lambda) rotates; this one's cache still has the old secret only.
    const { secret: rotated } = await supplierHalf(() => pos).suppliers.rotateSecret(supplier, {
      actor: 'admin@azura.local',
    });
    expect(await half.secrets.verifying(supplier)).toEqual([secret]);
    const ack = signed(rotated, { type: 'purchase_order.acknowledged', purchaseOrderId: id });

    expect(await pos.callback(supplier, ack.raw, ack.headers)).toMatchObject({ status: 'ACKNOWLEDGED' });
  });

  it('answers 400 naming the field for a verified body that is not a callback', async () => {
    const { id, supplier, secret } = await sentPurchaseOrder();
    const bad = signed(secret, { type: 'purchase_order.lost', purchaseOrderId: id });

    const error = await pos.callback(supplier, bad.raw, bad.headers).catch((e) => e);

    expect(error.status).toBe(400);
    expect(error.errors.map((e: { field: string }) => e.field)).toEqual(['type']);
  });

  it('a rejection gives the ordered quantity back, and the fallback supplier gets the need', async () => {
    const sku = uniqueSku();
    const { supplier, secret } = await supplierWithItem(sku);
    const { supplierId: fallback } = await half.seller(
      webhook.url,
      sku,
      {},
      { packMultiple: 6, unitCost: { amount: 300, currency: 'USD' } },
    );
    const { purchaseOrderId: id } = await pos.raise(
      planFor(supplier, sku, { fallbackSupplierId: fallback }),
      system,
    );
    await pos.begin(id);
    await pos.send(id);
    await pos.markSent(id);
    const reject = signed(secret, {
      type: 'purchase_order.rejected',
      purchaseOrderId: id,
      reason: 'discontinued',
    });

    await pos.callback(supplier, reject.raw, reject.headers);
    const signal = await lastSignal(id);
    const result = await pos.fallback(id, 'supplier_rejected');

    expect(signal).toMatchObject({
      kind: 'rejected',
      unexpect: [{ sku, locationId: 'main', quantity: -10 }],
    });
    expect(result.status).toBe('REJECTED');
    const next = (await store.get(result.next!))!;
    expect(next).toMatchObject({
      supplierId: fallback,
      origin: 'fallback',
      replaces: id,
      status: 'DRAFT',
      lines: [{ sku, quantity: 12, unitCost: { amount: 300 } }],
      executionArn: saga.executionArnOf(id),
    });
    expect((await store.get(id))!.replacedBy).toBe(next.id);
    expect(await store.lockHolder(sku, 'main', fallback)).toBe(next.id);
    // Idempotent: the saga's retry continues with the same fallback PO.
    expect(await pos.fallback(id, 'supplier_rejected')).toEqual(result);
  });
});

// ---------------------------------------------------------------- the rest of the saga

describe('saga tasks', () => {
  it('fails a PO nobody can take: FAILED, lock released, PurchaseOrderFailed and the metric, once', async () => {
    const sku = uniqueSku();
    const { supplier } = await supplierWithItem(sku);
    const { purchaseOrderId: id } = await pos.raise(planFor(supplier, sku), system);

    const first = await pos.fallback(id, 'send_failed', { Error: 'SupplierRefused', Cause: 'answered 400' });
    const again = await pos.fallback(id, 'send_failed', { Error: 'SupplierRefused' });

    expect(first).toEqual({ status: 'FAILED' });
    expect(again).toEqual({ status: 'FAILED' });
    const po = (await store.get(id))!;
    expect(po.reason).toContain('SupplierRefused');
    expect(po.outbox[0]).toMatchObject({ type: 'PurchaseOrderFailed' });
    expect(failed.map((p) => p.id)).toEqual([id]);
    expect(await store.lockHolder(sku, 'main', supplier)).toBeUndefined();
  });

  it('a failed PO whose fallback supplier already has that SKU on order ends without a second PO or an alarm', async () => {
    const sku = uniqueSku();
    const { supplier } = await supplierWithItem(sku);
    const { supplierId: fallback } = await half.seller(webhook.url, sku);
    const { purchaseOrderId: open } = await pos.raise(planFor(fallback, sku), system);
    const { purchaseOrderId: id } = await pos.raise(
      planFor(supplier, sku, { fallbackSupplierId: fallback }),
      system,
    );

    const result = await pos.fallback(id, 'send_failed', { Error: 'SupplierGone' });

    expect(result).toEqual({ status: 'FAILED' });
    const po = (await store.get(id))!;
    expect(po.replacedBy).toBeUndefined();
    expect(po.outbox[0]).toMatchObject({ type: 'PurchaseOrderFailed', data: { replacedBy: open } });
    expect(failed).toEqual([]);
    expect(await store.lockHolder(sku, 'main', fallback)).toBe(open);
    expect(await store.lockHolder(sku, 'main', supplier)).toBeUndefined();
  });

  it('a manager cancelling a sent PO gives back what has not come, through the saga', async () => {
    const { id, sku } = await sentPurchaseOrder();
    await pos.receive(id, { lines: [{ sku, quantity: 4 }], confirmOverReceipt: false }, warehouse);
    await pos.handled(id, (await lastSignal(id))!.seq);

    await pos.cancel(id, 'found elsewhere', { actor: 'manager@azura.local' });
    await pos.awaitSupplier(id, 'token-c');

    const signal = (await lastSignal(id))!;
    expect(signal).toMatchObject({
      kind: 'cancelled',
      unexpect: [{ sku, locationId: 'main', quantity: -6 }],
    });
    expect(saga.resumedWith('token-c')).toEqual([signal]);
    expect(await pos.handled(id, signal.seq)).toMatchObject({ final: true });
  });

  it('tells the supplier of a cancelled sent PO, signed, with a webhook-id stable across retries, once', async () => {
    const { id, supplier, secret } = await sentPurchaseOrder();
    await pos.cancel(id, 'found elsewhere', { actor: 'manager@azura.local' });
    const before = webhook.requests.length;

    // The supplier's webhook is down: unavailable (the saga retries it with backoff)...
    webhook.status = 503;
    await expect(pos.sendCancellation(id)).rejects.toBeInstanceOf(SupplierUnavailable);
    // ...and back up.
    webhook.status = 200;
    expect(await pos.sendCancellation(id)).toEqual({ outcome: 'SENT' });

    const attempts = webhook.requests.slice(before);
    expect(attempts).toHaveLength(2);
    for (const request of attempts) {
      const body = new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
      expect(purchaseOrderCancelledWebhookSchema.parse(body)).toEqual({
        type: 'purchase_order.cancelled',
        version: 1,
        data: {
          purchaseOrderId: id,
          supplierId: supplier,
          reason: 'found elsewhere',
          cancelledAt: (await store.get(id))!.history.findLast((h) => h.status === 'CANCELLED')!.at,
        },
      });
      expect(request.headers['webhook-id']).toBe(`msg_${id}_cancelled`);
    }
    expect((await store.get(id))!.cancellationNotice).toMatchObject({ outcome: 'delivered' });
    // Delivered: a re-driven saga does not send it again.
    expect(await pos.sendCancellation(id)).toEqual({ outcome: 'SKIPPED' });
    expect(webhook.requests.length).toBe(before + 2);
  });

  it('keeps a PO cancelled when the supplier cannot be told, and notes that on the PO', async () => {
    const { id } = await sentPurchaseOrder();
    await pos.cancel(id, 'found elsewhere', { actor: 'manager@azura.local' });
    webhook.status = 400;
    const refused = await pos.sendCancellation(id).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(SupplierRefused);

    // What the saga's Catch does with the error Step Functions hands it.
    const recorded = await pos.cancellationUndelivered(id, {
      Error: 'SupplierRefused',
      Cause: JSON.stringify({ errorType: 'SupplierRefused', errorMessage: 'the webhook answered 400' }),
    });

    expect(recorded).toEqual({ recorded: true });
    const po = (await store.get(id))!;
    expect(po.status).toBe('CANCELLED');
    expect(po.history.at(-1)).toMatchObject({
      status: 'CANCELLED',
      by: 'system',
      note: 'the supplier could not be told of the cancellation: SupplierRefused (the webhook answered 400)',
    });
    expect(po.cancellationNotice).toMatchObject({ outcome: 'undelivered' });
    // Idempotent: a retried Catch task notes it once.
    expect(await pos.cancellationUndelivered(id, { Error: 'SupplierRefused' })).toEqual({ recorded: false });
    expect((await store.get(id))!.history).toHaveLength(po.history.length);
  });

  it('sends no cancellation for a PO that is not cancelled, nor for one the supplier never had', async () => {
    const { id } = await sentPurchaseOrder();
    const sku = uniqueSku();
    const { supplier } = await supplierWithItem(sku);
    const { purchaseOrderId: unsent } = await pos.raise(planFor(supplier, sku), system);
    await pos.cancel(unsent, 'not needed', { actor: 'manager@azura.local' });
    const before = webhook.requests.length;

    expect(await pos.sendCancellation(id)).toEqual({ outcome: 'SKIPPED' });
    expect(await pos.sendCancellation(unsent)).toEqual({ outcome: 'SKIPPED' });
    expect(webhook.requests.length).toBe(before);
  });

  it('a PO cancelled while its webhook was on the way is compensated when MarkSent comes', async () => {
    const sku = uniqueSku();
    const { supplier } = await supplierWithItem(sku);
    const { purchaseOrderId: id } = await pos.raise(planFor(supplier, sku), system);
    await pos.begin(id);
    await pos.send(id);
    await pos.cancel(id, undefined, { actor: 'manager@azura.local' });

    const wait = await pos.markSent(id);

    expect(wait.final).toBe(false);
    expect(await lastSignal(id)).toMatchObject({ kind: 'cancelled', unexpect: [{ sku, quantity: -10 }] });
    expect(await pos.markSent(id)).toEqual(wait);
    expect((await store.get(id))!.signals).toHaveLength(1);
  });

  it('a missing acknowledgement gets one reminder, then one escalation', async () => {
    const { id } = await sentPurchaseOrder();

    const first = await pos.overdue(id);
    const second = await pos.overdue(id);
    const third = await pos.overdue(id);

    // (`then` is the saga Choice's field: read it as a plain value.)
    expect([first, second, third].map((w) => [w.then, w.seconds, w.final])).toEqual([
      ['remind', TIMINGS.ackSeconds, false],
      ['wait', TIMINGS.reescalateSeconds, false],
      ['wait', TIMINGS.reescalateSeconds, false],
    ]);
    const po = (await store.get(id))!;
    expect(po.escalations).toEqual(['acknowledgement_overdue']);
    expect(po.outbox[0]).toMatchObject({
      type: 'PurchaseOrderEscalated',
      data: { kind: 'acknowledgement_overdue' },
    });
  });

  it('performance: days from SENT to each receipt and the on-time share', async () => {
    const { id, sku, supplier } = await sentPurchaseOrder();
    await pos.receive(id, { lines: [{ sku, quantity: 10 }], confirmOverReceipt: false }, warehouse);

    const figures = await pos.performance(supplier);

    expect(figures.overall).toMatchObject({ receipts: 1, onTimeRate: 1 });
    expect(figures.overall.observedLeadTimeDays).toBeLessThan(0.1);
    expect(figures.bySku.get(sku)).toEqual(figures.overall);
  });
});

// ---------------------------------------------------------------- the HTTP API

describe('POST /api/v1/purchase-orders', () => {
  const api = () =>
    signedIn(
      createPurchaseOrderApi(() => pos),
      'manager',
    );
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    api().request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('creates a manual PO priced from the supplier items, once per Idempotency-Key', async () => {
    const sku = uniqueSku();
    const { supplierId: supplier } = await half.seller(
      webhook.url,
      sku,
      {},
      {
        unitCost: { amount: 500, currency: 'USD' },
        priceBreaks: [{ minQty: 20, unitCost: { amount: 400, currency: 'USD' } }],
      },
    );
    const body = { supplierId: supplier, lines: [{ sku, quantity: 20 }] };
    const key = { 'idempotency-key': `k-${ulid()}` };

    const first = await post('/api/v1/purchase-orders', body, key);
    const second = await post('/api/v1/purchase-orders', body, key);

    expect(first.status).toBe(201);
    const po = await first.json();
    expect(po).toMatchObject({
      origin: 'manual',
      needsApproval: false,
      total: { amount: 8000, currency: 'USD' },
    });
    expect(first.headers.get('location')).toBe(`/api/v1/purchase-orders/${po.id}`);
    expect(second.status).toBe(201);
    expect((await second.json()).id).toBe(po.id);
    expect(saga.starts.map((s) => s.name)).toEqual([po.id]);

    const held = await post('/api/v1/purchase-orders', body);
    expect(held.status).toBe(409);
    expect(await held.json()).toMatchObject({
      errors: [{ field: 'lines.0.sku' }],
      purchaseOrderIds: [po.id],
    });
  });

  it('answers 422 naming the line for a SKU the supplier has no item for, and 400 for a bad body', async () => {
    const { supplierId: supplier } = await half.seller(webhook.url, uniqueSku());
    const unknown = await post('/api/v1/purchase-orders', {
      supplierId: supplier,
      lines: [{ sku: uniqueSku(), quantity: 1 }],
    });
    const bad = await post('/api/v1/purchase-orders', {
      supplierId: supplier,
      lines: [{ sku: 'x', quantity: 0 }],
    });

    expect(unknown.status).toBe(422);
    expect((await unknown.json()).errors).toEqual([{ field: 'lines.0.sku', message: expect.any(String) }]);
    expect(bad.status).toBe(400);
    const fields = (await bad.json()).errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['lines.0.sku', 'lines.0.quantity']));
  });

  it('lists by status and supplier, and shows a PO with its receipts', async () => {
    const { id, supplier, sku } = await sentPurchaseOrder();
    await pos.receive(id, { lines: [{ sku, quantity: 2 }], confirmOverReceipt: false }, warehouse);

    const list = await api().request(
      `/api/v1/purchase-orders?status=PARTIALLY_RECEIVED&supplierId=${supplier}`,
    );
    const bySku = await api().request(`/api/v1/purchase-orders?sku=${sku}`);
    const detail = await api().request(`/api/v1/purchase-orders/${id}`);

    expect((await list.json()).items.map((po: { id: string }) => po.id)).toEqual([id]);
    expect((await bySku.json()).items.map((po: { id: string }) => po.id)).toContain(id);
    expect(await detail.json()).toMatchObject({
      id,
      receipts: [{ lines: [{ sku, quantity: 2 }] }],
      timeline: [],
    });
  });
});

describe('POST /api/v1/purchase-orders/{id}/…', () => {
  const as = (role: 'manager' | 'warehouse') =>
    signedIn(
      createPurchaseOrderApi(() => pos),
      role,
    );
  const post = (
    role: 'manager' | 'warehouse',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    as(role).request(path, {
      method: 'POST',
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('approves with no body at all, and only for managers', async () => {
    const sku = uniqueSku();
    const { supplier } = await supplierWithItem(sku);
    const { purchaseOrderId: id } = await pos.raise(
      planFor(supplier, sku, { approvalThreshold: { amount: 1, currency: 'USD' } }),
      system,
    );

    const forbidden = await post('warehouse', `/api/v1/purchase-orders/${id}/approve`);
    const approved = await post('manager', `/api/v1/purchase-orders/${id}/approve`);

    expect(forbidden.status).toBe(403);
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ id, approvedBy: 'manager@azura.local' });
  });

  it('books a warehouse receipt once per Idempotency-Key, and explains an over-receipt as problem+json', async () => {
    const { id, sku } = await sentPurchaseOrder();
    const headers = { 'idempotency-key': `k-${ulid()}` };
    const path = `/api/v1/purchase-orders/${id}/receipts`;

    const first = await post('warehouse', path, { lines: [{ sku, quantity: 5 }] }, headers);
    const replay = await post('warehouse', path, { lines: [{ sku, quantity: 5 }] }, headers);
    const over = await post('warehouse', path, { lines: [{ sku, quantity: 6 }] });

    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect((await replay.json()).receipts).toHaveLength(1);
    expect(over.status).toBe(422);
    expect(over.headers.get('content-type')).toBe('application/problem+json');
    expect((await over.json()).errors).toEqual([{ field: 'lines.0.quantity', message: expect.any(String) }]);
  });

  it('cancels with a note, and refuses to cancel a received PO', async () => {
    const { id, sku } = await sentPurchaseOrder();
    const other = await sentPurchaseOrder();
    await pos.receive(
      other.id,
      { lines: [{ sku: other.sku, quantity: 10 }], confirmOverReceipt: false },
      warehouse,
    );

    const cancelled = await post('manager', `/api/v1/purchase-orders/${id}/cancel`, {
      note: 'ordered elsewhere',
    });
    const received = await post('manager', `/api/v1/purchase-orders/${other.id}/cancel`, {});

    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: 'CANCELLED', reason: 'ordered elsewhere' });
    expect(received.status).toBe(409);
    expect(await lastSignal(id)).toMatchObject({ kind: 'cancelled', unexpect: [{ sku, quantity: -10 }] });
  });
});
