import { beforeAll, describe, expect, it } from 'vitest';
import { DataApiSql } from '../lib/data-api.ts';
import type { Envelope } from '../lib/events.ts';
import { ProductCreated, ProductUpdated } from '../services/catalog/contract.ts';
import { OrderCompleted, OrderRejected, OrderReserved } from '../services/orders/contract.ts';
import { app as reportingApp } from '../services/reporting/handlers/api.ts';
import { ReadModel } from '../services/reporting/projection.ts';
import { Reports } from '../services/reporting/reports.ts';
import { reportingService } from '../services/reporting/service.ts';
import { StockLevelChanged } from '../services/stock/contract.ts';
import { provisionFor, signedIn } from './support/env.ts';

// The read model and its reports against a fixture worked out by hand: three products, their
// stock over three days, two orders. Every figure below is computed in the comments beside it.
const api = signedIn(reportingApp, 'manager');

const DAY = 86_400_000;
const now = new Date();
const dayAt = (offset: number) => {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12) + offset * DAY);
  return d.toISOString();
};
const day = (offset: number) => dayAt(offset).slice(0, 10);

const money = (amount: number) => ({ amount, currency: 'GBP' });
const product = (
  sku: string,
  name: string,
  category: string,
  cost: number,
  price: number,
  reorderPoint: number,
  version = 1,
) => ({
  sku,
  name,
  category,
  price: money(price),
  cost: money(cost),
  reorderPoint,
  safetyStock: 0,
  allowBackorder: false,
  status: 'active' as const,
  version,
});

let n = 0;
const meta = (occurredAt: string) => ({ id: `ev-${++n}`, correlationId: 'reporting-test', occurredAt });

/** A level change: `after` on hand, the movement's onHand delta, at `offset` days from today. */
const level = (
  sku: string,
  locationId: string,
  version: number,
  kind: 'receive' | 'adjust' | 'commit' | 'transfer_out' | 'transfer_in',
  delta: number,
  onHand: number,
  offset: number,
  reason?: string,
) =>
  StockLevelChanged.create(
    {
      sku,
      locationId,
      movementId: `mv-${sku}-${locationId}-${version}`,
      kind,
      levelVersion: version,
      quantities: { onHand, reserved: 0, incoming: 0, safetyStock: 0, available: onHand },
      reorderPoint: sku === 'RPT-C' ? 12 : sku === 'RPT-A' ? 10 : 5,
      deltas: { onHand: delta, reserved: 0, incoming: 0 },
      ...(reason ? { reason } : {}),
      actor: 'test',
    },
    meta(dayAt(offset)),
  );

const events: Envelope[] = [
  ProductCreated.create(product('RPT-A', 'Tee A', 'tees', 400, 1000, 10), meta(dayAt(-3))),
  ProductCreated.create(product('RPT-B', '=HYPERLINK("x")', 'mugs', 0, 500, 5), meta(dayAt(-3))),
  ProductCreated.create(product('RPT-C', 'Mug C', 'mugs', 250, 600, 12), meta(dayAt(-3))),
  // A's cost goes up to 450 (version 2).
  ProductUpdated.create(product('RPT-A', 'Tee A', 'tees', 450, 1000, 10, 2), meta(dayAt(-2))),
  // A: +20 (D-2), −3 damaged (D-1), −2 sold (D) → 15.
  level('RPT-A', 'main', 1, 'receive', 20, 20, -2),
  level('RPT-A', 'main', 2, 'adjust', -3, 17, -1, 'damaged'),
  level('RPT-A', 'main', 3, 'commit', -2, 15, 0),
  // B: +8 (D-1). C: +10 (D-1), then 4 moved from main to back (D).
  level('RPT-B', 'main', 1, 'receive', 8, 8, -1),
  level('RPT-C', 'main', 1, 'receive', 10, 10, -1),
  level('RPT-C', 'main', 2, 'transfer_out', -4, 6, 0),
  level('RPT-C', 'back', 1, 'transfer_in', 4, 4, 0),
  // Orders: o1 placed D-1 (2 × A), fulfilled D; o2 rejected D (9 × B asked, 8 available).
  OrderReserved.create(
    { orderId: 'o1', lines: [{ sku: 'RPT-A', quantity: 2 }], expiresAt: dayAt(1) },
    meta(dayAt(-1)),
  ),
  OrderCompleted.create(
    { orderId: 'o1', lines: [{ sku: 'RPT-A', quantity: 2 }], fulfilledAt: dayAt(0) },
    meta(dayAt(0)),
  ),
  OrderRejected.create(
    {
      orderId: 'o2',
      shortfalls: [{ sku: 'RPT-B', requested: 9, available: 8, reason: 'insufficient_stock' }],
    },
    meta(dayAt(0)),
  ),
];

