import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE } from '../lib/http.ts';
import type { StockLedger } from '../services/stock/domain/stock.ts';
import { app as serviceApp } from '../services/stock/handlers/api.ts';
import { stockService } from '../services/stock/service.ts';
import { defaultLedger } from '../services/stock/store.ts';
import { seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { provisionFor, signedIn } from './support/env.ts';

/** The service's API as a signed-in admin sees it. */
const app = signedIn(serviceApp);

let ledger: StockLedger;

beforeAll(async () => {
  await provisionFor([stockService]);
  ledger = defaultLedger();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const movementCount = async (sku: string) => (await ledger.replayLedger(sku)).movements;

describe('GET /api/v1/stock/{sku}', () => {
  it('returns the levels per location with totals', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 12, safetyStock: 2 });

    const response = await app.request(`/api/v1/stock/${sku}`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      sku,
      totals: { onHand: 12, reserved: 0, available: 10, incoming: 0 },
      locations: [
        { locationId: 'main', onHand: 12, reserved: 0, incoming: 0, safetyStock: 2, available: 10 },
      ],
    });
  });

  it('answers 404 problem+json for a SKU stock does not know', async () => {
    const response = await app.request(`/api/v1/stock/${uniqueSku()}`);

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  });
});

describe('POST routes', () => {
  it('applies a request once per Idempotency-Key and answers the same response again', async () => {
    // Prepare
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const headers = { 'idempotency-key': uniqueSku('key') };
    const body = { delta: -3, reason: 'damaged', note: 'forklift' };

    // Act
    const first = await post(`/api/v1/stock/${sku}/adjustments`, body, headers);
    const second = await post(`/api/v1/stock/${sku}/adjustments`, body, headers);
    const different = await post(`/api/v1/stock/${sku}/adjustments`, { ...body, delta: -4 }, headers);

    // Assess
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    const firstBody = await first.json();
    expect(await second.json()).toEqual(firstBody);
    expect(firstBody).toMatchObject({
      movement: {
        kind: 'adjust',
        reason: 'damaged',
        note: 'forklift',
        actor: 'admin@azura.local',
        deltas: { onHand: -3 },
      },
      level: { onHand: 7, available: 7 },
    });
    expect(different.status).toBe(409);
    expect(different.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    expect(await movementCount(sku)).toBe(2);
  });

  it('scopes an Idempotency-Key to the caller: two users sending the same key make two movements', async () => {
    // Prepare
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const warehouse = signedIn(serviceApp, 'warehouse');
    const headers = { 'content-type': 'application/json', 'idempotency-key': uniqueSku('shared') };
    const body = JSON.stringify({ delta: 1, reason: 'found' });

    // Act
    const byAdmin = await app.request(`/api/v1/stock/${sku}/adjustments`, { method: 'POST', headers, body });
    const byWarehouse = await warehouse.request(`/api/v1/stock/${sku}/adjustments`, {
      method: 'POST',
      headers,
      body,
    });

    // Assess
    expect([byAdmin.status, byWarehouse.status]).toEqual([201, 201]);
    const actors = [byAdmin, byWarehouse].map(
      async (r) => (await r.json()) as { movement: { actor: string } },
    );
    expect(new Set((await Promise.all(actors)).map((r) => r.movement.actor)).size).toBe(2);
    expect((await ledger.getStock(sku)).totals).toMatchObject({ onHand: 12 });
    expect(await movementCount(sku)).toBe(3);
  });

  it('scopes an Idempotency-Key to the route: the same key on an adjustment and a receipt applies both', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const headers = { 'idempotency-key': uniqueSku('reused') };

    const adjusted = await post(
      `/api/v1/stock/${sku}/adjustments`,
      { delta: -2, reason: 'damaged' },
      headers,
    );
    const received = await post(`/api/v1/stock/${sku}/receipts`, { quantity: 5 }, headers);
    const replayed = await post(`/api/v1/stock/${sku}/receipts`, { quantity: 5 }, headers);

    expect([adjusted.status, received.status, replayed.status]).toEqual([201, 201, 201]);
    expect(await replayed.json()).toEqual(await received.json());
    expect((await ledger.getStock(sku)).totals).toMatchObject({ onHand: 13 });
    expect(await movementCount(sku)).toBe(3);
  });

  it('records counts, receipts and transfers as movements', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    await post('/api/v1/locations', { id: 'dock-2', name: 'Dock 2' });

    const count = await post(`/api/v1/stock/${sku}/counts`, { countedQuantity: 9 });
    const receipt = await post(`/api/v1/stock/${sku}/receipts`, { quantity: 5, reference: 'PO-7' });
    const transfer = await post(`/api/v1/stock/${sku}/transfers`, {
      fromLocationId: 'main',
      toLocationId: 'dock-2',
      quantity: 4,
    });

    expect([count.status, receipt.status, transfer.status]).toEqual([201, 201, 201]);
    expect(((await count.json()) as { level: { onHand: number } }).level.onHand).toBe(9);
    expect(((await receipt.json()) as { movement: { reference: string } }).movement.reference).toBe('PO-7');
    const stock = (await (await app.request(`/api/v1/stock/${sku}`)).json()) as {
      locations: { locationId: string; onHand: number }[];
    };
    expect(stock.locations.map((l) => [l.locationId, l.onHand]).sort()).toEqual([
      ['dock-2', 4],
      ['main', 10],
    ]);
    const check = await (await app.request(`/api/v1/stock/${sku}/ledger-check`)).json();
    expect(check).toMatchObject({ consistent: true, movements: 5 });
  });

  it('answers 422 problem+json with the shortfall when a transfer exceeds what is available', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 2 });
    await post('/api/v1/locations', { id: 'dock-3', name: 'Dock 3' });

    const response = await post(`/api/v1/stock/${sku}/transfers`, {
      fromLocationId: 'main',
      toLocationId: 'dock-3',
      quantity: 3,
    });

    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    expect(await response.json()).toMatchObject({
      status: 422,
      shortfalls: [{ sku, locationId: 'main', requested: 3, available: 2, reason: 'insufficient_stock' }],
    });
  });

  it('answers 422 when an adjustment would make onHand negative', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 2 });

    const response = await post(`/api/v1/stock/${sku}/adjustments`, { delta: -3, reason: 'lost' });

    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ onHand: 2, delta: -3 });
  });
});

