import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE } from '../lib/http.ts';
import { secretsPrefixEnvVar } from '../lib/topology.ts';
import type { OrderPlan } from '../services/replenishment/domain/model.ts';
import { ReorderPlanner } from '../services/replenishment/domain/planner.ts';
import { type PoRecord, PurchaseOrders } from '../services/replenishment/domain/purchase-orders.ts';
import { Suppliers } from '../services/replenishment/domain/suppliers.ts';
import { handler as stockEvents } from '../services/replenishment/handlers/stock-events.ts';
import { handler as sweepHandler } from '../services/replenishment/handlers/sweep.ts';
import { DynamoPurchaseOrderStore } from '../services/replenishment/po-store.ts';
import { SecretsManagerWebhookSecrets, supplierSecretName } from '../services/replenishment/secrets.ts';
import { replenishmentService } from '../services/replenishment/service.ts';
import { createSupplierApi } from '../services/replenishment/supplier-api.ts';
import { DynamoSupplierStore } from '../services/replenishment/supplier-store.ts';
import { SignedWebhookSender } from '../services/replenishment/webhook.ts';
import { sagaTimingsFromEnv, setPurchaseOrdering } from '../services/replenishment/wiring.ts';
import { StockLevelChanged } from '../services/stock/contract.ts';
import { RecordingSaga } from './replenishment-po-support.ts';
import { provisionFor, signedIn, sqsEventOf } from './support/env.ts';

/**
 * Suppliers, their items and signing secrets, reorder rules and the planner, through the HTTP API
 * against DynamoDB Local and the local Secrets Manager (the real SDK clients on both). The planner
 * raises through the real purchase orders (`PurchaseOrders` over the same table); their sagas are
 * recorded, not run (RecordingSaga: the saga has its own tests), so a raised PO stays DRAFT and
 * counts as on order.
 */

const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;

/** A PO on a DynamoDB endpoint nobody listens on: the purchase orders are unreachable. */
const unreachableStore = () =>
  new DynamoPurchaseOrderStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 })),
  );

let clock: Date;
const now = () => clock;
let secrets: SecretsManagerWebhookSecrets;
let suppliers: Suppliers;
let planner: ReorderPlanner;
let store: DynamoSupplierStore;
let poStore: DynamoPurchaseOrderStore;
let pos: PurchaseOrders;
let admin: ReturnType<typeof signedIn>;

const purchaseOrdersOver = (over: DynamoPurchaseOrderStore) =>
  new PurchaseOrders(
    over,
    new RecordingSaga(),
    suppliers,
    secrets,
    new SignedWebhookSender(suppliers, secrets),
    {
      timings: () => sagaTimingsFromEnv(),
      now,
    },
  );

beforeAll(async () => {
  await provisionFor([replenishmentService]);
  clock = new Date();
  store = new DynamoSupplierStore();
  poStore = new DynamoPurchaseOrderStore();
  secrets = new SecretsManagerWebhookSecrets({ now });
  suppliers = new Suppliers(store, secrets, () => pos, { now });
  pos = purchaseOrdersOver(poStore);
  planner = new ReorderPlanner(store, suppliers, () => pos, { now });
  admin = signedIn(
    createSupplierApi(
      () => suppliers,
      () => planner,
    ),
    'admin',
  );
});

beforeEach(() => {
  clock = new Date();
});

/** What the planner ordered for a SKU: its rule-raised POs, as the plans they were raised from. */
const raisedFor = async (sku: string): Promise<OrderPlan[]> => {
  const { items } = await poStore.list({ sku, limit: 100 });
  return items.filter((po) => po.origin === 'rule').map(planOf);
};
const planOf = (po: PoRecord): OrderPlan => {
  const [line] = po.lines;
  return {
    sku: line!.sku,
    locationId: po.locationId,
    supplierId: po.supplierId,
    supplierSku: line!.supplierSku,
    quantity: line!.quantity,
    unitCost: line!.unitCost,
    leadTimeDays: po.leadTimeDays,
    ...(po.approvalThreshold ? { approvalThreshold: po.approvalThreshold } : {}),
    ...(po.fallbackSupplierId ? { fallbackSupplierId: po.fallbackSupplierId } : {}),
  };
};

const supplierId = () => `s-${ulid().toLowerCase()}`;
const newSku = () => `T-${ulid()}`;
const json = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const supplierBody = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  name: 'Acme Textiles',
  email: 'orders@acme.example',
  webhookUrl: 'http://127.0.0.1:9/webhook',
  currency: 'USD',
  leadTimeDays: 7,
  ...overrides,
});
const itemBody = (overrides: Record<string, unknown> = {}) => ({
  supplierSku: 'ACME-1',
  unitCost: { amount: 250, currency: 'USD' },
  ...overrides,
});

