import { beforeAll, describe, expect, it } from 'vitest';
import { DataApiSql } from '../lib/data-api.ts';
import type { Envelope } from '../lib/events.ts';
import { ProductCreated } from '../services/catalog/contract.ts';
import { OrderCompleted, OrderRejected, OrderReserved } from '../services/orders/contract.ts';
import {
  PurchaseOrderCreated,
  PurchaseOrderReceiptRecorded,
  PurchaseOrderRejected,
} from '../services/replenishment/contract.ts';
import { app as reportingApp } from '../services/reporting/handlers/api.ts';
import { ReadModel } from '../services/reporting/projection.ts';
import { reportingService } from '../services/reporting/service.ts';
import { ReservationExpired, StockLevelChanged } from '../services/stock/contract.ts';
import { provisionFor, signedIn } from './support/env.ts';

// The analysis reports against a fixture worked out by hand: three products, their stock and
// sales over the last days, orders placed and rejected, reservations expired, two suppliers'
// purchase orders. Every figure below is computed in the comments beside it. "D" is today (UTC),
// D-n n days before; the period of most checks is D-9 … D (10 days).
const api = signedIn(reportingApp, 'viewer');

const DAY = 86_400_000;
const now = new Date();
const dayAt = (offset: number, hour = 12) =>
  new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour) + offset * DAY,
  ).toISOString();
const day = (offset: number) => dayAt(offset).slice(0, 10);

const money = (amount: number) => ({ amount, currency: 'GBP' });
const product = (sku: string, name: string, category: string, cost: number, price: number) => ({
  sku,
  name,
  category,
  price: money(price),
  cost: money(cost),
  reorderPoint: 4,
  safetyStock: 0,
  allowBackorder: false,
  status: 'active' as const,
  version: 1,
});

let n = 0;
const meta = (occurredAt: string) => ({ id: `ev-${++n}`, correlationId: 'analysis-test', occurredAt });

/** A level change at `at`: on hand and reserved after, the onHand/reserved deltas; available = onHand − reserved − safety. */
const level = (
  sku: string,
  locationId: string,
  version: number,
  kind: 'receive' | 'commit' | 'reserve',
  delta: { onHand: number; reserved?: number },
  after: { onHand: number; reserved?: number; safety?: number },
  at: string,
) => {
  const reserved = after.reserved ?? 0;
  const safety = after.safety ?? 0;
  return StockLevelChanged.create(
    {
      sku,
      locationId,
      movementId: `mv-${sku}-${locationId}-${version}`,
      kind,
      levelVersion: version,
      quantities: {
        onHand: after.onHand,
        reserved,
        incoming: 0,
        safetyStock: safety,
        available: after.onHand - reserved - safety,
      },
      reorderPoint: 4,
      deltas: { onHand: delta.onHand, reserved: delta.reserved ?? 0, incoming: 0 },
      actor: 'test',
    },
    meta(at),
  );
};

const po = (
  id: string,
  supplierId: string,
  sku: string,
  quantity: number,
  cost: number,
  created: number,
  expected: number,
) =>
  PurchaseOrderCreated.create(
    {
      purchaseOrderId: id,
      supplierId,
      locationId: 'main',
      origin: 'manual',
      lines: [{ sku, quantity, unitCost: money(cost) }],
      total: money(quantity * cost),
      expectedBy: dayAt(expected),
    },
    meta(dayAt(created)),
  );
const receipt = (
  id: string,
  purchaseOrderId: string,
  supplierId: string,
  sku: string,
  quantity: number,
  at: number,
  leadTimeDays: number,
  onTime: boolean,
  status: 'RECEIVED' | 'PARTIALLY_RECEIVED',
) =>
  PurchaseOrderReceiptRecorded.create(
    {
      purchaseOrderId,
      supplierId,
      locationId: 'main',
      receiptId: id,
      lines: [{ sku, quantity, unitCost: money(100) }],
      status,
      leadTimeDays,
      onTime,
    },
    meta(dayAt(at)),
  );
const placed = (orderId: string, sku: string, quantity: number, at: number) =>
  OrderReserved.create({ orderId, lines: [{ sku, quantity }], expiresAt: dayAt(at + 1) }, meta(dayAt(at)));
const completed = (orderId: string, sku: string, quantity: number, at: number) =>
  OrderCompleted.create(
    { orderId, lines: [{ sku, quantity }], fulfilledAt: dayAt(at, 13) },
    meta(dayAt(at, 13)),
  );
