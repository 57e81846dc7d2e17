import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sfn } from '../lib/aws.ts';
import { asWorkflowTask } from '../lib/errors.ts';
import { parseOrThrow } from '../lib/parse.ts';
import { PUBLIC_API_URL_ENV } from '../lib/topology.ts';
import { type StepFunctionsRuntime, startStepFunctions } from '../local/stepfunctions/index.ts';
import type { StoredSupplier } from '../services/replenishment/domain/model.ts';
import { sagaTaskInputSchema } from '../services/replenishment/domain/model.ts';
import { type PoRecord, PurchaseOrders } from '../services/replenishment/domain/purchase-orders.ts';
import { DynamoPurchaseOrderStore } from '../services/replenishment/po-store.ts';
import { SfnPurchaseOrderSaga } from '../services/replenishment/saga-client.ts';
import { replenishmentService } from '../services/replenishment/service.ts';
import { SignedWebhookSender } from '../services/replenishment/webhook.ts';
import type { StockLedger } from '../services/stock/domain/stock.ts';
import { handler as stockSagaTasks } from '../services/stock/handlers/saga-tasks.ts';
import { stockService } from '../services/stock/service.ts';
import { defaultLedger } from '../services/stock/store.ts';
import { seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { SEND_RETRY } from '../workflows/replenishment-saga.ts';
import {
  InTestSecrets,
  InTestSupplierDirectory,
  planFor,
  signed,
  startWebhookServer,
  type WebhookServer,
} from './replenishment-po-support.ts';
import { eventually, provisionFor } from './support/env.ts';

/**
 * The replenishment saga as defined (workflows/replenishment-saga.ts, its ASL extracted from the
 * CDK definition) on the local Step Functions engine, with the real stock saga tasks on DynamoDB
 * Local and the real purchase-order tasks. Only the supplier directory and secrets are in-test
 * stand-ins (the real ones are written in another branch); the supplier is a local HTTP server.
 */

let sfnRuntime: StepFunctionsRuntime;
let webhook: WebhookServer;
/** A supplier whose webhook is down (503) for good. */
let down: WebhookServer;
let ledger: StockLedger;
const directory = new InTestSupplierDirectory();
const secrets = new InTestSecrets();
let store: DynamoPurchaseOrderStore;
let pos: PurchaseOrders;
const TIMINGS = {
  approvalSeconds: 60,
  approvalEscalatedSeconds: 60,
  ackSeconds: 60,
  deliveryGraceSeconds: 3600,
  reescalateSeconds: 600,
};
/** Read by every task, as the environment is in Lambda; a test may shorten a wait. */
let timings = { ...TIMINGS };
/** POs that failed with no fallback left (what raises the metric). */
const failed: PoRecord[] = [];

beforeAll(async () => {
  const provisioned = await provisionFor([stockService, replenishmentService]);
  process.env[PUBLIC_API_URL_ENV] = 'https://api.azura.test';
  webhook = await startWebhookServer();
  down = await startWebhookServer();
  down.status = 503;
  store = new DynamoPurchaseOrderStore();
  pos = new PurchaseOrders(
    store,
    new SfnPurchaseOrderSaga(),
    directory,
    secrets,
    new SignedWebhookSender(directory, secrets),
    { timings: () => timings, onFailed: (po) => failed.push(po) },
  );
  sfnRuntime = await startStepFunctions({
    services: [stockService, replenishmentService],
    prefix: provisioned.prefix,
    retryDelayMs: 10,
    handlerOf: (service, id) => {
      if (service === 'stock' && id === 'saga-tasks') return stockSagaTasks;
      if (service === 'replenishment' && id === 'saga-tasks') {
        // What handlers/saga-tasks.ts does, with this test's PurchaseOrders.
        return (event: unknown) =>
          asWorkflowTask(() => pos.runTask(parseOrThrow(sagaTaskInputSchema, event)));
      }
      throw new Error(`no handler for ${service}/${id} in this test`);
    },
  });
  Object.assign(process.env, sfnRuntime.env);
  ledger = defaultLedger();
});

afterAll(async () => {
  await sfnRuntime?.stop();
  await webhook?.close();
  await down?.close();
});

function supplier(sku: string, fields: Partial<StoredSupplier> = {}, packMultiple = 1) {
  const s = directory.add(fields.webhookUrl ?? webhook.url, fields);
  const secret = secrets.create(s.id);
  directory.addItem(s.id, sku, { packMultiple });
  return { supplier: s, secret };
}

const levelOf = async (sku: string) => {
  const view = await ledger.getStock(sku);
  return view.locations.find((l) => l.locationId === 'main')!;
};
const statusOf = async (id: string) => (await store.get(id))?.status;
const executionStatus = async (name: string) =>
  (
    await sfn().send(
      new DescribeExecutionCommand({ executionArn: new SfnPurchaseOrderSaga().executionArnOf(name) }),
    )
  ).status;

describe('the replenishment saga', () => {
  it('sends, expects, waits for the supplier, books receipts and ends when the PO is received', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: s, secret } = supplier(sku);

    const { purchaseOrderId: id } = await pos.raise(planFor(s.id, sku), { actor: 'system' });

    await eventually(async () => (await statusOf(id)) === 'SENT');
    expect(webhook.requests.some((r) => r.headers['webhook-id'] === `msg_${id}`)).toBe(true);
    expect(await levelOf(sku)).toMatchObject({ onHand: 0, incoming: 10 });

    const ack = signed(secret, { type: 'purchase_order.acknowledged', purchaseOrderId: id });
    await pos.callback(s.id, ack.raw, ack.headers);
    await pos.receive(
      id,
      { lines: [{ sku, quantity: 4 }], confirmOverReceipt: false },
      { actor: 'warehouse' },
    );
    await eventually(async () => (await store.get(id))?.receipts[0]?.applied);
    expect(await levelOf(sku)).toMatchObject({ onHand: 4, incoming: 6 });

    await pos.receive(
      id,
      { lines: [{ sku, quantity: 6 }], confirmOverReceipt: false },
      { actor: 'warehouse' },
    );

    await eventually(async () => (await executionStatus(id)) === 'SUCCEEDED');
    expect(await levelOf(sku)).toMatchObject({ onHand: 10, incoming: 0 });
    expect((await ledger.replayLedger(sku)).consistent).toBe(true);
    const detail = await pos.get(id);
    expect(detail.status).toBe('RECEIVED');
    expect(detail.timeline.map((step) => step.step)).toEqual(
      expect.arrayContaining([
        'Begin',
        'Send',
        'ExpectIncoming',
        'MarkSent',
        'AwaitSupplier',
        'ApplyReceipt',
        'Handled',
      ]),
    );
  });

  it('waits for approval, and sends once a manager approves', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: s } = supplier(sku);

    const { purchaseOrderId: id } = await pos.raise(
      planFor(s.id, sku, { approvalThreshold: { amount: 1000, currency: 'USD' } }),
      { actor: 'system' },
    );
    await eventually(async () => (await store.get(id))?.approvalToken);
    expect(await statusOf(id)).toBe('AWAITING_APPROVAL');
    await pos.approve(id, undefined, { actor: 'manager@azura.local' });

    await eventually(async () => (await statusOf(id)) === 'SENT');
    expect(await levelOf(sku)).toMatchObject({ incoming: 10 });
  });

  it('a rejection gives the incoming back and the fallback supplier gets the order in the same execution', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: preferred, secret } = supplier(sku);
    const { supplier: fallback } = supplier(sku, {}, 6);

    const { purchaseOrderId: id } = await pos.raise(
      planFor(preferred.id, sku, { fallbackSupplierId: fallback.id }),
      {
        actor: 'system',
      },
    );
    await eventually(async () => (await statusOf(id)) === 'SENT');
    const reject = signed(secret, {
      type: 'purchase_order.rejected',
      purchaseOrderId: id,
      reason: 'discontinued',
    });
    await pos.callback(preferred.id, reject.raw, reject.headers);

    const next = await eventually(async () => (await store.get(id))?.replacedBy);
    await eventually(async () => (await statusOf(next)) === 'SENT');
    expect(await levelOf(sku)).toMatchObject({ incoming: 12 });
    expect(await store.get(next)).toMatchObject({ supplierId: fallback.id, lines: [{ quantity: 12 }] });
    expect(await executionStatus(id)).toBe('RUNNING');
  });

  it('a PO refused by a supplier without fallback fails, with nothing left expected', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: s } = supplier(sku);
    const original = webhook.status;

    try {
      webhook.status = 400;
      const { purchaseOrderId: id } = await pos.raise(planFor(s.id, sku), { actor: 'system' });
      await eventually(async () => (await executionStatus(id)) === 'FAILED');
      expect(await store.get(id)).toMatchObject({
        status: 'FAILED',
        reason: expect.stringContaining('SupplierRefused'),
      });
      expect((await ledger.getStock(sku)).totals.incoming).toBe(0);
    } finally {
      webhook.status = original;
    }
  });

  it('a manager cancelling a sent PO ends the saga with the incoming given back', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: s } = supplier(sku);
    const { purchaseOrderId: id } = await pos.raise(planFor(s.id, sku), { actor: 'system' });
    await eventually(async () => (await store.get(id))?.supplierToken);

    await pos.cancel(id, 'ordered elsewhere', { actor: 'manager@azura.local' });

    await eventually(async () => (await executionStatus(id)) === 'SUCCEEDED');
    expect(await levelOf(sku)).toMatchObject({ onHand: 0, incoming: 0 });
  });

  it('a short delivery closed short books what came and gives back the rest', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: s } = supplier(sku, { backorderPolicy: 'close_short' });
    const { purchaseOrderId: id } = await pos.raise(planFor(s.id, sku), { actor: 'system' });
    await eventually(async () => (await statusOf(id)) === 'SENT');

    await pos.receive(
      id,
      { lines: [{ sku, quantity: 7 }], confirmOverReceipt: false },
      { actor: 'warehouse' },
    );

    await eventually(async () => (await executionStatus(id)) === 'SUCCEEDED');
    expect(await levelOf(sku)).toMatchObject({ onHand: 7, incoming: 0 });
  });

  it('a webhook that stays down is retried, then the PO fails', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: s } = supplier(sku);
    const before = webhook.requests.length;

    try {
      webhook.status = 503;
      const { purchaseOrderId: id } = await pos.raise(planFor(s.id, sku), { actor: 'system' });
      await eventually(async () => (await executionStatus(id)) === 'FAILED');
      expect(await store.get(id)).toMatchObject({
        status: 'FAILED',
        reason: expect.stringContaining('SupplierUnavailable'),
      });
    } finally {
      webhook.status = 200;
    }
    // The first attempt and SEND_RETRY's retries (Step Functions' MaxAttempts counts retries).
    expect(webhook.requests.length - before).toBe(1 + SEND_RETRY.maxAttempts!);
  });

  it('no acknowledgement: one reminder with the same webhook-id, then an escalation', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: s } = supplier(sku);
    timings = { ...TIMINGS, ackSeconds: 1 };
    try {
      const { purchaseOrderId: id } = await pos.raise(planFor(s.id, sku), { actor: 'system' });

      await eventually(
        async () => (await store.get(id))?.escalations.includes('acknowledgement_overdue'),
        20_000,
      );

      const sent = webhook.requests.filter((r) => r.headers['webhook-id'] === `msg_${id}`);
      expect(sent).toHaveLength(2);
      expect(await store.get(id)).toMatchObject({ status: 'SENT', reminders: 1 });
      expect(await executionStatus(id)).toBe('RUNNING');
    } finally {
      timings = { ...TIMINGS };
    }
  });

  it('re-drives the saga of an open PO whose execution was lost (a local restart)', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: s } = supplier(sku);
    // Raised by a process whose Step Functions forgot it: the PO is stored, no execution exists.
    const forgetful = new PurchaseOrders(
      store,
      {
        executionArnOf: (name) => new SfnPurchaseOrderSaga().executionArnOf(name),
        start: async () => undefined, // lost
        resume: async () => false,
        history: async () => [],
      },
      directory,
      secrets,
      new SignedWebhookSender(directory, secrets),
      { timings: () => timings },
    );
    const { purchaseOrderId: id } = await forgetful.raise(planFor(s.id, sku), { actor: 'system' });

    expect(await pos.redriveOpen()).toBeGreaterThan(0);

    await eventually(async () => (await statusOf(id)) === 'SENT');
    expect(await levelOf(sku)).toMatchObject({ incoming: 10 });
  });

  it('a preferred supplier that stays down is retried, then the fallback supplier gets the order', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: preferred } = supplier(sku, { webhookUrl: down.url });
    const { supplier: fallback } = supplier(sku);

    const { purchaseOrderId: id } = await pos.raise(
      planFor(preferred.id, sku, { fallbackSupplierId: fallback.id }),
      {
        actor: 'system',
      },
    );

    const next = await eventually(async () => (await store.get(id))?.replacedBy);
    await eventually(async () => (await statusOf(next)) === 'SENT');
    expect(await store.get(id)).toMatchObject({
      status: 'FAILED',
      reason: expect.stringContaining('SupplierUnavailable'),
    });
    expect(down.requests.filter((r) => r.headers['webhook-id'] === `msg_${id}`)).toHaveLength(
      1 + SEND_RETRY.maxAttempts!,
    );
    expect(await levelOf(sku)).toMatchObject({ incoming: 10 });
    expect(failed.map((po) => po.id)).not.toContain(id);
  });

  it('with both suppliers down the PO fails and ops are alerted', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: preferred } = supplier(sku, { webhookUrl: down.url });
    const { supplier: fallback } = supplier(sku, { webhookUrl: down.url });

    const { purchaseOrderId: id } = await pos.raise(
      planFor(preferred.id, sku, { fallbackSupplierId: fallback.id }),
      {
        actor: 'system',
      },
    );

    await eventually(async () => (await executionStatus(id)) === 'FAILED');
    const next = (await store.get(id))!.replacedBy!;
    const last = (await store.get(next))!;
    expect(last).toMatchObject({ status: 'FAILED', origin: 'fallback', replaces: id });
    expect(last.outbox.map((e) => e.type)).toEqual(['PurchaseOrderFailed']);
    expect(failed.map((po) => po.id)).toContain(next);
    expect(failed.map((po) => po.id)).not.toContain(id);
    expect((await ledger.getStock(sku)).totals.incoming).toBe(0);
  });

  it('nobody approves: an escalation, a longer wait, then the PO is cancelled', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: s } = supplier(sku);
    timings = { ...TIMINGS, approvalSeconds: 1, approvalEscalatedSeconds: 1 };
    try {
      const { purchaseOrderId: id } = await pos.raise(
        planFor(s.id, sku, { approvalThreshold: { amount: 1, currency: 'USD' } }),
        { actor: 'system' },
      );

      await eventually(async () => (await executionStatus(id)) === 'SUCCEEDED', 20_000);

      const po = (await store.get(id))!;
      expect(po).toMatchObject({
        status: 'CANCELLED',
        reason: 'approval_timeout',
        escalations: ['approval_overdue'],
      });
      expect(webhook.requests.some((r) => r.headers['webhook-id'] === `msg_${id}`)).toBe(false);
    } finally {
      timings = { ...TIMINGS };
    }
  });

  it('a manager rejecting ends the saga without sending', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const { supplier: s } = supplier(sku);
    const { purchaseOrderId: id } = await pos.raise(
      planFor(s.id, sku, { approvalThreshold: { amount: 1, currency: 'USD' } }),
      { actor: 'system' },
    );
    await eventually(async () => (await store.get(id))?.approvalToken);

    await pos.reject(id, 'not this month', { actor: 'manager@azura.local' });

    await eventually(async () => (await executionStatus(id)) === 'SUCCEEDED');
    expect(webhook.requests.some((r) => r.headers['webhook-id'] === `msg_${id}`)).toBe(false);
  });
});