async function createSupplier(id = supplierId(), overrides: Record<string, unknown> = {}) {
  const response = await admin.request('/api/v1/suppliers', json('POST', supplierBody(id, overrides)));
  expect(response.status).toBe(201);
  return { id, secret: ((await response.json()) as { secret: string }).secret };
}

async function supplierSelling(sku: string, overrides: Record<string, unknown> = {}, item = {}) {
  const { id } = await createSupplier(supplierId(), overrides);
  const response = await admin.request(`/api/v1/suppliers/${id}/items/${sku}`, json('PUT', itemBody(item)));
  expect(response.status).toBe(201);
  return id;
}

const fieldsOf = async (response: Response) =>
  ((await response.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);

const levelEvent = (sku: string, levelVersion: number, available: number) =>
  planner.applyStockLevel(
    {
      sku,
      locationId: 'main',
      levelVersion,
      quantities: { onHand: available, reserved: 0, incoming: 0, safetyStock: 0, available },
    },
    { correlationId: `test-${ulid()}`, occurredAt: clock.toISOString() },
  );

describe('suppliers and their signing secret', () => {
  it('creates a supplier with a whsec_ secret shown once: GET and the list never show it', async () => {
    const id = supplierId();

    const created = await admin.request('/api/v1/suppliers', json('POST', supplierBody(id)));

    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/suppliers/${id}`);
    const body = (await created.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id,
      active: true,
      backorderPolicy: 'keep_open',
      webhookStatus: 'enabled',
      performance: { receipts: 0, observedLeadTimeDays: null, promisedLeadTimeDays: 7, onTimeRate: null },
    });
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await admin.request(`/api/v1/suppliers/${id}`);
    expect(got.status).toBe(200);
    expect(await got.text()).not.toContain('whsec_');
    const listed = await admin.request('/api/v1/suppliers');
    const list = (await listed.json()) as { items: { id: string }[] };
    expect(list.items.map((s) => s.id)).toContain(id);
    expect(JSON.stringify(list)).not.toContain('whsec_');
    expect(await secrets.verifying(id)).toEqual([body.secret]);
  });

  it('keeps the secret in Secrets Manager under the service prefix, not in the table', async () => {
    const { id, secret } = await createSupplier();

    const client = new SecretsManagerClient({});
    const name = supplierSecretName(process.env[secretsPrefixEnvVar('replenishment')]!, id);
    const described = await client.send(new DescribeSecretCommand({ SecretId: name }));
    const value = await client.send(new GetSecretValueCommand({ SecretId: name }));

    expect(described.Name).toBe(name);
    expect(JSON.parse(value.SecretString!)).toEqual({ current: secret });
    expect(JSON.stringify(await store.getSupplier(id))).not.toContain('whsec_');
  });

  it('refuses a second create of the same id with 409 and shows no secret', async () => {
    const { id } = await createSupplier();

    const again = await admin.request('/api/v1/suppliers', json('POST', supplierBody(id, { name: 'Other' })));

    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    expect(await again.text()).not.toContain('whsec_');
    expect((await suppliers.get(id)).name).toBe('Acme Textiles');
  });

  it('answers a retried create with the same Idempotency-Key with the first 201; another body is a 409', async () => {
    const id = supplierId();
    const headers = { 'idempotency-key': `create-${id}` };

    const first = await admin.request('/api/v1/suppliers', json('POST', supplierBody(id), headers));
    const retry = await admin.request('/api/v1/suppliers', json('POST', supplierBody(id), headers));
    const different = await admin.request(
      '/api/v1/suppliers',
      json('POST', supplierBody(id, { name: 'Other' }), headers),
    );

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    const firstBody = (await first.json()) as { secret: string; updatedAt: string };
    expect(await retry.json()).toEqual(firstBody);
    expect(different.status).toBe(409);
    expect(await secrets.verifying(id)).toEqual([firstBody.secret]);
  });

  it('creates nothing when the secret cannot be stored, so the same create can be retried', async () => {
    const id = supplierId();
    const down = new SecretsManagerWebhookSecrets({
      client: new SecretsManagerClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }),
    });
    const api = signedIn(createSupplierApi(() => new Suppliers(store, down, () => pos, { now })));

    const failed = await api.request('/api/v1/suppliers', json('POST', supplierBody(id)));

    expect(failed.status).toBe(500);
    expect(await store.getSupplier(id)).toBeUndefined();
    const retried = await admin.request('/api/v1/suppliers', json('POST', supplierBody(id)));
    expect(retried.status).toBe(201);
  });

  it('rotates: a new secret signs, the previous one verifies for 24 h, then no more', async () => {
    const { id, secret: old } = await createSupplier();

    const response = await admin.request(`/api/v1/suppliers/${id}/rotate-secret`, { method: 'POST' });

    expect(response.status).toBe(200);
    const rotated = (await response.json()) as { secret: string; previousValidUntil: string };
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(old);
    expect(Date.parse(rotated.previousValidUntil)).toBe(clock.getTime() + 24 * HOUR_MS);
    expect(await secrets.signing(id)).toBe(rotated.secret);
    expect(await secrets.verifying(id)).toEqual([rotated.secret, old]);
    expect((await suppliers.get(id)).secretRotatedAt).toBe(clock.toISOString());

    clock = new Date(clock.getTime() + 24 * HOUR_MS - 1000);
    expect(await secrets.verifying(id)).toEqual([rotated.secret, old]);
    clock = new Date(clock.getTime() + 2000);
    expect(await secrets.verifying(id)).toEqual([rotated.secret]);
  });

  it('a rotation made by another process is seen at once by a fresh read, though the cache still has the old', async () => {
    const { id, secret: old } = await createSupplier();
    const otherProcess = new SecretsManagerWebhookSecrets({ now });
    expect(await otherProcess.verifying(id)).toEqual([old]); // now cached there

    const { secret } = await suppliers.rotateSecret(id, { actor: 'test' });

    expect(await otherProcess.verifying(id)).toEqual([old]);
    expect(await otherProcess.verifying(id, { fresh: true })).toEqual([secret, old]);
    expect(await otherProcess.signing(id)).toBe(secret);
  });

  it('answers a retried rotation with the same Idempotency-Key with the same secret, rotating once', async () => {
    const { id, secret: old } = await createSupplier();
    const headers = { 'idempotency-key': `rotate-${id}` };

    const first = await admin.request(`/api/v1/suppliers/${id}/rotate-secret`, { method: 'POST', headers });
    const retry = await admin.request(`/api/v1/suppliers/${id}/rotate-secret`, { method: 'POST', headers });

    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    const rotated = (await first.json()) as { secret: string };
    expect(await retry.json()).toEqual(rotated);
    expect(await secrets.verifying(id, { fresh: true })).toEqual([rotated.secret, old]);
  });

  it('lets two concurrent rotations lose no secret: one wins, the other is a 409', async () => {
    const { id } = await createSupplier();

    const results = await Promise.allSettled([
      suppliers.rotateSecret(id, { actor: 'a' }),
      suppliers.rotateSecret(id, { actor: 'b' }),
    ]);

    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won.length).toBeGreaterThanOrEqual(1);
    const last = (won.at(-1) as PromiseFulfilledResult<{ secret: string }>).value.secret;
    expect(await secrets.signing(id)).toBe(last);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ status: 409 });
    }
  });

  it('changes only the fields sent; setting webhookUrl again enables a webhook a 410 disabled', async () => {
    const { id } = await createSupplier(supplierId(), { active: true, backorderPolicy: 'close_short' });
    await suppliers.disableWebhook(id, 'webhook answered 410 Gone');
    expect((await suppliers.get(id)).webhookStatus).toBe('disabled');

    const renamed = await admin.request(`/api/v1/suppliers/${id}`, json('PATCH', { name: 'Acme Ltd' }));
    expect(await renamed.json()).toMatchObject({
      name: 'Acme Ltd',
      backorderPolicy: 'close_short',
      webhookStatus: 'disabled',
    });
    const reset = await admin.request(
      `/api/v1/suppliers/${id}`,
      json('PATCH', { webhookUrl: 'http://127.0.0.1:9/new-webhook' }),
    );

    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({
      webhookUrl: 'http://127.0.0.1:9/new-webhook',
      webhookStatus: 'enabled',
      name: 'Acme Ltd',
    });
  });

  it('answers 404 for a supplier that does not exist', async () => {
    const id = supplierId();
    for (const [path, init] of [
      [`/api/v1/suppliers/${id}`, {}],
      [`/api/v1/suppliers/${id}`, json('PATCH', { name: 'x' })],
      [`/api/v1/suppliers/${id}/rotate-secret`, { method: 'POST' }],
      [`/api/v1/suppliers/${id}/items`, {}],
      [`/api/v1/suppliers/${id}/items/${newSku()}`, json('PUT', itemBody())],
    ] as const) {
      const response = await admin.request(path, init);
      expect(response.status, `${init.method ?? 'GET'} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    }
  });
});

