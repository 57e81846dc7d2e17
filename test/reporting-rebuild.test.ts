import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../lib/aws.ts';
import { DataApiSql } from '../lib/data-api.ts';
import type { Runtime } from '../local/runtime.ts';
import { catalogService } from '../services/catalog/service.ts';
import { ordersService } from '../services/orders/service.ts';
import { fulfilled, placed, sendMessage } from '../services/orders/testing.ts';
import type { Summary } from '../services/reporting/contract.ts';
import {
  levelEvents,
  orderEvents,
  productEvents,
  type RebuildSources,
  rebuildReadModel,
} from '../services/reporting/rebuild.ts';
import { reportingService } from '../services/reporting/service.ts';
import { stockService } from '../services/stock/service.ts';
import { azura, runtimeFileIn, tempDataDir } from './support/cli.ts';
import { authHeader, eventually } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// The read model rebuilt from the services' own data on the local runtime: products, stock
// changes and orders made through the APIs and the order platform's queue reach the reports by
// events; the read model is emptied; the rebuild (the function, then the CLI) gives the same
// reports again. A dry run changes nothing.
let runtime: Runtime;
let dataDir: string;
let sources: RebuildSources;
const sql = () => DataApiSql.fromEnv();

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(await authHeader('admin')) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
};

const REPORTS = [
  '/api/v1/reports/summary',
  '/api/v1/reports/movements?groupBy=reason',
  '/api/v1/reports/movements?groupBy=type',
  '/api/v1/reports/movements?groupBy=day',
  '/api/v1/reports/stock-levels',
  '/api/v1/reports/valuation',
];

/** Every report, without its freshness (when the events were applied differs by nature). */
const reports = async () => {
  const all: Record<string, unknown> = {};
  for (const path of REPORTS) {
    const { dataAsOf: _d, lagSeconds: _l, ...report } = await call('GET', path);
    all[path] = report;
  }
  return all;
};

/** Empties the read model as a lost database would be (schema_migrations stays). */
const emptyEverything = async () => {
  await sql().execute(
    `TRUNCATE fact_movement, level_current, fact_level_daily, fact_order_line, fact_reservation_event,
       order_close, dim_product, dim_location, dim_date, fact_po_line, fact_receipt, dim_supplier, processed_event`,
  );
};

const product = (sku: string, name: string, cost: number) => ({
  sku,
  name,
  category: 'rebuild',
  price: { amount: cost * 2, currency: 'GBP' },
  cost: { amount: cost, currency: 'GBP' },
  reorderPoint: 5,
});

const orderStatus = async (orderId: string) => {
  const res = await fetch(`${runtime.url}/api/v1/orders/${orderId}`, { headers: await authHeader() });
  return res.ok ? ((await res.json()) as { status: string }).status : undefined;
};

let live: Record<string, unknown>;
const suffix = ulid().slice(-8);
const lamp = `RB-LAMP-${suffix}`;
const desk = `RB-DESK-${suffix}`;
const gone = `RB-GONE-${suffix}`;

