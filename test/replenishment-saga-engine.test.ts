import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sfn } from '../lib/aws.ts';
import { asWorkflowTask } from '../lib/errors.ts';
import { parseOrThrow } from '../lib/parse.ts';
import { PUBLIC_API_URL_ENV } from '../lib/topology.ts';
import { type StepFunctionsRuntime, startStepFunctions } from '../local/stepfunctions/index.ts';
import { sagaTaskInputSchema } from '../services/replenishment/domain/model.ts';
import { type PurchaseOrderSaga, PurchaseOrders } from '../services/replenishment/domain/purchase-orders.ts';
import { DynamoPurchaseOrderStore } from '../services/replenishment/po-store.ts';
import { SfnPurchaseOrderSaga } from '../services/replenishment/saga-client.ts';
import { replenishmentService } from '../services/replenishment/service.ts';
import { SignedWebhookSender } from '../services/replenishment/webhook.ts';
import type { StockLedger } from '../services/stock/domain/stock.ts';
import { handler as stockSagaTasks } from '../services/stock/handlers/saga-tasks.ts';
import { stockService } from '../services/stock/service.ts';
import { defaultLedger } from '../services/stock/store.ts';
import { seedProduct, uniqueSku } from '../services/stock/testing.ts';
import {
  planFor,
  type SupplierHalf,
  startWebhookServer,
  supplierHalf,
  type WebhookServer,
} from './replenishment-po-support.ts';
import { eventually, provisionFor } from './support/env.ts';

/**
 * The replenishment saga as defined (workflows/replenishment-saga.ts, its ASL extracted from the
 * CDK definition) on the local Step Functions engine, with the real stock saga tasks on DynamoDB
 * Local, the real purchase-order tasks and the real supplier half (suppliers through `Suppliers`,
 * secrets in the local Secrets Manager); the supplier is a local HTTP server.
 *
 * Only what the whole-runtime test (test/replenishment-saga.test.ts, with the supplier simulator)
 * does not cover: a webhook that refuses (400) fails the PO at once, without the retries; a
 * manager cancelling a sent PO; the re-drive of an open PO whose execution was lost.
 */

let sfnRuntime: StepFunctionsRuntime;
let webhook: WebhookServer;
let ledger: StockLedger;
let half: SupplierHalf;
let store: DynamoPurchaseOrderStore;
let pos: PurchaseOrders;
const TIMINGS = {
  approvalSeconds: 60,
  approvalEscalatedSeconds: 60,
  ackSeconds: 60,
  deliveryGraceSeconds: 3600,
  reescalateSeconds: 600,
};

/** Purchase orders over this test's store, the real suppliers and their secrets, and `saga`. */
const purchaseOrdersWith = (saga: PurchaseOrderSaga) =>
  new PurchaseOrders(
    store,
    saga,
    half.suppliers,
    half.secrets,
    new SignedWebhookSender(half.suppliers, half.secrets),
    { timings: () => TIMINGS },
  );

beforeAll(async () => {
  const provisioned = await provisionFor([stockService, replenishmentService]);
  process.env[PUBLIC_API_URL_ENV] = 'https://api.azura.test';
  webhook = await startWebhookServer();
  store = new DynamoPurchaseOrderStore();
  half = supplierHalf(() => pos);
  pos = purchaseOrdersWith(new SfnPurchaseOrderSaga());
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
});

/** A supplier made through Suppliers, selling `sku`; its webhook is this test's server. */
const supplier = async (sku: string) => (await half.seller(webhook.url, sku)).supplierId;

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
  it('a PO refused (400) by a supplier without fallback fails at once, with nothing left expected', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const s = await supplier(sku);
    const original = webhook.status;

    try {
      webhook.status = 400;
      const { purchaseOrderId: id } = await pos.raise(planFor(s, sku), { actor: 'system' });
      await eventually(async () => (await executionStatus(id)) === 'FAILED');
      expect(await store.get(id)).toMatchObject({
        status: 'FAILED',
        reason: expect.stringContaining('SupplierRefused'),
      });
      expect((await ledger.getStock(sku)).totals.incoming).toBe(0);
      // Refused, not unavailable: sent once, no retry.
      expect(webhook.requests.filter((r) => r.headers['webhook-id'] === `msg_${id}`)).toHaveLength(1);
    } finally {
      webhook.status = original;
    }
  });

  it('a manager cancelling a sent PO ends the saga with the incoming given back', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const s = await supplier(sku);
    const { purchaseOrderId: id } = await pos.raise(planFor(s, sku), { actor: 'system' });
    await eventually(async () => (await store.get(id))?.supplierToken);

    await pos.cancel(id, 'ordered elsewhere', { actor: 'manager@azura.local' });

    await eventually(async () => (await executionStatus(id)) === 'SUCCEEDED');
    expect(await levelOf(sku)).toMatchObject({ onHand: 0, incoming: 0 });
  });

  it('re-drives the saga of an open PO whose execution was lost (a local restart)', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    const s = await supplier(sku);
    // Raised by a process whose Step Functions forgot it: the PO is stored, no execution exists.
    const forgetful = purchaseOrdersWith({
      executionArnOf: (name) => new SfnPurchaseOrderSaga().executionArnOf(name),
      start: async () => undefined, // lost
      resume: async () => false,
      history: async () => [],
    });
    const { purchaseOrderId: id } = await forgetful.raise(planFor(s, sku), { actor: 'system' });

    expect(await pos.redriveOpen()).toBeGreaterThan(0);

    await eventually(async () => (await statusOf(id)) === 'SENT');
    expect(await levelOf(sku)).toMatchObject({ incoming: 10 });
  });
});
