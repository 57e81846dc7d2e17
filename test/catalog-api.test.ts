import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../lib/aws.ts';
import { app as serviceApp } from '../services/catalog/handlers/api.ts';
import { catalogService } from '../services/catalog/service.ts';
import { provisionFor, signedIn } from './support/env.ts';

/** The service's API as a signed-in admin sees it. */
const app = signedIn(serviceApp);

/** The catalog HTTP API against DynamoDB Local, through the same Hono app Lambda and Node serve. */

const uid = () => ulid().slice(-10);

function productBody(overrides: Record<string, unknown> = {}) {
  return {
    sku: `TEE-${uid()}`,
    name: 'Azure T-shirt',
    description: 'Organic cotton',
    category: `shirts-${uid()}`,
    price: { amount: 1999, currency: 'USD' },
    cost: { amount: 700, currency: 'USD' },
    reorderPoint: 10,
    safetyStock: 2,
    attributes: { colour: 'blue', size: 'M' },
    ...overrides,
  };
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await app.request(path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

async function createProduct(overrides: Record<string, unknown> = {}) {
  const created = await call('POST', '/api/v1/products', productBody(overrides));
  expect(created.status).toBe(201);
  return created.body;
}

async function listAll(query: string): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await call('GET', `/api/v1/products?${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    names.push(...page.body.items.map((p: { name: string }) => p.name));
    cursor = page.body.nextCursor;
    pages++;
  } while (cursor && pages < 20);
  return { names, pages };
}

beforeAll(async () => {
  await provisionFor([catalogService]);
});

describe('catalog API: products', () => {
  it('creates a product, reads it back and changes some of its fields, one version at a time', async () => {
    // Prepare
    const body = productBody();

    // Act
    const created = await call('POST', '/api/v1/products', body);
    const read = await call('GET', `/api/v1/products/${body.sku}`);
    const patched = await call('PATCH', `/api/v1/products/${body.sku}`, {
      price: { amount: 2499, currency: 'USD' },
    });

    // Assess
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/products/${body.sku}`);
    expect(created.body).toMatchObject({
      ...body,
      allowBackorder: false,
      imageKeys: [],
      status: 'active',
      version: 1,
      updatedBy: 'admin@azura.local',
      stock: { onHand: 0, reserved: 0, available: 0, incoming: 0 },
    });
    expect(read.body).toEqual(created.body);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ ...body, price: { amount: 2499, currency: 'USD' }, version: 2 });
    expect(patched.body.createdAt).toBe(created.body.createdAt);
  });

  it('applies a PATCH with If-Match only to the version the client read', async () => {
    const product = await createProduct();
    const path = `/api/v1/products/${product.sku}`;

    const stale = await call('PATCH', path, { name: 'Stale write' }, { 'if-match': '"0"' });
    const current = await call('PATCH', path, { name: 'Fresh write' }, { 'if-match': '"1"' });
    const sameAgain = await call('PATCH', path, { name: 'Fresh write' });

    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toBe('application/problem+json');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ name: 'Fresh write', version: 2 });
    // A patch that changes nothing is not a change: no new version.
    expect(sameAgain.body.version).toBe(2);
  });

  it('lists one category in name order, page by page with an opaque cursor', async () => {
    const category = `mugs-${uid()}`;
    for (const name of ['Echo mug', 'alpha mug', 'Delta mug', 'charlie mug', 'Bravo mug']) {
      await createProduct({ name, category });
    }

    const { names, pages } = await listAll(`category=${category}&limit=2`);

    expect(names).toEqual(['alpha mug', 'Bravo mug', 'charlie mug', 'Delta mug', 'Echo mug']);
    expect(pages).toBe(3);
  });

  it('searches name and SKU case-insensitively across categories, over several pages', async () => {
    const token = `zq${uid().toLowerCase()}`;
    await createProduct({ name: `Lamp ${token.toUpperCase()} large` });
    await createProduct({ name: `lamp ${token} small` });
    await createProduct({ name: `${token}-shade` });
    await createProduct({ sku: `LMP-${token.toUpperCase()}`, name: 'Lamp base' });
    await createProduct({ name: 'Lamp without the token' });

    const { names } = await listAll(`search=${token.toUpperCase()}&limit=2`);

    expect(names.sort()).toEqual(
      ['Lamp base', `Lamp ${token.toUpperCase()} large`, `lamp ${token} small`, `${token}-shade`].sort(),
    );
  });

  it('leaves archived products out of the listing unless asked, and still shows them by SKU', async () => {
    const category = `hats-${uid()}`;
    const kept = await createProduct({ category, name: 'Kept hat' });
    const archived = await createProduct({ category, name: 'Archived hat' });

    const deleted = await call('DELETE', `/api/v1/products/${archived.sku}`);
    const active = await listAll(`category=${category}`);
    const onlyArchived = await listAll(`category=${category}&status=archived`);
    const all = await listAll(`category=${category}&status=all`);
    const read = await call('GET', `/api/v1/products/${archived.sku}`);

    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ status: 'archived', version: 2 });
    expect(active.names).toEqual([kept.name]);
    expect(onlyArchived.names).toEqual([archived.name]);
    expect(all.names).toEqual([archived.name, kept.name]);
    expect(read.body).toMatchObject({ sku: archived.sku, status: 'archived' });
  });

  it('refuses a second product with the same SKU, but lets an archived SKU be created again', async () => {
    const body = productBody();
    await call('POST', '/api/v1/products', body);

    const duplicate = await call('POST', '/api/v1/products', { ...body, name: 'Another' });
    await call('DELETE', `/api/v1/products/${body.sku}`);
    const recreated = await call('POST', '/api/v1/products', { ...body, name: 'Back again' });

    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('content-type')).toBe('application/problem+json');
    expect(duplicate.body.detail).toContain(body.sku);
    expect(recreated.status).toBe(201);
    // Versions go on from the archived product, so consumers never see a version go backwards.
    expect(recreated.body).toMatchObject({ name: 'Back again', status: 'active', version: 3 });
  });

  it('answers a replayed Idempotency-Key with the first response and creates one product', async () => {
    const body = productBody();
    const key = `create-${uid()}`;

    const first = await call('POST', '/api/v1/products', body, { 'idempotency-key': key });
    const replay = await call('POST', '/api/v1/products', body, { 'idempotency-key': key });
    const otherBody = await call(
      'POST',
      '/api/v1/products',
      { ...body, name: 'Changed' },
      { 'idempotency-key': key },
    );
    const read = await call('GET', `/api/v1/products/${body.sku}`);

    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('location')).toBe(first.headers.get('location'));
    expect(otherBody.status).toBe(409);
    expect(otherBody.body.detail).toMatch(/Idempotency-Key/);
    expect(read.body).toMatchObject({ name: body.name, version: 1 });
  });

  it('keeps every field of concurrent patches: no lost update', async () => {
    // The bug this guards: read-modify-write without a version condition lets the last writer
    // silently drop the fields the others just changed.
    const product = await createProduct();
    const patches = [
      { name: 'Renamed' },
      { description: 'New text' },
      { reorderPoint: 42 },
      { safetyStock: 7 },
      { allowBackorder: true },
    ];

    const results = await Promise.all(
      patches.map((p) => call('PATCH', `/api/v1/products/${product.sku}`, p)),
    );
    const after = await call('GET', `/api/v1/products/${product.sku}`);

    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(after.body).toMatchObject({ ...Object.assign({}, ...patches), version: 1 + patches.length });
  });

  it('creates a SKU once when several clients create it at the same time', async () => {
    const body = productBody();

    const results = await Promise.all([1, 2, 3, 4].map(() => call('POST', '/api/v1/products', body)));

    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
  });

  it('runs concurrent requests with one Idempotency-Key once', async () => {
    const body = productBody();
    const key = `race-${uid()}`;

    const results = await Promise.all(
      [1, 2, 3].map(() => call('POST', '/api/v1/products', body, { 'idempotency-key': key })),
    );
    const read = await call('GET', `/api/v1/products/${body.sku}`);

    // The first runs; the others either replay its response or are told it is still running.
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    expect(results.some((r) => r.status === 409 && /Idempotency-Key/.test(r.body.detail))).toBe(
      results.some((r) => r.status === 409),
    );
    expect(read.body.version).toBe(1);
  });

  it('answers 404 for a SKU it does not have', async () => {
    const sku = `NONE-${uid()}`;
    for (const [method, body] of [['GET'], ['PATCH', { name: 'x' }], ['DELETE']] as const) {
      const response = await call(method, `/api/v1/products/${sku}`, body);
      expect(response.status, method).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('rejects invalid input on every route with a 400 naming the field, and changes nothing', async () => {
    // Prepare
    const product = await createProduct();
    const sku = product.sku as string;
    const bad = productBody();
    const cases: [
      method: string,
      path: string,
      body: unknown,
      field: string,
      headers?: Record<string, string>,
    ][] = [
      ['POST', '/api/v1/products', { ...bad, price: { amount: 19.99, currency: 'USD' } }, 'price.amount'],
      ['POST', '/api/v1/products', { ...bad, name: undefined }, 'name'],
      ['POST', '/api/v1/products', { ...bad, sku: 'lower-case' }, 'sku'],
      ['POST', '/api/v1/products', { ...bad, reorderPoint: -1 }, 'reorderPoint'],
      ['POST', '/api/v1/products', { ...bad, cost: { amount: 5, currency: 'EUR' } }, 'cost.currency'],
      ['POST', '/api/v1/products', { ...bad, attributes: { colour: ['blue'] } }, 'attributes.colour'],
      ['POST', '/api/v1/products', '{"sku": ', 'body'],
      ['POST', '/api/v1/products', bad, 'Idempotency-Key', { 'idempotency-key': 'not a key!' }],
      ['GET', '/api/v1/products?limit=500', undefined, 'query.limit'],
      ['GET', '/api/v1/products?status=deleted', undefined, 'query.status'],
      ['GET', '/api/v1/products?cursor=bm90LWEtY3Vyc29y', undefined, 'cursor'],
      ['GET', '/api/v1/products/not%20a%20sku', undefined, 'param.sku'],
      ['PATCH', `/api/v1/products/${sku}`, {}, '(root)'],
      ['PATCH', `/api/v1/products/${sku}`, { price: { amount: -5, currency: 'USD' } }, 'price.amount'],
      ['PATCH', `/api/v1/products/${sku}`, { cost: { amount: 5, currency: 'EUR' } }, 'cost.currency'],
      ['PATCH', `/api/v1/products/${sku}`, { sku: 'ANOTHER-SKU', name: 'Renamed' }, 'sku'],
      ['PATCH', `/api/v1/products/${sku}`, { name: 'x' }, 'header.if-match', { 'if-match': 'yesterday' }],
      ['DELETE', '/api/v1/products/bad%23sku', undefined, 'param.sku'],
      [
        'POST',
        `/api/v1/products/${sku}/images`,
        { contentType: 'image/gif', fileName: 'a.gif' },
        'contentType',
      ],
      ['POST', `/api/v1/products/${sku}/images`, { contentType: 'image/png' }, 'fileName'],
      ['POST', `/api/v1/products/${sku}/images/confirm`, {}, 'key'],
      ['POST', `/api/v1/products/${sku}/images/confirm`, { key: 'products/OTHER/x.png' }, 'key'],
      ['GET', `/api/v1/products/${sku}/images/..%2Fsecret`, undefined, 'param.imageId'],
    ];

    for (const [method, path, body, field, headers] of cases) {
      // Act
      const response = await call(method, path, body, headers);

      // Assess
      const label = `${method} ${path} → ${field}`;
      expect(response.status, label).toBe(400);
      expect(response.headers.get('content-type'), label).toBe('application/problem+json');
      expect(
        response.body.errors.map((e: { field: string }) => e.field),
        label,
      ).toContain(field);
    }
    const after = await call('GET', `/api/v1/products/${sku}`);
    expect(after.body).toEqual(product);
    const { Items } = await documentClient().send(
      new ScanCommand({
        TableName: process.env.CATALOG_TABLE,
        FilterExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `PRODUCT#${bad.sku}` },
      }),
    );
    expect(Items).toEqual([]);
  });
});