beforeAll(async () => {
  dataDir = tempDataDir();
  runtime = await startTestRuntime([catalogService, stockService, ordersService, reportingService], {
    dataDir,
  });
  const table = (name: string) => runtime.provisioned.tables.find((t) => t.logicalName === name)!.tableName;
  sources = {
    client: documentClient(),
    tables: { catalog: table('catalog'), stock: table('stock'), orders: table('orders') },
  };

  for (const [sku, name, cost] of [
    [lamp, 'Rebuild lamp', 800],
    [desk, 'Rebuild desk', 5000],
    [gone, 'Rebuild archived', 100],
  ] as const) {
    await call('POST', '/api/v1/products', product(sku, name, cost));
  }
  await call('PATCH', `/api/v1/products/${desk}`, { name: 'Rebuild desk, oak' });
  await call('DELETE', `/api/v1/products/${gone}`);
  for (const sku of [lamp, desk]) {
    await eventually(
      async () => (await fetch(`${runtime.url}/api/v1/stock/${sku}`, { headers: await authHeader() })).ok,
    );
  }
  await call('POST', `/api/v1/stock/${lamp}/receipts`, { quantity: 30 });
  await call('POST', `/api/v1/stock/${lamp}/adjustments`, { delta: -4, reason: 'damaged' });
  await call('POST', `/api/v1/stock/${desk}/receipts`, { quantity: 10 });
  await call('POST', `/api/v1/stock/${desk}/adjustments`, { delta: 2, reason: 'found' });

  // One order fulfilled (reserve, then commit), one rejected (lost sales).
  const inbound = runtime.provisioned.queues.find((q) => q.name === 'orders-inbound')!.url;
  const shipped = `ORD-${ulid()}`;
  const refused = `ORD-${ulid()}`;
  await sendMessage(inbound, placed(shipped, [{ sku: lamp, quantity: 3 }]));
  await eventually(async () => (await orderStatus(shipped)) === 'RESERVED', 30_000);
  await sendMessage(inbound, fulfilled(shipped));
  await sendMessage(inbound, placed(refused, [{ sku: desk, quantity: 50 }]));
  await eventually(async () => (await orderStatus(shipped)) === 'FULFILLED', 30_000);
  await eventually(async () => (await orderStatus(refused)) === 'REJECTED', 30_000);

  // Everything has reached the read model: the units, both orders' ends, the archived product.
  await eventually(async () => {
    const s = (await call('GET', '/api/v1/reports/summary')) as Summary;
    const statuses = Object.fromEntries(s.recentOrders.map((o) => [o.orderId, o.status]));
    return (
      s.totalUnitsOnHand === 23 + 12 &&
      s.totalReserved === 0 &&
      s.totalSkus === 2 &&
      statuses[shipped] === 'FULFILLED' &&
      statuses[refused] === 'REJECTED'
    );
  }, 30_000);
  live = await reports();
}, 180_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('rebuilding the reporting read model', () => {
  it('gives back, from the services’ data, the reports the live events built', async () => {
    expect((live['/api/v1/reports/movements?groupBy=reason'] as { rows: unknown[] }).rows).toEqual(
      expect.arrayContaining([
        { group: 'damaged', inbound: 0, outbound: 4, net: -4, movements: 1 },
        { group: 'found', inbound: 2, outbound: 0, net: 2, movements: 1 },
      ]),
    );

    const liveSummary = live['/api/v1/reports/summary'] as Summary;
    expect(liveSummary).toMatchObject({ totalSkus: 2, totalUnitsOnHand: 35 });
    expect(liveSummary.recentOrders.map((o) => o.status).sort()).toEqual(['FULFILLED', 'REJECTED']);

    await emptyEverything();
    const empty = (await call('GET', '/api/v1/reports/summary')) as Summary;
    expect(empty).toMatchObject({ totalSkus: 0, totalUnitsOnHand: 0, recentOrders: [], dataAsOf: null });

    const result = await rebuildReadModel(sql(), sources, { batchSize: 7 });
    expect(result.dryRun).toBe(false);
    expect(result.read).toMatchObject({ products: 3, levels: 2, orders: 2 });
    expect(result.events).toMatchObject({
      ProductCreated: 3,
      ProductDeleted: 1,
      OrderReserved: 1,
      OrderCompleted: 1,
      OrderRejected: 1,
      OrderReleased: 0,
    });
    expect(result.events.StockLevelChanged).toBe(result.read.movements);
    expect(result.applied).toBe(Object.values(result.events).reduce((a, b) => a + b, 0));
    expect(result.versionMismatches).toEqual([]);

    expect(await reports()).toEqual(live);
    const summary = (await call('GET', '/api/v1/reports/summary')) as Summary;
    expect(summary.dataAsOf).not.toBeNull();
  });

  it('counts only on a dry run: the read model is left as it is', async () => {
    await emptyEverything();
    const result = await rebuildReadModel(sql(), sources, { dryRun: true });
    expect(result).toMatchObject({ dryRun: true, applied: 0, truncated: [] });
    expect(result.events.ProductCreated).toBe(3);
    expect(result.events.StockLevelChanged).toBeGreaterThan(0);
    const summary = (await call('GET', '/api/v1/reports/summary')) as Summary;
    expect(summary).toMatchObject({ totalSkus: 0, totalUnitsOnHand: 0, dataAsOf: null });
  });

  it('runs as `npx azura reporting rebuild`: a dry run, a "no", then --yes rebuilds', async () => {
    const file = runtimeFileIn(dataDir);
    await emptyEverything();

    const dry = await azura(['reporting', 'rebuild', '--dry-run', '--json', '--runtime-file', file]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json()).toMatchObject({ dryRun: true, rebuilt: false, events: { ProductCreated: 3 } });
    expect(((await call('GET', '/api/v1/reports/summary')) as Summary).totalSkus).toBe(0);

    const no = await azura(['reporting', 'rebuild', '--runtime-file', file], 'n\n');
    expect(no.code).toBe(1);
    expect(no.stdout).toContain('Nothing changed.');
    expect(((await call('GET', '/api/v1/reports/summary')) as Summary).totalSkus).toBe(0);

    const done = await azura(['reporting', 'rebuild', '--yes', '--runtime-file', file]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('Rebuilt the reporting read model');
    expect(done.stdout).toMatch(/StockLevelChanged\s+\d+/);
    expect(done.stdout).toMatch(/in \d+\.\d s\./);
    expect(await reports()).toEqual(live);

    // Again, over what it built: the same tables (it empties them first).
    const again = await azura(['reporting', 'rebuild', '--yes', '--json', '--runtime-file', file]);
    expect(again.code, again.stderr).toBe(0);
    expect(await reports()).toEqual(live);
  });
});

describe('the synthetic events', () => {
  const q = (onHand: number, reserved = 0) => ({
    onHand,
    reserved,
    incoming: 0,
    safetyStock: 1,
    available: onHand - reserved - 1,
  });
  const movement = (
    id: string,
    at: string,
    after: ReturnType<typeof q>,
    onHand: number,
    reason?: string,
  ) => ({
    id,
    sku: 'RB-1',
    locationId: 'main',
    kind: 'adjust',
    deltas: { onHand, reserved: 0, incoming: 0 },
    after,
    at,
    actor: 'u1',
    ...(reason ? { reason } : {}),
  });

  it("number a level's movements by time to end on its version; deltas are what the level moved", () => {
    const movements = [
      // Given out of order; a ledger-repair correction records zero deltas but moved the level.
      movement('01B', '2026-12-02T10:00:00.000Z', q(7), 0, 'correction'),
      movement('01A', '2026-12-01T10:00:00.000Z', q(10), 10),
      movement('01C', '2026-12-03T10:00:00.000Z', q(5), -2, 'damaged'),
    ];
    const { events, versionMatches } = levelEvents(
      { sku: 'RB-1', locationId: 'main', version: 3, reorderPoint: 4 },
      movements,
    );
    expect(versionMatches).toBe(true);
    expect(
      events.map((e) => [e.id, e.occurredAt, e.data.levelVersion, e.data.deltas?.onHand, e.data.reason]),
    ).toEqual([
      ['rebuild:StockLevelChanged:01A:RB-1:main', '2026-12-01T10:00:00.000Z', 1, 10, undefined],
      ['rebuild:StockLevelChanged:01B:RB-1:main', '2026-12-02T10:00:00.000Z', 2, -3, 'correction'],
      ['rebuild:StockLevelChanged:01C:RB-1:main', '2026-12-03T10:00:00.000Z', 3, -2, 'damaged'],
    ]);
    expect(events[2]!.data).toMatchObject({ quantities: q(5), reorderPoint: 4, actor: 'u1', kind: 'adjust' });

    // A level whose version is ahead of its movements: still ends on it, and says so.
    const shifted = levelEvents({ sku: 'RB-1', locationId: 'main', version: 5 }, movements);
    expect(shifted.versionMatches).toBe(false);
    expect(shifted.events.map((e) => e.data.levelVersion)).toEqual([3, 4, 5]);
  });

  it('rebuild an archived product as its last snapshot, then its deletion', () => {
    const item = {
      sku: 'RB-2',
      name: 'Gone',
      category: 'c',
      price: { amount: 2, currency: 'GBP' },
      cost: { amount: 1, currency: 'GBP' },
      reorderPoint: 0,
      safetyStock: 0,
      allowBackorder: false,
      status: 'archived',
      version: 4,
      updatedAt: '2026-12-01T00:00:00.000Z',
    };
    expect(productEvents(item).map((e) => [e.type, e.data.version, e.occurredAt])).toEqual([
      ['ProductCreated', 3, '2026-12-01T00:00:00.000Z'],
      ['ProductDeleted', 4, '2026-12-01T00:00:00.000Z'],
    ]);
    expect(productEvents({ ...item, status: 'active' }).map((e) => [e.type, e.data.version])).toEqual([
      ['ProductCreated', 4],
    ]);
  });

  it("follow an order's history, at its times; placeholders give none", () => {
    const order = {
      orderId: 'ORD-1',
      placed: true,
      lines: [{ sku: 'RB-1', quantity: 2 }],
      holdSeconds: 60,
      history: [
        { status: 'PENDING', at: '2026-12-01T00:00:00.000Z' },
        { status: 'RESERVED', at: '2026-12-01T00:00:01.000Z' },
        { status: 'EXPIRED', at: '2026-12-01T00:01:01.000Z' },
      ],
      releaseReason: 'expired' as const,
    };
    expect(orderEvents(order).map((e) => [e.type, e.id, e.occurredAt])).toEqual([
      ['OrderReserved', 'rebuild:OrderReserved:ORD-1', '2026-12-01T00:00:01.000Z'],
      ['OrderReleased', 'rebuild:OrderReleased:ORD-1', '2026-12-01T00:01:01.000Z'],
    ]);
    expect(orderEvents({ ...order, placed: false })).toEqual([]);
  });
});
