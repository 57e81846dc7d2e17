import { ulid } from 'ulid';
import type { Envelope } from '../lib/events.ts';
import type { Role } from '../lib/permissions.ts';
import { localTokenFor } from '../local/auth.ts';
import type { Runtime } from '../local/runtime.ts';
import {
  type SupplierRules,
  type SupplierSimulator,
  startSupplierSimulator,
} from '../local/supplier-simulator.ts';
import type {
  PurchaseOrderStatus,
  ReorderRuleBody,
  SupplierItemBody,
} from '../services/replenishment/contract.ts';
import { replenishmentEvents } from '../services/replenishment/contract.ts';
import { replenishmentService } from '../services/replenishment/service.ts';
import { stockService } from '../services/stock/service.ts';
import { defaultLedger } from '../services/stock/store.ts';
import { seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { eventually, topicFeed } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

/**
 * The replenishment world of the integration tests and the bench: the whole local runtime (stock,
 * replenishment, the replenishment saga on the local Step Functions endpoint), the supplier
 * simulator on its own port, an HTTP client per role, and a feed of the replenishment events (an
 * SQS queue subscribed to the topic, as the notifications service's will be).
 */
export interface PurchaseOrderView {
  id: string;
  supplierId: string;
  locationId: string;
  status: PurchaseOrderStatus;
  origin: string;
  needsApproval: boolean;
  lines: {
    sku: string;
    supplierSku: string;
    quantity: number;
    received: number;
    unitCost: { amount: number };
  }[];
  total: { amount: number; currency: string };
  replaces?: string;
  replacedBy?: string;
  reason?: string;
  supplierReference?: string;
  receipts: { receiptId: string; applied: boolean; lines: { sku: string; quantity: number }[] }[];
  history: { status: PurchaseOrderStatus; at: string; by: string; note?: string }[];
  timeline: { step: string; status: string; attempts: number; error?: string }[];
}

export interface ReplenishmentWorld {
  runtime: Runtime;
  simulator: SupplierSimulator;
  events: Envelope[];
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    options?: { role?: Role; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T }>;
  /** A supplier created through our API, its secret registered with the simulator. */
  supplier(rules?: Partial<SupplierRules>, fields?: Record<string, unknown>): Promise<string>;
  /** The signing secret our API returned for a supplier made by `supplier()`. */
  secretOf(supplierId: string): string;
  item(supplierId: string, sku: string, body?: Partial<SupplierItemBody>): Promise<void>;
  rule(sku: string, body: Partial<ReorderRuleBody> & { preferredSupplierId: string }): Promise<void>;
  /** A product stock knows, with this much on hand at `main`. */
  stockedSku(onHand: number): Promise<string>;
  /** Takes stock out (an adjustment), so the level's event reaches the planner. */
  consume(sku: string, quantity: number): Promise<void>;
  purchaseOrdersOf(sku: string): Promise<PurchaseOrderView[]>;
  purchaseOrder(id: string): Promise<PurchaseOrderView>;
  waitForPurchaseOrder(sku: string, timeoutMs?: number): Promise<PurchaseOrderView>;
  waitForStatus(id: string, status: PurchaseOrderStatus, timeoutMs?: number): Promise<PurchaseOrderView>;
  eventsOf(purchaseOrderId: string): Envelope[];
  stop(): Promise<void>;
}

async function subscribedFeed(topicArn: string, prefix: string) {
  return topicFeed(
    topicArn,
    `${prefix}-test-replenishment-events`,
    replenishmentEvents.map((e) => e.type),
  );
}

export async function startReplenishmentWorld(): Promise<ReplenishmentWorld> {
  const simulator = await startSupplierSimulator({ port: 0 });
  const runtime = await startTestRuntime([stockService, replenishmentService]);
  const feed = await subscribedFeed(runtime.provisioned.topicArn, runtime.provisioned.prefix);
  const tokens = new Map<Role, string>();
  const secrets = new Map<string, string>();
  const api: ReplenishmentWorld['api'] = async (method, path, body, options = {}) => {
    const role = options.role ?? 'manager';
    if (!tokens.has(role)) tokens.set(role, await localTokenFor(role));
    const response = await fetch(`${runtime.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens.get(role)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as never };
  };
  const expectStatus = async (call: Promise<{ status: number; body: unknown }>, ...ok: number[]) => {
    const result = await call;
    if (!ok.includes(result.status)) throw new Error(`${result.status}: ${JSON.stringify(result.body)}`);
    return result;
  };
  const purchaseOrdersOf = async (sku: string) =>
    (await expectStatus(api('GET', `/api/v1/purchase-orders?sku=${sku}&limit=100`), 200)).body as {
      items: PurchaseOrderView[];
    };
  const purchaseOrder = async (id: string) =>
    (await expectStatus(api('GET', `/api/v1/purchase-orders/${id}`), 200)).body as PurchaseOrderView;

  return {
    runtime,
    simulator,
    events: feed.events,
    api,
    supplier: async (rules = {}, fields = {}) => {
      const id = `sup-${ulid().slice(-10).toLowerCase()}`;
      const { body } = await expectStatus(
        api('POST', '/api/v1/suppliers', {
          id,
          name: `Supplier ${id}`,
          email: `${id}@suppliers.example`,
          webhookUrl: simulator.webhookUrlFor(id),
          currency: 'USD',
          leadTimeDays: 5,
          ...fields,
        }),
        201,
      );
      const { secret } = body as { secret: string };
      secrets.set(id, secret);
      simulator.register(id, { secret, ackDelayMs: 20, ...rules });
      return id;
    },
    secretOf: (id) => secrets.get(id)!,
    item: async (supplierId, sku, body = {}) => {
      await expectStatus(
        api('PUT', `/api/v1/suppliers/${supplierId}/items/${sku}`, {
          supplierSku: `S-${sku}`,
          unitCost: { amount: 250, currency: 'USD' },
          ...body,
        }),
        200,
        201,
      );
    },
    rule: async (sku, body) => {
      await expectStatus(
        api('PUT', `/api/v1/reorder-rules/${sku}`, { min: 10, max: 100, ...body }),
        200,
        201,
      );
    },
    stockedSku: async (onHand) => {
      const sku = uniqueSku('REP');
      await seedProduct(defaultLedger(), sku, { onHand });
      return sku;
    },
    consume: async (sku, quantity) => {
      await defaultLedger().adjust({ sku, delta: -quantity, reason: 'damaged' }, { actor: 'test' });
    },
    purchaseOrdersOf: async (sku) => (await purchaseOrdersOf(sku)).items,
    purchaseOrder,
    waitForPurchaseOrder: (sku, timeoutMs = 15_000) =>
      eventually(async () => (await purchaseOrdersOf(sku)).items[0], timeoutMs),
    waitForStatus: (id, status, timeoutMs = 15_000) =>
      eventually(async () => {
        const po = await purchaseOrder(id);
        return po.status === status && po;
      }, timeoutMs),
    eventsOf: (id) =>
      feed.events.filter((e) => (e.data as { purchaseOrderId?: string } | undefined)?.purchaseOrderId === id),
    stop: async () => {
      await feed.stop();
      await runtime.stop();
      await simulator.stop();
    },
  };
}
