import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '../lib/aws.ts';
import { DataApiSql } from '../lib/data-api.ts';
import type { Envelope } from '../lib/events.ts';
import { EVENTS_TOPIC_ENV } from '../lib/topology.ts';
import type { Runtime } from '../local/runtime.ts';
import { ProductCreated } from '../services/catalog/contract.ts';
import { DynamoAlertStore } from '../services/notifications/alert-store.ts';
import { alertIdOf, coverDedupeKey } from '../services/notifications/domain/alert-content.ts';
import { notificationsService } from '../services/notifications/service.ts';
import { OrderReserved } from '../services/orders/contract.ts';
import { PurchaseOrderCreated, PurchaseOrderReceiptRecorded } from '../services/replenishment/contract.ts';
import { forecastDemand, reorderPointSuggestion } from '../services/reporting/domain/forecast.ts';
import { DaysOfCoverLow, DaysOfCoverRecovered } from '../services/reporting/events.ts';
import { app as reportingApp } from '../services/reporting/handlers/api.ts';
import { ReadModel } from '../services/reporting/projection.ts';
import { reportingService } from '../services/reporting/service.ts';
import { StockLevelChanged } from '../services/stock/contract.ts';
import { eventually, signedIn, sqsEventOf, topicFeed } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// Forecasts that drive reordering. A fixture of steady demand (10 units a day for the 60 days up to
// today), receipts with a known lead time, and stock levels; every expected figure below follows
// from the formulas: with a constant series the forecast is 10 a day with σ = 0, so the suggested
// reorder point is 10 × L + z·0·√L = 10 × L, and days of cover are available / 10.

const DAY = 86_400_000;
const now = Date.now();
const at = (offsetDays: number) => new Date(now + offsetDays * DAY).toISOString();
const money = (amount: number) => ({ amount, currency: 'GBP' });

let n = 0;
const meta = (occurredAt: string) => ({ id: `pl-${++n}`, correlationId: 'planning-test', occurredAt });

const product = (sku: string, reorderPoint: number, category = 'tees') =>
  ProductCreated.create(
    {
      sku,
      name: `Product ${sku}`,
      category,
      price: money(1000),
      cost: money(400),
      reorderPoint,
      safetyStock: 0,
      allowBackorder: false,
      status: 'active',
      version: 1,
    },
    meta(at(-70)),
  );

/** 10 units a day of `sku`, one order a day for the 60 days ending today. */
const steadyDemand = (sku: string) =>
  Array.from({ length: 60 }, (_, k) =>
    OrderReserved.create(
      { orderId: `o-${sku}-${k}`, lines: [{ sku, quantity: 10 }], expiresAt: at(1) },
      meta(at(-k)),
    ),
  );

const level = (sku: string, locationId: string, version: number, available: number) =>
  StockLevelChanged.create(
    {
      sku,
      locationId,
      movementId: `mv-${sku}-${locationId}-${version}`,
      kind: 'adjust',
      levelVersion: version,
      quantities: { onHand: available, reserved: 0, incoming: 0, safetyStock: 0, available },
      reorderPoint: 0,
    },
    meta(at(-1)),
  );

const po = (purchaseOrderId: string, sku: string) =>
  PurchaseOrderCreated.create(
    {
      purchaseOrderId,
      supplierId: 'acme',
      locationId: 'main',
      origin: 'manual',
      lines: [{ sku, quantity: 100, unitCost: money(400) }],
      total: money(40_000),
      expectedBy: at(-15),
    },
    meta(at(-20)),
  );

// STEADY: its own receipt took 5 days → L = 5 (sku), suggestion 50; catalog says 20 → listed.
//   Levels: main 30 available → 3 days of cover < 5: low. back 100 → 10 days: not low.
// SUPPLIED: no receipt of its own, its supplier (acme, from its PO) averages 5 → L = 5 (supplier),
//   suggestion 50 = its reorder point → not listed.
// UNKNOWN: no PO, no receipt → L = 7 (default), suggestion 70; catalog 0 → listed. 1000 available.
// OTHER (category mugs): like UNKNOWN, to check the category filter.
const STEADY = 'PLN-STEADY';
const SUPPLIED = 'PLN-SUPPLIED';
const UNKNOWN = 'PLN-UNKNOWN';
const OTHER = 'PLN-OTHER';