describe('reserved stock', () => {
  it('answers 409 problem+json naming the reserved quantity when an adjustment would take onHand below it', async () => {
    // Prepare
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 15 });
    await ledger.reserve(uniqueSku('order'), [{ sku, quantity: 12 }]);

    // Act
    const response = await post(`/api/v1/stock/${sku}/adjustments`, { delta: -10, reason: 'lost' });

    // Assess
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 409, reserved: 12, onHand: 15, delta: -10, locationId: 'main' });
    expect(problem.detail).toContain('12 units are reserved for open orders; onHand cannot go below 12');
    expect((await ledger.getStock(sku)).totals).toMatchObject({ onHand: 15, reserved: 12 });
    expect(await movementCount(sku)).toBe(2);
  });

  it('records a count below what is reserved and shows the shortfall per location and in the totals', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 15 });
    await ledger.reserve(uniqueSku('order'), [{ sku, quantity: 12 }]);

    const count = await post(`/api/v1/stock/${sku}/counts`, { countedQuantity: 9 });
    const stock = await (await app.request(`/api/v1/stock/${sku}`)).json();

    expect(count.status).toBe(201);
    expect(await count.json()).toMatchObject({ level: { onHand: 9, reserved: 12, shortfall: 3 } });
    expect(stock).toMatchObject({
      totals: { onHand: 9, reserved: 12, shortfall: 3 },
      locations: [{ locationId: 'main', onHand: 9, reserved: 12, shortfall: 3 }],
    });
  });

  it('declares the 409 of an adjustment in the OpenAPI document', () => {
    const doc = serviceApp.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'stock', version: '1' } });

    const adjust = doc.paths?.['/api/v1/stock/{sku}/adjustments']?.post;
    expect(adjust?.responses?.['409']).toMatchObject({ description: expect.stringMatching(/reserved/) });
  });
});

