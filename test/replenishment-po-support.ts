import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { ulid } from 'ulid';
import type { CreateSupplierBody, SupplierItemBody } from '../services/replenishment/contract.ts';
import type { OrderPlan, PurchaseOrdering } from '../services/replenishment/domain/model.ts';
import type { PurchaseOrderSaga } from '../services/replenishment/domain/purchase-orders.ts';
import { Suppliers } from '../services/replenishment/domain/suppliers.ts';
import { SecretsManagerWebhookSecrets } from '../services/replenishment/secrets.ts';
import { DynamoSupplierStore } from '../services/replenishment/supplier-store.ts';

/**
 * Helpers of the replenishment tests that drive purchase orders and the planner without the whole
 * runtime (test/replenishment-po.test.ts, -suppliers.test.ts, -saga-engine.test.ts): the real
 * supplier half (`Suppliers` over DynamoDB Local, secrets in the local Secrets Manager), a
 * supplier's webhook as a real HTTP server on 127.0.0.1, and signed callbacks.
 */

/** The real suppliers' half over the provisioned table and the local Secrets Manager. */
export interface SupplierHalf {
  store: DynamoSupplierStore;
  secrets: SecretsManagerWebhookSecrets;
  suppliers: Suppliers;
  /** A supplier created through `Suppliers.create`, with the one SKU item `planFor` orders; its secret. */
  seller(
    webhookUrl: string,
    sku: string,
    fields?: Partial<CreateSupplierBody>,
    item?: Partial<SupplierItemBody>,
  ): Promise<{ supplierId: string; secret: string }>;
}

/** `ordering` is read lazily: the purchase orders are usually made with these suppliers as their directory. */
export function supplierHalf(
  ordering: () => Pick<PurchaseOrdering, 'performance'>,
  options: { now?: () => Date } = {},
): SupplierHalf {
  const store = new DynamoSupplierStore();
  const secrets = new SecretsManagerWebhookSecrets(options.now ? { now: options.now } : {});
  const suppliers = new Suppliers(store, secrets, ordering, options);
  return {
    store,
    secrets,
    suppliers,
    seller: async (webhookUrl, sku, fields = {}, item = {}) => {
      const supplierId = fields.id ?? `s-${ulid().toLowerCase().slice(-12)}`;
      const { secret } = await suppliers.create(
        {
          id: supplierId,
          name: 'Test supplier',
          email: 'orders@supplier.test',
          webhookUrl,
          currency: 'USD',
          leadTimeDays: 5,
          active: true,
          backorderPolicy: 'keep_open',
          ...fields,
        },
        { actor: 'test' },
      );
      await addItem(suppliers, supplierId, sku, item);
      return { supplierId, secret };
    },
  };
}

/** `Suppliers.putItem` with the item `planFor` orders (SUP-<sku>, 2.50 USD, packs of 1), changed by `item`. */
export async function addItem(
  suppliers: Suppliers,
  supplierId: string,
  sku: string,
  item: Partial<SupplierItemBody> = {},
): Promise<void> {
  await suppliers.putItem(supplierId, sku, {
    supplierSku: `SUP-${sku}`,
    unitCost: { amount: 250, currency: 'USD' },
    minOrderQty: 1,
    packMultiple: 1,
    ...item,
  });
}

/**
 * Step Functions as these tests need it: executions are recorded, never run (each test drives the
 * saga's tasks itself, in order; the saga on the real engine is test/replenishment-saga*.test.ts).
 * A double of the AWS service behind `SfnPurchaseOrderSaga`, not of our code.
 */
export class RecordingSaga implements PurchaseOrderSaga {
  readonly starts: { name: string; purchaseOrderId: string }[] = [];
  readonly resumed: { token: string; output: unknown }[] = [];
  executionArnOf(name: string) {
    return `arn:aws:states:us-east-1:000000000000:execution:replenishment-saga:${name}`;
  }
  async start(name: string, input: { purchaseOrderId: string }) {
    this.starts.push({ name, purchaseOrderId: input.purchaseOrderId });
  }
  async resume(token: string, output: unknown) {
    this.resumed.push({ token, output });
    return true;
  }
  async history() {
    return [];
  }
  resumedWith(token: string) {
    return this.resumed.filter((r) => r.token === token).map((r) => r.output);
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