const get = async (path: string) => {
  const res = await api.request(path);
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return res;
};
const json = async (path: string) => (await get(path)).json();

let readModel: ReadModel;

beforeAll(async () => {
  await provisionFor([reportingService]);
  readModel = new ReadModel(DataApiSql.fromEnv());
  for (const event of events) await readModel.apply(event as never);
}, 120_000);

describe('the reports, against a fixture computed by hand', () => {
  it('summary: totals, value at cost and retail, low and out, trends and recent orders', async () => {
    const s = await json('/api/v1/reports/summary');
    expect(s).toMatchObject({
      totalSkus: 3,
      totalUnitsOnHand: 33, // A 15 + B 8 + C 6 + 4
      inventoryValue: { amount: 9250, currency: 'GBP' }, // A 15 × 450 + B 8 × 0 + C 10 × 250
      retailValue: { amount: 25000, currency: 'GBP' }, // 15 × 1000 + 8 × 500 + 10 × 600
      productsWithoutCost: 1, // B
      lowStockCount: 1, // C: 10 available ≤ 12
      outOfStockCount: 0,
    });
    const trend = Object.fromEntries(s.movementTrend.map((m: { date: string }) => [m.date, m]));
    expect(trend[day(-2)]).toMatchObject({ inbound: 20, outbound: 0 });
    expect(trend[day(-1)]).toMatchObject({ inbound: 18, outbound: 3 }); // B 8 + C 10 in; A 3 damaged
    expect(trend[day(0)]).toMatchObject({ inbound: 0, outbound: 2 }); // the transfer is not in or out
    const value = Object.fromEntries(
      s.valueTrend.map((v: { date: string; value: number }) => [v.date, v.value]),
    );
    expect(value[day(-3)]).toBe(0);
    expect(value[day(-2)]).toBe(9000); // A 20 × 450
    expect(value[day(-1)]).toBe(10150); // A 17 × 450 + C 10 × 250
    expect(value[day(0)]).toBe(9250);
    expect(s.recentOrders.map((o: { orderId: string; status: string }) => [o.orderId, o.status])).toEqual([
      ['o2', 'REJECTED'],
      ['o1', 'FULFILLED'],
    ]);
    expect(s.dataAsOf).toBe(dayAt(0));
  });

  it('movements by reason, by day and for one location', async () => {
    const byReason = await json('/api/v1/reports/movements?groupBy=reason');
    expect(byReason.rows).toEqual([
      { group: 'commit', inbound: 0, outbound: 2, net: -2, movements: 1 },
      { group: 'damaged', inbound: 0, outbound: 3, net: -3, movements: 1 },
      { group: 'receive', inbound: 38, outbound: 0, net: 38, movements: 3 },
    ]);
    const back = await json('/api/v1/reports/movements?groupBy=type&locationId=back');
    expect(back.rows).toEqual([{ group: 'transfer_in', inbound: 4, outbound: 0, net: 4, movements: 1 }]);
    const mugs = await json(
      `/api/v1/reports/movements?groupBy=day&category=mugs&from=${day(-1)}&to=${day(-1)}`,
    );
    expect(mugs.rows).toEqual([{ group: day(-1), inbound: 18, outbound: 0, net: 18, movements: 2 }]);
  });

  it('stock levels now and as of a day', async () => {
    const nowRows = (await json('/api/v1/reports/stock-levels')).rows;
    expect(nowRows.map((r: Record<string, unknown>) => [r.sku, r.locationId, r.onHand, r.status])).toEqual([
      ['RPT-A', 'main', 15, 'in_stock'],
      ['RPT-B', 'main', 8, 'in_stock'],
      ['RPT-C', 'back', 4, 'low'],
      ['RPT-C', 'main', 6, 'low'],
    ]);
    const then = (await json(`/api/v1/reports/stock-levels?to=${day(-1)}`)).rows;
    expect(then.map((r: Record<string, unknown>) => [r.sku, r.locationId, r.onHand])).toEqual([
      ['RPT-A', 'main', 17],
      ['RPT-B', 'main', 8],
      ['RPT-C', 'main', 10],
    ]);
  });

  it('valuation by category and location, products without a cost flagged', async () => {
    const v = await json('/api/v1/reports/valuation');
    expect(v).toMatchObject({ currency: 'GBP', total: 9250, totalRetail: 25000 });
    expect(v.byCategory).toEqual([
      { category: 'tees', value: 6750, units: 15 },
      { category: 'mugs', value: 2500, units: 18 },
    ]);
    expect(v.byLocation).toEqual([
      { locationId: 'main', value: 8250, units: 29 }, // 6750 + 6 × 250 + 8 × 0
      { locationId: 'back', value: 1000, units: 4 },
    ]);
    expect(v.withoutCost).toEqual([{ sku: 'RPT-B', name: '=HYPERLINK("x")', onHand: 8 }]);
  });

  it('exports CSV with a header row, formula-safe', async () => {
    const res = await get('/api/v1/reports/stock-levels?format=csv');
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="stock-levels-.*\.csv"/);
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe('sku,name,category,locationId,onHand,reserved,available,reorderPoint,status');
    // The product named =HYPERLINK("x") is text, not a formula: apostrophe-prefixed and quoted.
    expect(lines[2]).toBe(`RPT-B,"'=HYPERLINK(""x"")",mugs,main,8,0,8,5,in_stock`);
  });

  it('is the same after every event is delivered again, in another order', async () => {
    const before = await json('/api/v1/reports/summary');
    const applied = [];
    for (const event of [...events].reverse()) applied.push(await readModel.apply(event as never));
    expect(applied.every((a) => a === false)).toBe(true);
    const after = await json('/api/v1/reports/summary');
    expect({ ...after, lagSeconds: 0 }).toEqual({ ...before, lagSeconds: 0 });
  });

  it('refuses a bad filter with a problem naming it', async () => {
    const res = await api.request('/api/v1/reports/movements?groupBy=year');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ field: 'query.groupBy' }] });
  });
  // Last: it provisions another database (and signing key) for this process.
  it('gives the same tables when the events arrive in the opposite order, on a fresh read model', async () => {
    const first = new Reports(DataApiSql.fromEnv());
    // Another database, fed the same events newest first.
    await provisionFor([reportingService]);
    const second = DataApiSql.fromEnv();
    const reversed = new ReadModel(second);
    for (const event of [...events].reverse()) await reversed.apply(event as never);
    const other = new Reports(second);
    const today = new Date();
    const strip = ({ lagSeconds: _lag, ...rest }: { lagSeconds: unknown }) => rest;
    expect(strip(await other.summary(today))).toEqual(strip(await first.summary(today)));
    for (const query of [{ format: 'json' as const }, { format: 'json' as const, to: day(-1) }]) {
      expect(strip(await other.stockLevels(query))).toEqual(strip(await first.stockLevels(query)));
      expect(strip(await other.valuation(query))).toEqual(strip(await first.valuation(query)));
    }
    const byDay = { format: 'json' as const, groupBy: 'day' as const };
    expect(strip(await other.movements(byDay))).toEqual(strip(await first.movements(byDay)));
  });
});