describe('invalid requests', () => {
  const cases: [string, (sku: string) => string, unknown, string][] = [
    ['an adjustment of zero', (s) => `/api/v1/stock/${s}/adjustments`, { delta: 0, reason: 'lost' }, 'delta'],
    [
      'a fractional adjustment',
      (s) => `/api/v1/stock/${s}/adjustments`,
      { delta: 1.5, reason: 'lost' },
      'delta',
    ],
    ['an unknown reason', (s) => `/api/v1/stock/${s}/adjustments`, { delta: 1, reason: 'stolen' }, 'reason'],
    ['a negative count', (s) => `/api/v1/stock/${s}/counts`, { countedQuantity: -1 }, 'countedQuantity'],
    ['a receipt of nothing', (s) => `/api/v1/stock/${s}/receipts`, { quantity: 0 }, 'quantity'],
    [
      'a malformed location',
      (s) => `/api/v1/stock/${s}/receipts`,
      { quantity: 1, locationId: 'Main!' },
      'locationId',
    ],
    [
      'a transfer to the same location',
      (s) => `/api/v1/stock/${s}/transfers`,
      { fromLocationId: 'main', toLocationId: 'main', quantity: 1 },
      'toLocationId',
    ],
    [
      'a transfer without quantity',
      (s) => `/api/v1/stock/${s}/transfers`,
      { fromLocationId: 'main', toLocationId: 'east' },
      'quantity',
    ],
    ['a body that is not JSON', (s) => `/api/v1/stock/${s}/adjustments`, '{"delta": ', 'body'],
    ['a malformed SKU in the path', () => '/api/v1/stock/not-a-sku/receipts', { quantity: 1 }, 'param.sku'],
    ['a malformed location id', () => '/api/v1/locations', { id: 'No Spaces', name: 'X' }, 'id'],
    ['a location without name', () => '/api/v1/locations', { id: 'west' }, 'name'],
  ];

  it.each(cases)(
    'answers 400 problem+json naming the field for %s, changing nothing',
    async (_, path, body, field) => {
      // Prepare
      const sku = uniqueSku();
      await seedProduct(ledger, sku, { onHand: 5 });
      const locationsBefore = await ledger.listLocations();

      // Act
      const response = await post(path(sku), body);

      // Assess
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
      const problem = (await response.json()) as { errors: { field: string }[] };
      expect(problem.errors.map((e) => e.field)).toContain(field);
      expect(await movementCount(sku)).toBe(1);
      expect(await ledger.listLocations()).toEqual(locationsBefore);
    },
  );

  it('answers 400 naming the field for a malformed Idempotency-Key or movements query', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 5 });

    const badKey = await post(
      `/api/v1/stock/${sku}/receipts`,
      { quantity: 1 },
      { 'idempotency-key': 'no spaces' },
    );
    const badLimit = await app.request(`/api/v1/stock/${sku}/movements?limit=0`);
    const badCursor = await app.request(`/api/v1/stock/${sku}/movements?cursor=garbage`);

    expect([badKey.status, badLimit.status, badCursor.status]).toEqual([400, 400, 400]);
    expect(JSON.stringify(await badKey.json())).toMatch(/idempotency-key/i);
    expect(JSON.stringify(await badLimit.json())).toContain('query.limit');
    expect(JSON.stringify(await badCursor.json())).toContain('cursor');
    expect(await movementCount(sku)).toBe(1);
  });
});

describe('ledger and locations', () => {
  it('pages the ledger newest first', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 1 });
    for (const delta of [1, 2]) await post(`/api/v1/stock/${sku}/adjustments`, { delta, reason: 'found' });

    const first = (await (await app.request(`/api/v1/stock/${sku}/movements?limit=2`)).json()) as {
      items: { deltas: { onHand: number } }[];
      nextCursor: string;
    };
    const second = (await (
      await app.request(`/api/v1/stock/${sku}/movements?limit=2&cursor=${first.nextCursor}`)
    ).json()) as { items: { kind: string }[]; nextCursor: string | null };

    expect(first.items.map((m) => m.deltas.onHand)).toEqual([2, 1]);
    expect(second).toMatchObject({ items: [{ kind: 'receive' }], nextCursor: null });
  });

  it('lists main and the created locations; re-creating one with another name is a 409', async () => {
    const created = await post('/api/v1/locations', { id: 'north', name: 'North store' });
    const again = await post('/api/v1/locations', { id: 'north', name: 'North store' });
    const renamed = await post('/api/v1/locations', { id: 'north', name: 'Elsewhere' });
    const list = (await (await app.request('/api/v1/locations')).json()) as { items: { id: string }[] };

    expect([created.status, again.status, renamed.status]).toEqual([201, 201, 409]);
    expect(list.items.map((l) => l.id)).toEqual(expect.arrayContaining(['main', 'north']));
  });

  it('documents every route in the OpenAPI document', () => {
    const doc = serviceApp.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'stock', version: '1' } });

    expect(Object.keys(doc.paths ?? {}).sort()).toEqual([
      '/api/v1/locations',
      '/api/v1/stock/{sku}',
      '/api/v1/stock/{sku}/adjustments',
      '/api/v1/stock/{sku}/counts',
      '/api/v1/stock/{sku}/ledger-check',
      '/api/v1/stock/{sku}/locations/{locationId}/thresholds',
      '/api/v1/stock/{sku}/movements',
      '/api/v1/stock/{sku}/receipts',
      '/api/v1/stock/{sku}/transfers',
    ]);
    expect(Object.keys(doc.components?.schemas ?? {})).toEqual(
      expect.arrayContaining(['StockAdjustment', 'StockTransfer', 'Movement', 'Stock', 'Problem']),
    );
  });
});