describe('bad requests', () => {
  it('a bad supplier body is a 400 naming every wrong field, and creates nothing', async () => {
    const response = await admin.request(
      '/api/v1/suppliers',
      json('POST', {
        id: 'Not An Id',
        name: '',
        email: 'not-an-email',
        phone: '555-1234',
        webhookUrl: 'ftp://example.com/hook',
        currency: 'usd',
        leadTimeDays: -1,
      }),
    );

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    expect((await fieldsOf(response)).sort()).toEqual(
      ['currency', 'email', 'id', 'leadTimeDays', 'name', 'phone', 'webhookUrl'].sort(),
    );
    expect((await suppliers.list()).items.map((s) => s.id)).not.toContain('Not An Id');
  });

  it('a body that is not JSON, or an empty PATCH, is a 400', async () => {
    const { id } = await createSupplier();
    const malformed = await admin.request('/api/v1/suppliers', json('POST', '{"id": '));
    const empty = await admin.request(`/api/v1/suppliers/${id}`, json('PATCH', {}));
    const badKey = await admin.request(
      '/api/v1/suppliers',
      json('POST', supplierBody(supplierId()), {
        'idempotency-key': 'spaces are not allowed',
      }),
    );

    expect(malformed.status).toBe(400);
    expect(empty.status).toBe(400);
    expect(badKey.status).toBe(400);
    expect(await fieldsOf(badKey)).toEqual(['Idempotency-Key']);
  });

  it('a bad item is a 400 naming the fields', async () => {
    const { id } = await createSupplier();

    const response = await admin.request(
      `/api/v1/suppliers/${id}/items/${newSku()}`,
      json('PUT', {
        supplierSku: '',
        unitCost: { amount: -1, currency: 'USD' },
        packMultiple: 0,
        priceBreaks: [{ minQty: 0, unitCost: { amount: 10, currency: 'USD' } }],
      }),
    );

    expect(response.status).toBe(400);
    expect((await fieldsOf(response)).sort()).toEqual(
      ['packMultiple', 'priceBreaks.0.minQty', 'supplierSku', 'unitCost.amount'].sort(),
    );
  });

  it('a bad SKU or supplier id in the path is a 400', async () => {
    const response = await admin.request('/api/v1/suppliers/UPPER/items/lower-sku', json('PUT', itemBody()));
    expect(response.status).toBe(400);
    expect((await fieldsOf(response)).sort()).toEqual(['param.id', 'param.sku']);
  });
});