const products = [product(STEADY, 20), product(SUPPLIED, 50), product(UNKNOWN, 0), product(OTHER, 0, 'mugs')];
const fixture: Envelope[] = [
  ...products,
  ...steadyDemand(STEADY),
  ...steadyDemand(SUPPLIED),
  ...steadyDemand(UNKNOWN),
  ...steadyDemand(OTHER),
  po('PO-STEADY1', STEADY),
  po('PO-SUPPLIED1', SUPPLIED),
  PurchaseOrderReceiptRecorded.create(
    {
      purchaseOrderId: 'PO-STEADY1',
      supplierId: 'acme',
      locationId: 'main',
      receiptId: 'rc-1',
      lines: [{ sku: STEADY, quantity: 100, unitCost: money(400) }],
      status: 'RECEIVED',
      leadTimeDays: 5,
      onTime: true,
    },
    meta(at(-15)),
  ),
  level(STEADY, 'main', 1, 30),
  level(STEADY, 'back', 1, 100),
  level(SUPPLIED, 'main', 1, 500),
  level(UNKNOWN, 'main', 1, 1000),
  level(OTHER, 'main', 1, 1000),
];

/** What the formulas give for 60 days of 10 a day, lead time `L`, at the service level. */
function expected(leadTimeDays: number, serviceLevel = 0.95) {
  const forecast = forecastDemand(
    Array.from({ length: 60 }, () => 10),
    { horizon: 28 },
  );
  return reorderPointSuggestion({
    dailyMeans: forecast.points.map((p) => p.mean),
    sigma: forecast.sigma,
    leadTimeDays,
    serviceLevel,
  });
}

let runtime: Runtime;
let readModel: ReadModel;
let alerts: DynamoAlertStore;
const api = signedIn(reportingApp, 'viewer');
const json = async (path: string) => {
  const res = await api.request(path);
  expect(res.status, `${path}: ${res.status} ${res.status === 200 ? '' : await res.clone().text()}`).toBe(
    200,
  );
  return res.json();
};

