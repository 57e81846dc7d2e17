import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { ulid } from 'ulid';
import type {
  OrderPlan,
  StoredSupplier,
  StoredSupplierItem,
  SupplierDirectory,
} from '../services/replenishment/domain/model.ts';
import type { CallbackSecrets } from '../services/replenishment/domain/purchase-orders.ts';

/** Stand-ins and helpers of the purchase-order tests (test/replenishment-po.test.ts, test/replenishment-saga.test.ts). */

/**
 * IN-TEST SupplierDirectory: the real one (Suppliers, over the same table) is written in another
 * branch. Holds suppliers and items in memory; `disableWebhook` flips the status as the real one does.
 */
export class InTestSupplierDirectory implements SupplierDirectory {
  readonly suppliers = new Map<string, StoredSupplier>();
  readonly items = new Map<string, StoredSupplierItem>();
  readonly disabled: { supplierId: string; reason: string }[] = [];

  add(webhookUrl: string, fields: Partial<StoredSupplier> = {}): StoredSupplier {
    const at = new Date().toISOString();
    const supplier: StoredSupplier = {
      id: `s-${ulid().toLowerCase().slice(-12)}`,
      name: 'Test supplier',
      email: 'orders@supplier.test',
      webhookUrl,
      currency: 'USD',
      leadTimeDays: 5,
      active: true,
      backorderPolicy: 'keep_open',
      webhookStatus: 'enabled',
      createdAt: at,
      updatedAt: at,
      rev: 1,
      ...fields,
    };
    this.suppliers.set(supplier.id, supplier);
    return supplier;
  }

  addItem(supplierId: string, sku: string, fields: Partial<StoredSupplierItem> = {}): StoredSupplierItem {
    const item: StoredSupplierItem = {
      supplierId,
      sku,
      supplierSku: `SUP-${sku}`,
      unitCost: { amount: 250, currency: 'USD' },
      minOrderQty: 1,
      packMultiple: 1,
      updatedAt: new Date().toISOString(),
      rev: 1,
      ...fields,
    };
    this.items.set(`${supplierId}|${sku}`, item);
    return item;
  }

  async getSupplier(supplierId: string) {
    return this.suppliers.get(supplierId);
  }
  async getItem(supplierId: string, sku: string) {
    return this.items.get(`${supplierId}|${sku}`);
  }
  async disableWebhook(supplierId: string, reason: string) {
    const supplier = this.suppliers.get(supplierId);
    if (supplier) this.suppliers.set(supplierId, { ...supplier, webhookStatus: 'disabled' });
    this.disabled.push({ supplierId, reason });
  }
}

/** IN-TEST WebhookSecrets (the real one is Secrets Manager, another branch): a cache only `fresh` reads past. */
export class InTestSecrets implements CallbackSecrets {
  private readonly stored = new Map<string, string[]>();
  private readonly cached = new Map<string, string[]>();

  create(supplierId: string): string {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    this.stored.set(supplierId, [secret]);
    this.cached.set(supplierId, [secret]);
    return secret;
  }
  /** Another process rotated: this one's cache still has the old secret only. */
  rotateElsewhere(supplierId: string): string {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    this.stored.set(supplierId, [secret, ...(this.stored.get(supplierId) ?? [])]);
    return secret;
  }
  async signing(supplierId: string) {
    return this.stored.get(supplierId)![0]!;
  }
  async verifying(supplierId: string, options?: { fresh?: boolean }) {
    if (options?.fresh) this.cached.set(supplierId, this.stored.get(supplierId) ?? []);
    return this.cached.get(supplierId) ?? [];
  }
}

/** A supplier's webhook on 127.0.0.1: answers `status`, records every request. */
export interface WebhookServer {
  url: string;
  status: number;
  requests: { headers: IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}
export async function startWebhookServer(): Promise<WebhookServer> {
  const state: WebhookServer = { url: '', status: 200, requests: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      state.requests.push({ headers: req.headers, body });
      res.writeHead(state.status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

/** A supplier callback signed as Standard Webhooks says (what a supplier system sends). */
export function signed(secret: string, body: unknown, options: { id?: string; at?: Date } = {}) {
  const raw = JSON.stringify(body);
  const id = options.id ?? `msg_${ulid()}`;
  const at = options.at ?? new Date();
  return {
    raw,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, raw),
    },
  };
}

/** What the planner hands `raise`: 10 units at 2.50 USD, 5 days lead time, at `main`. */
export const planFor = (supplierId: string, sku: string, fields: Partial<OrderPlan> = {}): OrderPlan => ({
  sku,
  locationId: 'main',
  supplierId,
  supplierSku: `SUP-${sku}`,
  quantity: 10,
  unitCost: { amount: 250, currency: 'USD' },
  leadTimeDays: 5,
  ...fields,
});