const rejected = (orderId: string, sku: string, requested: number, at: number) =>
  OrderRejected.create(
    { orderId, shortfalls: [{ sku, requested, available: 0, reason: 'insufficient_stock' }] },
    meta(dayAt(at)),
  );
const expired = (reservationId: string, lines: { sku: string; quantity: number }[], at: number) =>
  ReservationExpired.create({ reservationId, lines }, meta(dayAt(at)));

const events: Envelope[] = [
  ProductCreated.create(product('ANL-A', 'Tee', 'tees', 100, 300), meta(dayAt(-130))),
  ProductCreated.create(product('ANL-B', 'Mug', 'mugs', 50, 150), meta(dayAt(-130))),
  ProductCreated.create(product('ANL-C', '=Poster', 'posters', 200, 500), meta(dayAt(-130))),
  // A at main, safety stock 5 (available = onHand − 5):
  //   D-20 +30 → 30 (avail 25); D-5 sold 10 → 20 (15); D-3 sold 20 → 0 (−5: out);
  //   D-1 +15 → 15 (10); D sold 12 → 3 (−2: out again, on the safety stock alone).
  level('ANL-A', 'main', 1, 'receive', { onHand: 30 }, { onHand: 30, safety: 5 }, dayAt(-20)),
  level('ANL-A', 'main', 2, 'commit', { onHand: -10 }, { onHand: 20, safety: 5 }, dayAt(-5)),
  level('ANL-A', 'main', 3, 'commit', { onHand: -20 }, { onHand: 0, safety: 5 }, dayAt(-3)),
  level('ANL-A', 'main', 4, 'receive', { onHand: 15 }, { onHand: 15, safety: 5 }, dayAt(-1)),
  level('ANL-A', 'main', 5, 'commit', { onHand: -12 }, { onHand: 3, safety: 5 }, dayAt(0)),
  // B at main: D-9 +10 → 10; D-2 09:00 sold 10 → 0 (out), D-2 15:00 +6 → 6 (back the same day).
  level('ANL-B', 'main', 1, 'receive', { onHand: 10 }, { onHand: 10 }, dayAt(-9)),
  level('ANL-B', 'main', 2, 'commit', { onHand: -10 }, { onHand: 0 }, dayAt(-2, 9)),
  level('ANL-B', 'main', 3, 'receive', { onHand: 6 }, { onHand: 6 }, dayAt(-2, 15)),
  // B at back: D-4 +5 → 5; D-1 all 5 reserved → available 0 (out, on hand unchanged).
  level('ANL-B', 'back', 1, 'receive', { onHand: 5 }, { onHand: 5 }, dayAt(-4)),
  level('ANL-B', 'back', 2, 'reserve', { onHand: 0, reserved: 5 }, { onHand: 5, reserved: 5 }, dayAt(-1)),
  // C at main: D-120 +6 → 6, never moved since.
  level('ANL-C', 'main', 1, 'receive', { onHand: 6 }, { onHand: 6 }, dayAt(-120)),
  // Orders. A: o1 10 (D-5), o2 20 (D-3), o7 12 (D) placed and fulfilled; o3 8 rejected (D-3);
  // o6 4 placed D-12 (before the period). B: o4 5 placed (D-1); o5 3 rejected (D-2).
  placed('o1', 'ANL-A', 10, -5),
  completed('o1', 'ANL-A', 10, -5),
  placed('o2', 'ANL-A', 20, -3),
  completed('o2', 'ANL-A', 20, -3),
  rejected('o3', 'ANL-A', 8, -3),
  placed('o4', 'ANL-B', 5, -1),
  rejected('o5', 'ANL-B', 3, -2),
  placed('o6', 'ANL-A', 4, -12),
  placed('o7', 'ANL-A', 12, 0),
  completed('o7', 'ANL-A', 12, 0),
  // Reservations expired: D-1 A 1 + B 2 (one reservation), D B 1; D-40 A 3 (before the period).
  expired(
    'r1',
    [
      { sku: 'ANL-A', quantity: 1 },
      { sku: 'ANL-B', quantity: 2 },
    ],
    -1,
  ),
  expired('r2', [{ sku: 'ANL-B', quantity: 1 }], 0),
  expired('r0', [{ sku: 'ANL-A', quantity: 3 }], -40),
  // Suppliers. acme: PO-1 (D-26, 30 × A, expected D-20: 6 days promised) received in full D-20,
  // lead time 6, on time; PO-2 (D-8, 20 × A, expected D-3: 5 days) 15 received D-1, lead 7, late.
  // bolt: PO-3 (D-12, 10 × B, expected D-9: 3 days) received D-9, lead 3, on time; PO-4 (D-4,
  // 8 × B, expected D-1: 3 days) rejected by the supplier D-3.
  po('PO-1', 'acme', 'ANL-A', 30, 100, -26, -20),
  receipt('RC-1', 'PO-1', 'acme', 'ANL-A', 30, -20, 6, true, 'RECEIVED'),
  po('PO-2', 'acme', 'ANL-A', 20, 100, -8, -3),
  receipt('RC-2', 'PO-2', 'acme', 'ANL-A', 15, -1, 7, false, 'PARTIALLY_RECEIVED'),
  po('PO-3', 'bolt', 'ANL-B', 10, 50, -12, -9),
  receipt('RC-3', 'PO-3', 'bolt', 'ANL-B', 10, -9, 3, true, 'RECEIVED'),
  po('PO-4', 'bolt', 'ANL-B', 8, 50, -4, -1),
  PurchaseOrderRejected.create(
    { purchaseOrderId: 'PO-4', supplierId: 'bolt', locationId: 'main', by: 'supplier' },
    meta(dayAt(-3)),
  ),
];
const newest = events
  .map((e) => e.occurredAt)
  .sort()
  .at(-1);