beforeAll(async () => {
  runtime = await startTestRuntime([reportingService, notificationsService]);
  readModel = new ReadModel(DataApiSql.fromEnv());
  for (const event of fixture) await readModel.apply(event as never);
  alerts = new DynamoAlertStore();
  // Notifications learns the product names from the same catalog events (through its own queue).
  await runtime.invoke('notifications', 'events', sqsEventOf(products, 'notifications-events'));
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('reorder suggestions', () => {
  it('are demand over the lead time + z·σ·√L: 10 × L for steady demand (σ = 0)', () => {
    const five = expected(5);
    expect(five.safetyStock).toBe(0);
    expect(five.demandOverLeadTime).toBeCloseTo(50, 9);
    expect(five.reorderPoint).toBe(50);
    expect(expected(7).reorderPoint).toBe(70);
  });

  it('list the SKUs whose suggestion differs from the catalog reorder point, with the lead time and its source', async () => {
    const body = await json('/api/v1/reorder-suggestions');
    expect(body.serviceLevel).toBe(0.95);
    const bySku = Object.fromEntries(body.rows.map((r: { sku: string }) => [r.sku, r]));
    expect(Object.keys(bySku).sort()).toEqual([OTHER, STEADY, UNKNOWN]);
    expect(bySku[STEADY]).toMatchObject({
      currentReorderPoint: 20,
      suggestedReorderPoint: expected(5).reorderPoint, // 50
      difference: 30,
      leadTimeDays: 5,
      leadTimeSource: 'sku',
      supplierId: 'acme',
      safetyStock: 0,
      available: 130, // main 30 + back 100
      dailyDemand: 10,
    });
    expect(bySku[STEADY].demandOverLeadTime).toBeCloseTo(50, 9);
    expect(bySku[STEADY].daysOfCover).toBeCloseTo(13, 9); // 130 / 10
    expect(bySku[UNKNOWN]).toMatchObject({
      currentReorderPoint: 0,
      suggestedReorderPoint: expected(7).reorderPoint, // 70
      leadTimeDays: 7,
      leadTimeSource: 'default',
      supplierId: null,
    });
    // Largest change first: UNKNOWN and OTHER (+70) before STEADY (+30).
    expect(body.rows.at(-1).sku).toBe(STEADY);
    expect(body.dataAsOf).not.toBeNull();
  });

  it('filter by category and SKU, and take the service level', async () => {
    const mugs = await json('/api/v1/reorder-suggestions?category=mugs');
    expect(mugs.rows.map((r: { sku: string }) => r.sku)).toEqual([OTHER]);
    const one = await json(`/api/v1/reorder-suggestions?sku=${STEADY}&serviceLevel=0.99`);
    expect(one.serviceLevel).toBe(0.99);
    expect(one.rows).toHaveLength(1);
    expect(one.rows[0].z).toBeCloseTo(expected(5, 0.99).z, 9);
    const bad = await api.request('/api/v1/reorder-suggestions?serviceLevel=0.3');
    expect(bad.status).toBe(400);
  });

  it('answer one SKU, whether or not it differs; 404 without demand history', async () => {
    const supplied = await json(`/api/v1/reorder-suggestions/${SUPPLIED}`);
    expect(supplied).toMatchObject({
      sku: SUPPLIED,
      currentReorderPoint: 50,
      suggestedReorderPoint: 50,
      difference: 0,
      leadTimeDays: 5, // acme's average over its receipts (STEADY's)
      leadTimeSource: 'supplier',
      supplierId: 'acme',
    });
    const missing = await api.request('/api/v1/reorder-suggestions/PLN-NONE');
    expect(missing.status).toBe(404);
  });

  it('export CSV', async () => {
    const res = await api.request('/api/v1/reorder-suggestions?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe(
      'sku,name,category,currentReorderPoint,suggestedReorderPoint,difference,demandOverLeadTime,safetyStock,leadTimeDays,leadTimeSource,supplierId,available,dailyDemand,daysOfCover,method',
    );
    expect(lines.filter((l) => l.startsWith(`${STEADY},`))).toHaveLength(1);
  });
});

describe('the days of cover alert', () => {
  const runAt = (hour: number) => {
    const d = new Date(now);
    d.setUTCMinutes(0, 0, 0);
    return new Date(d.getTime() + hour * 3_600_000).toISOString();
  };
  const hourOf = (iso: string) => iso.slice(0, 13);

  it('the planning run publishes DaysOfCoverLow for a low-cover SKU × location, and notifications raises one alert per episode', async () => {
    const feed = await topicFeed(
      requireEnv(EVENTS_TOPIC_ENV),
      `planning-feed-${runAt(0).slice(11, 13)}-${n}`,
      ['DaysOfCoverLow', 'DaysOfCoverRecovered'],
    );
    try {
      // Act: the hourly run, twice for the same hour (EventBridge's retry), then the next hour.
      await runtime.invoke('reporting', 'planning', { time: runAt(0) });
      await runtime.invoke('reporting', 'planning', { time: runAt(0) });
      await runtime.invoke('reporting', 'planning', { time: runAt(1) });

      // Assess: only STEADY at main is low (3 days of cover < 5), once per run hour.
      const lows = await eventually(async () => {
        const found = feed.events.filter((e) => e.type === 'DaysOfCoverLow');
        return found.length >= 3 ? found : undefined;
      });
      expect(new Set(lows.map((e) => e.id))).toEqual(
        new Set([`cover:${STEADY}:main:${hourOf(runAt(0))}`, `cover:${STEADY}:main:${hourOf(runAt(1))}`]),
      );
      expect(lows[0]!.data).toMatchObject({
        sku: STEADY,
        locationId: 'main',
        leadTimeDays: 5,
        leadTimeSource: 'sku',
        available: 30,
        dailyDemand: 10,
        runAt: runAt(0),
      });
      expect((lows[0]!.data as { daysOfCover: number }).daysOfCover).toBeCloseTo(3, 9);

      // Notifications (fed through its queue by the runtime) keeps one open episode and one alert.
      const id = alertIdOf(coverDedupeKey(STEADY, 'main', 1));
      const alert = await eventually(async () => {
        const state = await alerts.coverState(STEADY, 'main');
        if (state?.runAt !== runAt(1) && state?.runAt !== runAt(0)) return undefined;
        const [found] = await alerts.alerts([id]);
        return found;
      });
      expect(alert).toMatchObject({
        type: 'DaysOfCoverLow',
        category: 'stock',
        status: 'open',
        sku: STEADY,
        locationId: 'main',
        title: `Low cover: Product ${STEADY} at main`,
        link: `/products/${STEADY}`,
      });
      expect(alert.daysOfCover).toBeCloseTo(3, 9);
      expect(alert.summary).toContain('3 days of cover');
      expect(alert.summary).toContain('5 days lead time');
      const state = await alerts.coverState(STEADY, 'main');
      expect(state).toMatchObject({ low: true, episode: 1, openAlertId: id, runAt: runAt(0) });
      expect(await alerts.coverState(STEADY, 'back')).toBeUndefined();

      // Stock arrives at main: 80 available → 8 days ≥ 5. The next run publishes Recovered once.
      await readModel.apply(level(STEADY, 'main', 2, 80) as never);
      await runtime.invoke('reporting', 'planning', { time: runAt(2) });
      await runtime.invoke('reporting', 'planning', { time: runAt(3) });
      const recovered = await eventually(async () =>
        feed.events.find((e) => e.type === 'DaysOfCoverRecovered'),
      );
      expect(recovered).toMatchObject({
        id: `cover-recovered:${STEADY}:main:${hourOf(runAt(2))}`,
        data: { sku: STEADY, locationId: 'main', leadTimeDays: 5, available: 80 },
      });
      const resolved = await eventually(async () => {
        const [found] = await alerts.alerts([id]);
        return found?.status === 'resolved' ? found : undefined;
      });
      expect(resolved.resolvedAt).toBe(runAt(2));
      expect(resolved.summary).toContain('8 days of cover');
      expect(await alerts.coverState(STEADY, 'main')).toMatchObject({ low: false, episode: 1 });
      expect(feed.events.filter((e) => e.type === 'DaysOfCoverRecovered')).toHaveLength(1);
    } finally {
      await feed.stop();
    }
  });

  it('a second drop opens a second episode; an older run arriving late changes nothing', async () => {
    // Straight through notifications' handler, as its queue would hand them.
    const sku = 'PLN-DIRECT';
    const low = (hour: number) =>
      DaysOfCoverLow.create(
        {
          sku,
          locationId: 'main',
          daysOfCover: 1.25,
          leadTimeDays: 4,
          leadTimeSource: 'supplier',
          available: 5,
          dailyDemand: 4,
          runAt: runAt(hour),
        },
        { id: `cover:${sku}:main:${hour}`, correlationId: 'test', occurredAt: runAt(hour) },
      );
    const back = (hour: number) =>
      DaysOfCoverRecovered.create(
        {
          sku,
          locationId: 'main',
          daysOfCover: 9,
          leadTimeDays: 4,
          available: 36,
          dailyDemand: 4,
          runAt: runAt(hour),
        },
        { id: `cover-recovered:${sku}:main:${hour}`, correlationId: 'test', occurredAt: runAt(hour) },
      );
    const deliver = (...events: Envelope[]) =>
      runtime.invoke('notifications', 'events', sqsEventOf(events, 'notifications-events'));

    await deliver(low(10));
    await deliver(low(11)); // still low: nothing new
    await deliver(back(12));
    await deliver(low(11)); // late, older than the recovery: ignored
    expect(await alerts.coverState(sku, 'main')).toMatchObject({ low: false, episode: 1, runAt: runAt(12) });
    await deliver(low(13)); // a new drop: episode 2
    const state = await alerts.coverState(sku, 'main');
    expect(state).toMatchObject({ low: true, episode: 2, runAt: runAt(13) });
    const [first, second] = await alerts.alerts([
      alertIdOf(coverDedupeKey(sku, 'main', 1)),
      alertIdOf(coverDedupeKey(sku, 'main', 2)),
    ]);
    expect(first).toMatchObject({ status: 'resolved', resolvedAt: runAt(12) });
    expect(second).toMatchObject({ status: 'open', raisedAt: runAt(13), daysOfCover: 1.25 });
    expect(second!.summary).toBe(
      '1.3 days of cover (5 available at 4 a day forecast), less than the 4 days lead time: a reorder placed now arrives after the stock runs out. Reorder now.',
    );
  });
});