describe('supplier items', () => {
  it('creates (201), replaces (200), lists and deletes (204, twice) an item', async () => {
    const { id } = await createSupplier();
    const sku = newSku();

    const created = await admin.request(`/api/v1/suppliers/${id}/items/${sku}`, json('PUT', itemBody()));
    const replaced = await admin.request(
      `/api/v1/suppliers/${id}/items/${sku}`,
      json(
        'PUT',
        itemBody({
          packMultiple: 12,
          leadTimeDays: 3,
          priceBreaks: [{ minQty: 100, unitCost: { amount: 200, currency: 'USD' } }],
        }),
      ),
    );
    const listed = await admin.request(`/api/v1/suppliers/${id}/items`);

    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ supplierId: id, sku, minOrderQty: 1, packMultiple: 1 });
    expect(replaced.status).toBe(200);
    expect(await listed.json()).toMatchObject({
      items: [
        {
          sku,
          packMultiple: 12,
          leadTimeDays: 3,
          priceBreaks: [{ minQty: 100 }],
          performance: { promisedLeadTimeDays: 3, receipts: 0 },
        },
      ],
    });

    expect((await admin.request(`/api/v1/suppliers/${id}/items/${sku}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await admin.request(`/api/v1/suppliers/${id}/items/${sku}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect(await (await admin.request(`/api/v1/suppliers/${id}/items`)).json()).toEqual({ items: [] });
  });
});

describe('currencies', () => {
  it("refuses with 422 an item priced in another currency than the supplier's", async () => {
    const { id } = await createSupplier();

    const response = await admin.request(
      `/api/v1/suppliers/${id}/items/${newSku()}`,
      json(
        'PUT',
        itemBody({
          unitCost: { amount: 100, currency: 'EUR' },
          priceBreaks: [
            { minQty: 10, unitCost: { amount: 90, currency: 'USD' } },
            { minQty: 50, unitCost: { amount: 80, currency: 'EUR' } },
          ],
        }),
      ),
    );

    expect(response.status).toBe(422);
    expect(await fieldsOf(response)).toEqual(['unitCost.currency', 'priceBreaks.1.unitCost.currency']);
  });

  it("refuses with 422 to change a supplier's currency while items are priced in the old one", async () => {
    const sku = newSku();
    const id = await supplierSelling(sku);

    const refused = await admin.request(`/api/v1/suppliers/${id}`, json('PATCH', { currency: 'EUR' }));
    await admin.request(`/api/v1/suppliers/${id}/items/${sku}`, { method: 'DELETE' });
    const allowed = await admin.request(`/api/v1/suppliers/${id}`, json('PATCH', { currency: 'EUR' }));

    expect(refused.status).toBe(422);
    expect(await fieldsOf(refused)).toEqual(['currency']);
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({ currency: 'EUR' });
  });
});

describe('roles', () => {
  it('viewers read, managers buy, only admins rotate secrets', async () => {
    const { id } = await createSupplier();
    const api = createSupplierApi(
      () => suppliers,
      () => planner,
    );
    const viewer = signedIn(api, 'viewer');
    const manager = signedIn(api, 'manager');
    const warehouse = signedIn(api, 'warehouse');

    expect((await viewer.request(`/api/v1/suppliers/${id}`)).status).toBe(200);
    expect((await viewer.request('/api/v1/suppliers', json('POST', supplierBody(supplierId())))).status).toBe(
      403,
    );
    expect((await manager.request(`/api/v1/suppliers/${id}/rotate-secret`, { method: 'POST' })).status).toBe(
      403,
    );
    expect((await manager.request(`/api/v1/suppliers/${id}`, json('PATCH', { name: 'M' }))).status).toBe(200);
    expect(
      (
        await warehouse.request(
          `/api/v1/reorder-rules/${newSku()}`,
          json('PUT', { min: 1, max: 2, preferredSupplierId: id }),
        )
      ).status,
    ).toBe(403);
    expect((await api.request('/api/v1/suppliers')).status).toBe(401);
  });
});

describe('reorder rules', () => {
  it('refuses with 422 naming the field: an unknown supplier, one without an item for the SKU, a foreign currency', async () => {
    const sku = newSku();
    const sells = await supplierSelling(sku);
    const { id: sellsNothing } = await createSupplier();
    const put = (body: Record<string, unknown>) =>
      admin.request(`/api/v1/reorder-rules/${sku}`, json('PUT', { min: 10, max: 50, ...body }));

    const cases: [Record<string, unknown>, string][] = [
      [{ preferredSupplierId: supplierId() }, 'preferredSupplierId'],
      [{ preferredSupplierId: sellsNothing }, 'preferredSupplierId'],
      [{ preferredSupplierId: sells, fallbackSupplierId: sellsNothing }, 'fallbackSupplierId'],
      [{ preferredSupplierId: sells, fallbackSupplierId: supplierId() }, 'fallbackSupplierId'],
      [
        { preferredSupplierId: sells, approvalThreshold: { amount: 100, currency: 'EUR' } },
        'approvalThreshold.currency',
      ],
    ];
    for (const [body, field] of cases) {
      const response = await put(body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
      expect(await fieldsOf(response)).toEqual([field]);
    }
    expect(
      (await admin.request(`/api/v1/reorder-rules?sku=${sku}`).then((r) => r.json())) as unknown,
    ).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('a bad rule body is a 400 naming the field', async () => {
    const sku = newSku();
    const sells = await supplierSelling(sku);

    const maxBelowMin = await admin.request(
      `/api/v1/reorder-rules/${sku}`,
      json('PUT', { min: 10, max: 10, preferredSupplierId: sells }),
    );
    const sameFallback = await admin.request(
      `/api/v1/reorder-rules/${sku}`,
      json('PUT', { min: 1, max: 10, preferredSupplierId: sells, fallbackSupplierId: sells }),
    );
    const badTypes = await admin.request(
      `/api/v1/reorder-rules/${sku}`,
      json('PUT', { min: -1, max: 1.5, preferredSupplierId: sells, locationId: 'Main Hall' }),
    );

    expect(maxBelowMin.status).toBe(400);
    expect(await fieldsOf(maxBelowMin)).toEqual(['max']);
    expect(await fieldsOf(sameFallback)).toEqual(['fallbackSupplierId']);
    expect((await fieldsOf(badTypes)).sort()).toEqual(['locationId', 'max', 'min']);
  });

  it('creates (201) and replaces (200) a rule, at `main` by default, and lists it by SKU and by location', async () => {
    const sku = newSku();
    const sells = await supplierSelling(sku);

    const created = await admin.request(
      `/api/v1/reorder-rules/${sku}`,
      json('PUT', { min: 5, max: 40, preferredSupplierId: sells }),
    );
    const replaced = await admin.request(
      `/api/v1/reorder-rules/${sku}`,
      json('PUT', { min: 6, max: 40, multiple: 4, preferredSupplierId: sells }),
    );
    const atDock = await admin.request(
      `/api/v1/reorder-rules/${sku}`,
      json('PUT', { locationId: 'dock', min: 1, max: 3, preferredSupplierId: sells }),
    );

    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ sku, locationId: 'main', min: 5, max: 40, multiple: 1 });
    expect(replaced.status).toBe(200);
    expect(atDock.status).toBe(201);
    const bySku = (await (await admin.request(`/api/v1/reorder-rules?sku=${sku}`)).json()) as {
      items: { locationId: string; min: number; multiple: number }[];
    };
    expect(bySku.items.map((r) => [r.locationId, r.min, r.multiple])).toEqual([
      ['dock', 1, 1],
      ['main', 6, 4],
    ]);
    const one = await (await admin.request(`/api/v1/reorder-rules?sku=${sku}&locationId=dock`)).json();
    expect(one).toMatchObject({ items: [{ sku, locationId: 'dock' }], nextCursor: null });
  });

  it('pages through every rule with the cursor, and refuses a cursor of another listing', async () => {
    const sku = newSku();
    const sells = await supplierSelling(sku);
    for (const locationId of ['a1', 'a2', 'a3']) {
      await planner.putRule(
        sku,
        { locationId, min: 1, max: 5, multiple: 1, preferredSupplierId: sells },
        {
          correlationId: 'test',
        },
      );
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query = `sku=${sku}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await admin.request(`/api/v1/reorder-rules?${query}`)).json()) as {
        items: { locationId: string }[];
        nextCursor: string | null;
      };
      seen.push(...page.items.map((r) => r.locationId));
      cursor = page.nextCursor;
    } while (cursor);
    const first = (await (await admin.request(`/api/v1/reorder-rules?sku=${sku}&limit=1`)).json()) as {
      nextCursor: string;
    };
    const foreign = await admin.request(`/api/v1/reorder-rules?limit=1&cursor=${first.nextCursor}`);

    expect(seen).toEqual(['a1', 'a2', 'a3']);
    expect(foreign.status).toBe(400);
    expect(await fieldsOf(foreign)).toEqual(['cursor']);
  });

  it('deletes a rule (204, and again 204)', async () => {
    const sku = newSku();
    const sells = await supplierSelling(sku);
    await planner.putRule(
      sku,
      { locationId: 'main', min: 1, max: 5, multiple: 1, preferredSupplierId: sells },
      {
        correlationId: 'test',
      },
    );

    expect(
      (await admin.request(`/api/v1/reorder-rules/${sku}?locationId=main`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect((await admin.request(`/api/v1/reorder-rules/${sku}`, { method: 'DELETE' })).status).toBe(204);
    expect(await store.getRule(sku, 'main')).toBeUndefined();
  });
});

describe('the planner', () => {
  const rule = (preferredSupplierId: string, extra: Record<string, unknown> = {}) => ({
    min: 20,
    max: 100,
    preferredSupplierId,
    ...extra,
  });
  const putRule = async (sku: string, body: Record<string, unknown>) => {
    const response = await admin.request(`/api/v1/reorder-rules/${sku}`, json('PUT', body));
    expect(response.status).toBe(201);
    return response.json() as Promise<{ position?: Record<string, number> }>;
  };
  /** A manager's PO from another supplier, due in `days`: stock already on order. */
  const onOrder = async (sku: string, quantity: number, days: number) => {
    const other = await supplierSelling(sku);
    await pos.create(
      {
        supplierId: other,
        lines: [{ sku, quantity }],
        expectedBy: new Date(clock.getTime() + days * DAY_MS).toISOString(),
      },
      { actor: 'manager@azura.local' },
    );
  };

  it('ignores a level older than (or as old as) the one it knows: late and duplicate events are harmless', async () => {
    const sku = newSku();
    await putRule(sku, rule(await supplierSelling(sku)));

    const newest = await levelEvent(sku, 5, 50);
    const late = await levelEvent(sku, 3, 2);
    const duplicate = await levelEvent(sku, 5, 2);

    expect(newest.applied).toBe(true);
    expect(late.applied).toBe(false);
    expect(duplicate.applied).toBe(false);
    expect(await store.getLevel(sku, 'main')).toMatchObject({ available: 50, levelVersion: 5 });
    expect(await raisedFor(sku)).toEqual([]);
    const listed = (await (await admin.request(`/api/v1/reorder-rules?sku=${sku}`)).json()) as {
      items: { position: Record<string, number> }[];
    };
    expect(listed.items[0]!.position).toMatchObject({ available: 50, onOrder: 0, suggestedQuantity: 0 });
  });

  it('raises a PO for max − cover, rounded up to packs and the rule multiple, priced by the price break', async () => {
    const sku = newSku();
    const sells = await supplierSelling(
      sku,
      {},
      {
        packMultiple: 12,
        minOrderQty: 24,
        priceBreaks: [{ minQty: 96, unitCost: { amount: 200, currency: 'USD' } }],
      },
    );
    await putRule(sku, rule(sells, { multiple: 8, approvalThreshold: { amount: 50_000, currency: 'USD' } }));

    const { evaluation } = await levelEvent(sku, 1, 13);

    // need 100 − 13 = 87 → lcm(12, 8) = 24 → 96, which reaches the 96 break.
    expect(evaluation).toMatchObject({ outcome: 'raised', created: true });
    expect(await raisedFor(sku)).toEqual([
      {
        sku,
        locationId: 'main',
        supplierId: sells,
        supplierSku: 'ACME-1',
        quantity: 96,
        unitCost: { amount: 200, currency: 'USD' },
        leadTimeDays: 7,
        approvalThreshold: { amount: 50_000, currency: 'USD' },
      },
    ]);
  });

  it('counts stock on order within the lead time as cover (InvenTree #4904), not stock due later (OCA #582)', async () => {
    const sku = newSku();
    await putRule(sku, rule(await supplierSelling(sku)));
    await onOrder(sku, 30, 3); // arrives within the 7-day lead time: cover
    await onOrder(sku, 500, 30); // arrives long after it: not cover

    const covered = await levelEvent(sku, 1, 10);

    // 10 + 30 = 40 > min 20: nothing, although 10 alone is below it.
    expect(covered.evaluation).toEqual({ outcome: 'covered', cover: 40, min: 20 });
    expect(await raisedFor(sku)).toEqual([]);

    const short = await levelEvent(sku, 2, -15);

    // −15 + 30 = 15 ≤ 20: order 100 − 15 = 85; the 500 due in 30 days counts for nothing.
    expect(short.evaluation).toMatchObject({ outcome: 'raised', plan: { quantity: 85 } });
    const listed = (await (await admin.request(`/api/v1/reorder-rules?sku=${sku}`)).json()) as {
      items: { position: Record<string, number> }[];
    };
    // The PO just raised (7 days: within the horizon) is on order now, so nothing more is suggested.
    expect(listed.items[0]!.position).toMatchObject({
      available: -15,
      onOrder: 115,
      onOrderLater: 500,
      suggestedQuantity: 0,
    });
  });

  it('evaluates a rule at once when it is put: a SKU already below its min orders now, once', async () => {
    const sku = newSku();
    const sells = await supplierSelling(sku);
    await levelEvent(sku, 1, 4); // no rule yet: nothing

    const first = await putRule(sku, rule(sells));
    const again = await admin.request(`/api/v1/reorder-rules/${sku}`, json('PUT', rule(sells, { max: 90 })));

    expect(again.status).toBe(200);
    expect((await raisedFor(sku)).map((p) => p.quantity)).toEqual([96]);
    expect(first.position).toMatchObject({ available: 4, onOrder: 96, suggestedQuantity: 0 });
  });

  it('saves a rule even when its evaluation fails (purchase orders unreachable): the sweep retries it', async () => {
    const sku = newSku();
    const sells = await supplierSelling(sku);
    await levelEvent(sku, 1, 0);
    const unreachable = purchaseOrdersOver(unreachableStore());
    const offline = signedIn(
      createSupplierApi(
        () => suppliers,
        () => new ReorderPlanner(store, suppliers, () => unreachable, { now }),
      ),
    );

    const response = await offline.request(`/api/v1/reorder-rules/${sku}`, json('PUT', rule(sells)));

    expect(response.status).toBe(201);
    expect(await response.json()).not.toHaveProperty('position');
    expect(await store.getRule(sku, 'main')).toMatchObject({ min: 20, max: 100 });
    expect(await raisedFor(sku)).toEqual([]);
    await planner.sweep({ budgetMs: 60_000, correlationId: 'sweep-after-outage' });
    expect((await raisedFor(sku)).map((p) => p.quantity)).toEqual([100]);
  });

  it('raises one PO for concurrent duplicate events', async () => {
    const sku = newSku();
    await putRule(sku, rule(await supplierSelling(sku)));

    await Promise.all([
      levelEvent(sku, 1, 5),
      levelEvent(sku, 1, 5),
      levelEvent(sku, 2, 4),
      levelEvent(sku, 2, 4),
    ]);

    expect(await raisedFor(sku)).toHaveLength(1);
  });

  it('uses the preferred supplier, naming the fallback; the fallback when the preferred cannot take orders', async () => {
    const skuA = newSku();
    const skuB = newSku();
    const skuC = newSku();
    const preferred = await supplierSelling(skuA, {}, {});
    for (const sku of [skuB, skuC]) {
      await admin.request(`/api/v1/suppliers/${preferred}/items/${sku}`, json('PUT', itemBody()));
    }
    const fallback = await supplierSelling(skuA, { leadTimeDays: 2, currency: 'USD' });
    for (const sku of [skuB, skuC]) {
      await admin.request(
        `/api/v1/suppliers/${fallback}/items/${sku}`,
        json('PUT', itemBody({ supplierSku: 'FB-1' })),
      );
    }

    await putRule(skuA, rule(preferred, { fallbackSupplierId: fallback }));
    await levelEvent(skuA, 1, 0);
    expect(await raisedFor(skuA)).toMatchObject([
      { supplierId: preferred, fallbackSupplierId: fallback, leadTimeDays: 7 },
    ]);

    // The preferred's webhook answered 410: its POs go to the fallback (which has no fallback of its own).
    await suppliers.disableWebhook(preferred, '410 Gone');
    await putRule(skuB, rule(preferred, { fallbackSupplierId: fallback }));
    await levelEvent(skuB, 1, 0);
    const [planB] = await raisedFor(skuB);
    expect(planB).toMatchObject({ supplierId: fallback, supplierSku: 'FB-1', leadTimeDays: 2 });
    expect(planB!.fallbackSupplierId).toBeUndefined();

    // Neither can take orders: nothing (logged).
    await admin.request(`/api/v1/suppliers/${fallback}`, json('PATCH', { active: false }));
    await putRule(skuC, rule(preferred, { fallbackSupplierId: fallback }));
    expect((await levelEvent(skuC, 1, 0)).evaluation).toEqual({ outcome: 'no_supplier' });
    expect(await raisedFor(skuC)).toEqual([]);
  });

  it('orders nothing while a rule is snoozed, and again once the snooze is over', async () => {
    const sku = newSku();
    const sells = await supplierSelling(sku);
    await putRule(sku, rule(sells, { snoozedUntil: new Date(clock.getTime() + DAY_MS).toISOString() }));

    expect((await levelEvent(sku, 1, 0)).evaluation).toEqual({ outcome: 'snoozed' });
    clock = new Date(clock.getTime() + DAY_MS + 1000);
    expect((await levelEvent(sku, 2, 0)).evaluation).toMatchObject({ outcome: 'raised' });
  });

  it('sweeps every rule, and stops at its time budget', async () => {
    const skus = [newSku(), newSku()];
    for (const sku of skus) {
      await putRule(sku, rule(await supplierSelling(sku)));
      await store.applyLevel({
        sku,
        locationId: 'main',
        available: 1,
        onHand: 1,
        reserved: 0,
        incoming: 0,
        levelVersion: 1,
        asOf: clock.toISOString(),
      }); // as if its event's evaluation had failed
    }
    expect((await Promise.all(skus.map(raisedFor))).flat()).toEqual([]);

    const spent = await planner.sweep({ budgetMs: 0, correlationId: 'sweep-test' });
    const result = await planner.sweep({ budgetMs: 60_000, correlationId: 'sweep-test', pageSize: 2 });

    expect(spent).toMatchObject({ evaluated: 0, complete: false });
    expect(result.complete).toBe(true);
    expect(result.failed).toBe(0);
    expect(result.raised).toBeGreaterThanOrEqual(2);
    expect((await Promise.all(skus.map(raisedFor))).map((plans) => plans.length)).toEqual([1, 1]);
  });
});

describe('the handlers', () => {
  // The process-wide wiring (real suppliers, store and secrets), reaching this file's purchase
  // orders: the default ones would start real Step Functions executions.
  beforeAll(() => setPurchaseOrdering(() => pos));
  const context = {
    functionName: 'test',
    awsRequestId: 'req',
    getRemainingTimeInMillis: () => 60_000,
  } as Context;
  const sqsEvent = (bodies: string[]): SQSEvent => sqsEventOf(bodies, 'replenishment-stock-events');

  const changed = (sku: string, levelVersion: number, available: number) =>
    JSON.stringify(
      StockLevelChanged.create(
        {
          sku,
          locationId: 'main',
          movementId: ulid(),
          kind: 'commit',
          levelVersion,
          quantities: { onHand: available, reserved: 0, incoming: 0, safetyStock: 0, available },
        },
        { id: ulid(), correlationId: `order-${ulid()}` },
      ),
    );

  it('stock-events learns the level and raises the PO; a bad record alone is reported failed', async () => {
    const sku = newSku();
    await planner.putRule(
      sku,
      { locationId: 'main', min: 20, max: 100, multiple: 1, preferredSupplierId: await supplierSelling(sku) },
      { correlationId: 'test' },
    );
    const event = sqsEvent([
      changed(sku, 2, 8),
      '{"type":"StockLevelChanged","version":1}',
      changed(sku, 1, 90),
    ]);

    const result = await stockEvents(event, context, () => {});

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]!.messageId }] });
    expect(await store.getLevel(sku, 'main')).toMatchObject({ available: 8, levelVersion: 2 });
    expect((await raisedFor(sku)).map((p) => p.quantity)).toEqual([92]);
  });

  it('sweep evaluates the rules and says how it went', async () => {
    const sku = newSku();
    await planner.putRule(
      sku,
      { locationId: 'main', min: 5, max: 10, multiple: 1, preferredSupplierId: await supplierSelling(sku) },
      { correlationId: 'test' },
    );
    await store.applyLevel({
      sku,
      locationId: 'main',
      available: 0,
      onHand: 0,
      reserved: 0,
      incoming: 0,
      levelVersion: 1,
      asOf: new Date().toISOString(),
    });

    const result = await sweepHandler(undefined, context);

    expect(result).toMatchObject({ complete: true, failed: 0 });
    expect((await raisedFor(sku)).map((p) => p.quantity)).toEqual([10]);
  });
});