const PERIOD = `from=${day(-9)}&to=${day(0)}`;
const get = async (path: string) => {
  const res = await api.request(path);
  expect(res.status, `${path}: ${res.status} ${res.status === 200 ? '' : await res.clone().text()}`).toBe(
    200,
  );
  return res;
};
const json = async (path: string) => (await get(path)).json();

beforeAll(async () => {
  await provisionFor([reportingService]);
  const readModel = new ReadModel(DataApiSql.fromEnv());
  for (const event of events) await readModel.apply(event as never);
}, 120_000);

describe('the analysis reports, against a fixture computed by hand', () => {
  it('turnover: units sold, COGS, average inventory, turnover, days of cover, sell-through', async () => {
    const t = await json(`/api/v1/reports/turnover?${PERIOD}`);
    expect(t).toMatchObject({ from: day(-9), to: day(0), days: 10, currency: 'GBP', dataAsOf: newest });
    expect(t.rows).toEqual([
      {
        // On hand at the end of D-9…D: 30 ×4 (D-9…D-6), 20 ×2, 0 ×2, 15, 3 = 178 unit-days → 17.8.
        sku: 'ANL-A',
        name: 'Tee',
        category: 'tees',
        unitsSold: 42, // 10 + 20 + 12
        cogs: 4200, // 42 × 100
        averageOnHand: 17.8,
        averageInventoryValue: 1780, // 17.8 × 100
        onHandEnd: 3,
        turnover: 2.36, // 4200 / 1780 = 2.3596
        daysOfCover: 0.7, // 3 / (42 / 10) = 0.714
        sellThrough: 0.9333, // 42 / (42 + 3)
      },
      {
        // main 10 ×7 (D-9…D-3) + 6 ×3 = 88, back 5 ×5 (D-4…D) = 25: 113 unit-days → 11.3.
        sku: 'ANL-B',
        name: 'Mug',
        category: 'mugs',
        unitsSold: 10,
        cogs: 500,
        averageOnHand: 11.3,
        averageInventoryValue: 565, // 11.3 × 50
        onHandEnd: 11, // 6 + 5
        turnover: 0.88, // 500 / 565 = 0.885
        daysOfCover: 11, // 11 / (10 / 10)
        sellThrough: 0.4762, // 10 / 21
      },
      {
        // 6 every day (carried from D-120), nothing sold.
        sku: 'ANL-C',
        name: '=Poster',
        category: 'posters',
        unitsSold: 0,
        cogs: 0,
        averageOnHand: 6,
        averageInventoryValue: 1200,
        onHandEnd: 6,
        turnover: 0,
        daysOfCover: null,
        sellThrough: 0,
      },
    ]);
    // Σ cogs 4700 / Σ average value 3545 = 1.3258.
    expect(t.totals).toEqual({ unitsSold: 52, cogs: 4700, averageInventoryValue: 3545, turnover: 1.33 });
    // At the back room only: B's 5 for the 5 days from D-4 (25 unit-days → 2.5), nothing sold there.
    const back = await json(`/api/v1/reports/turnover?${PERIOD}&locationId=back`);
    expect(back.rows).toEqual([
      {
        sku: 'ANL-B',
        name: 'Mug',
        category: 'mugs',
        unitsSold: 0,
        cogs: 0,
        averageOnHand: 2.5,
        averageInventoryValue: 125,
        onHandEnd: 5,
        turnover: 0,
        daysOfCover: null,
        sellThrough: 0,
      },
    ]);
    expect(back.totals).toEqual({ unitsSold: 0, cogs: 0, averageInventoryValue: 125, turnover: 0 });
    // By default the 90 days ending today.
    const byDefault = await json('/api/v1/reports/turnover?sku=ANL-A');
    expect(byDefault).toMatchObject({ from: day(-89), to: day(0), days: 90 });
    // Nothing before D-20, then 30 ×15 (D-20…D-6) = 450, 40 + 0 + 15 + 3 as above: 508 / 90 = 5.644.
    expect(byDefault.rows).toMatchObject([{ sku: 'ANL-A', unitsSold: 42, averageOnHand: 5.64 }]);
  });

  it('aging: SKUs with stock whose on hand has not gone down for `days` days', async () => {
    // Default 90 days: only C (stocked D-120, never out: 120 days); A went out today, B at D-2.
    const a = await json('/api/v1/reports/aging');
    expect(a).toMatchObject({ asOf: day(0), days: 90, currency: 'GBP' });
    expect(a.rows).toEqual([
      {
        sku: 'ANL-C',
        name: '=Poster',
        category: 'posters',
        onHand: 6,
        value: 1200, // 6 × 200
        lastOutbound: null,
        stockedSince: day(-120),
        daysSinceOutbound: 120,
      },
    ]);
    expect(a.totals).toEqual({ skus: 1, units: 6, value: 1200 });
    // 2 days: B too (last sold D-2; 6 + 5 on hand = 11 × 50).
    const two = await json('/api/v1/reports/aging?days=2');
    expect(
      two.rows.map((r: Record<string, unknown>) => [
        r.sku,
        r.onHand,
        r.value,
        r.lastOutbound,
        r.stockedSince,
        r.daysSinceOutbound,
      ]),
    ).toEqual([
      ['ANL-C', 6, 1200, null, day(-120), 120],
      ['ANL-B', 11, 550, day(-2), day(-9), 2],
    ]);
    expect(two.totals).toEqual({ skus: 2, units: 17, value: 1750 });
    // The back room: B's 5 there never went down (a reservation is not an outbound); stocked D-4.
    const back = await json('/api/v1/reports/aging?days=3&locationId=back');
    expect(back.rows).toEqual([
      {
        sku: 'ANL-B',
        name: 'Mug',
        category: 'mugs',
        onHand: 5,
        value: 250,
        lastOutbound: null,
        stockedSince: day(-4),
        daysSinceOutbound: 4,
      },
    ]);
  });

  it('abc: classes by consumption value over a year', async () => {
    // A 42 × 100 = 4200, B 10 × 50 = 500, C 0: total 4700. A: 0% above it → A (89.36%);
    // B: 89.36% above it (< 95%) → B; C: no consumption value → C.
    const abc = await json('/api/v1/reports/abc');
    expect(abc).toMatchObject({ from: day(-364), to: day(0), days: 365, currency: 'GBP', total: 4700 });
    expect(abc.rows).toEqual([
      {
        sku: 'ANL-A',
        name: 'Tee',
        category: 'tees',
        unitsSold: 42,
        value: 4200,
        share: 0.8936,
        cumulativeShare: 0.8936,
        class: 'A',
      },
      {
        sku: 'ANL-B',
        name: 'Mug',
        category: 'mugs',
        unitsSold: 10,
        value: 500,
        share: 0.1064,
        cumulativeShare: 1,
        class: 'B',
      },
      {
        sku: 'ANL-C',
        name: '=Poster',
        category: 'posters',
        unitsSold: 0,
        value: 0,
        share: 0,
        cumulativeShare: 1,
        class: 'C',
      },
    ]);
    expect(abc.classes).toEqual([
      { class: 'A', skus: 1, value: 4200, share: 0.8936 },
      { class: 'B', skus: 1, value: 500, share: 0.1064 },
      { class: 'C', skus: 1, value: 0, share: 0 },
    ]);
    // Within the mugs alone B is all of the value: A.
    const mugs = await json('/api/v1/reports/abc?category=mugs');
    expect(mugs.rows).toMatchObject([{ sku: 'ANL-B', value: 500, share: 1, cumulativeShare: 1, class: 'A' }]);
    expect(mugs.total).toBe(500);
  });

  it('stockouts: times out, days out, and the fill rate', async () => {
    const s = await json(`/api/v1/reports/stockouts?${PERIOD}`);
    expect(s).toMatchObject({ from: day(-9), to: day(0), days: 10 });
    expect(s.rows).toEqual([
      // A: out at D-3 (15 → −5) and at D (10 → −2); days ending out: D-3, D-2, D.
      {
        sku: 'ANL-A',
        name: 'Tee',
        category: 'tees',
        locationId: 'main',
        stockouts: 2,
        daysOutOfStock: 3,
        outAtEnd: true,
      },
      // B back: out at D-1 (5 → 0, all reserved); days ending out: D-1, D.
      {
        sku: 'ANL-B',
        name: 'Mug',
        category: 'mugs',
        locationId: 'back',
        stockouts: 1,
        daysOutOfStock: 2,
        outAtEnd: true,
      },
      // B main: out at D-2 09:00 (10 → 0), back at 6 by the end of that day: no day ended out.
      {
        sku: 'ANL-B',
        name: 'Mug',
        category: 'mugs',
        locationId: 'main',
        stockouts: 1,
        daysOutOfStock: 0,
        outAtEnd: false,
      },
    ]);
    // Order lines placed D-9…D (o6 at D-12 is not): A 10 + 20 + 12 reserved, 8 rejected; B 5, 3.
    expect(s.fillRate).toEqual({ unitsOrdered: 58, unitsReserved: 47, unitsRejected: 11, rate: 0.8103 });
    expect(s.fillRateBySku).toEqual([
      { sku: 'ANL-A', name: 'Tee', unitsOrdered: 50, unitsReserved: 42, unitsRejected: 8, rate: 0.84 },
      { sku: 'ANL-B', name: 'Mug', unitsOrdered: 8, unitsReserved: 5, unitsRejected: 3, rate: 0.625 },
    ]);
    // From D-2: A's D-3 stock-out is before it (the days D-2 and D still ended out).
    const late = await json(`/api/v1/reports/stockouts?from=${day(-2)}&to=${day(0)}`);
    expect(
      late.rows.map((r: Record<string, unknown>) => [r.sku, r.locationId, r.stockouts, r.daysOutOfStock]),
    ).toEqual([
      ['ANL-A', 'main', 1, 2],
      ['ANL-B', 'back', 1, 2],
      ['ANL-B', 'main', 1, 0],
    ]);
    // From D-2 the orders are o5 (B 3 rejected), o4 (B 5), o7 (A 12).
    expect(late.fillRate).toEqual({ unitsOrdered: 20, unitsReserved: 17, unitsRejected: 3, rate: 0.85 });
    const main = await json(`/api/v1/reports/stockouts?${PERIOD}&locationId=main&sku=ANL-B`);
    expect(main.rows).toMatchObject([{ sku: 'ANL-B', locationId: 'main', stockouts: 1 }]);
    expect(main.fillRateBySku).toMatchObject([{ sku: 'ANL-B', rate: 0.625 }]);
  });

  it('supplier performance: purchase orders, receipts, lead times, on-time rate, units', async () => {
    const all = {
      acme: {
        supplierId: 'acme',
        name: null,
        purchaseOrders: 2,
        rejectedOrCancelled: 0,
        receipts: 2,
        unitsOrdered: 50, // 30 + 20
        unitsReceived: 45, // 30 + 15
        receivedRate: 0.9,
        averageLeadTimeDays: 6.5, // (6 + 7) / 2
        promisedLeadTimeDays: 5.5, // (6 + 5) / 2
        onTimeRate: 0.5,
      },
      bolt: {
        supplierId: 'bolt',
        name: null,
        purchaseOrders: 2,
        rejectedOrCancelled: 1, // PO-4
        receipts: 1,
        unitsOrdered: 18, // 10 + 8
        unitsReceived: 10,
        receivedRate: 0.5556, // 10 / 18
        averageLeadTimeDays: 3,
        promisedLeadTimeDays: 3,
        onTimeRate: 1,
      },
    };
    const s = await json('/api/v1/reports/supplier-performance');
    expect(s).toMatchObject({ from: day(-89), to: day(0), days: 90 });
    expect(s.rows).toEqual([all.acme, all.bolt]);
    // Raised from D-10: PO-2 and PO-4 only.
    const recent = await json(`/api/v1/reports/supplier-performance?from=${day(-10)}`);
    expect(recent.rows).toEqual([
      {
        ...all.acme,
        purchaseOrders: 1,
        receipts: 1,
        unitsOrdered: 20,
        unitsReceived: 15,
        receivedRate: 0.75,
        averageLeadTimeDays: 7,
        promisedLeadTimeDays: 5,
        onTimeRate: 0,
      },
      {
        ...all.bolt,
        purchaseOrders: 1,
        rejectedOrCancelled: 1,
        receipts: 0,
        unitsOrdered: 8,
        unitsReceived: 0,
        receivedRate: 0,
        averageLeadTimeDays: null,
        promisedLeadTimeDays: 3,
        onTimeRate: null,
      },
    ]);
    // B's lines only: bolt.
    const mugs = await json('/api/v1/reports/supplier-performance?category=mugs');
    expect(mugs.rows).toEqual([all.bolt]);
  });

  it('reservations: expiries and rejects per day and per SKU', async () => {
    const r = await json(`/api/v1/reports/reservations?${PERIOD}`);
    const zero = { expiries: 0, expiredUnits: 0, rejects: 0, rejectedUnits: 0 };
    expect(r.byDay).toEqual(
      Array.from({ length: 10 }, (_, i) => {
        const date = day(i - 9);
        if (date === day(-3)) return { date, ...zero, rejects: 1, rejectedUnits: 8 }; // o3
        if (date === day(-2)) return { date, ...zero, rejects: 1, rejectedUnits: 3 }; // o5
        if (date === day(-1)) return { date, ...zero, expiries: 1, expiredUnits: 3 }; // r1: A 1 + B 2
        if (date === day(0)) return { date, ...zero, expiries: 1, expiredUnits: 1 }; // r2
        return { date, ...zero };
      }),
    );
    // A: r1 (1), o3 (8) = 9 units; B: r1 (2) + r2 (1), o5 (3) = 6. r0 (D-40) is before the period.
    expect(r.bySku).toEqual([
      { sku: 'ANL-A', name: 'Tee', expiries: 1, expiredUnits: 1, rejects: 1, rejectedUnits: 8 },
      { sku: 'ANL-B', name: 'Mug', expiries: 2, expiredUnits: 3, rejects: 1, rejectedUnits: 3 },
    ]);
    expect(r.totals).toEqual({ expiries: 2, expiredUnits: 4, rejects: 2, rejectedUnits: 11 });
    const b = await json(`/api/v1/reports/reservations?${PERIOD}&sku=ANL-B`);
    expect(b.totals).toEqual({ expiries: 2, expiredUnits: 3, rejects: 1, rejectedUnits: 3 });
  });

  it('exports CSV with a header row, formula-safe', async () => {
    const res = await get('/api/v1/reports/aging?days=2&format=csv');
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="aging-.*\.csv"/);
    const lines = (await res.text()).split('\r\n');
    expect(lines).toEqual([
      'sku,name,category,onHand,value,lastOutbound,stockedSince,daysSinceOutbound',
      // The product named =Poster is text, not a formula: apostrophe-prefixed (and quoted).
      `ANL-C,"'=Poster",posters,6,1200,,${day(-120)},120`,
      `ANL-B,Mug,mugs,11,550,${day(-2)},${day(-9)},2`,
    ]);
  });

  it('refuses a bad parameter with a problem naming it', async () => {
    for (const [path, field] of [
      ['/api/v1/reports/aging?days=0', 'query.days'],
      [`/api/v1/reports/turnover?from=${day(0)}&to=${day(-1)}`, 'query.from'],
      ['/api/v1/reports/abc?from=yesterday', 'query.from'],
      ['/api/v1/reports/stockouts?locationId=Back%20Room', 'query.locationId'],
      ['/api/v1/reports/reservations?format=xlsx', 'query.format'],
    ]) {
      const res = await api.request(path!);
      expect(res.status, path).toBe(400);
      expect(await res.json(), path).toMatchObject({ errors: [{ field }] });
    }
  });
});
