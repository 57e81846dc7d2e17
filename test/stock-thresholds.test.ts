import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE } from '../lib/http.ts';
import type { StockLedger } from '../services/stock/domain/stock.ts';
import { app as serviceApp } from '../services/stock/handlers/api.ts';
import { stockService } from '../services/stock/service.ts';
import { defaultLedger } from '../services/stock/store.ts';
import { outboxOf, seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { provisionFor, signedIn } from './support/env.ts';

/** Per-location thresholds: `PUT /api/v1/stock/{sku}/locations/{locationId}/thresholds`. */
const app = signedIn(serviceApp);
let ledger: StockLedger;

beforeAll(async () => {
  await provisionFor([stockService]);
  ledger = defaultLedger();
});

const put = (sku: string, body: unknown, locationId = 'main') =>
  app.request(`/api/v1/stock/${sku}/locations/${locationId}/thresholds`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

interface LevelJson {
  locationId: string;
  reorderPoint: number;
  safetyStock: number;
  available: number;
  thresholds: string;
}
const mainLevel = async (response: Response) =>
  ((await response.json()) as { locations: LevelJson[] }).locations.find((l) => l.locationId === 'main')!;

describe('per-location thresholds', () => {
  it('raising the reorder point above the level re-evaluates it at once: a settings movement, its StockLevelChanged and a StockLow', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 20, reorderPoint: 5 });

    const response = await put(sku, { reorderPoint: 25, safetyStock: null });

    expect(response.status).toBe(200);
    expect(await mainLevel(response)).toMatchObject({
      reorderPoint: 25,
      safetyStock: 0,
      available: 20,
      thresholds: 'location',
    });
    const events = await outboxOf(sku);
    const changed = events.filter((e) => e.type === 'StockLevelChanged').at(-1) as {
      data: { kind: string; reorderPoint: number };
    };
    expect(changed.data).toMatchObject({ kind: 'settings', reorderPoint: 25 });
    expect(events.filter((e) => e.type === 'StockLow')).toHaveLength(1);
  });

  it('a safety stock override changes available; the same body again writes nothing more', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 20, safetyStock: 2 });

    const first = await put(sku, { reorderPoint: null, safetyStock: 8 });
    const movementsAfterFirst = (await ledger.replayLedger(sku)).movements;
    const again = await put(sku, { reorderPoint: null, safetyStock: 8 });

    expect(await mainLevel(first)).toMatchObject({ safetyStock: 8, available: 12, thresholds: 'location' });
    expect(again.status).toBe(200);
    expect((await ledger.replayLedger(sku)).movements).toBe(movementsAfterFirst);
  });

  it("a product update keeps the location's override, and null goes back to the product's", async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 30, reorderPoint: 5, safetyStock: 1 });
    await put(sku, { reorderPoint: 12, safetyStock: null });

    await ledger.applyProductSnapshot({
      sku,
      reorderPoint: 7,
      safetyStock: 3,
      allowBackorder: false,
      status: 'active',
      version: 2,
    });
    const kept = await mainLevel(await app.request(`/api/v1/stock/${sku}`));
    const restored = await mainLevel(await put(sku, { reorderPoint: null, safetyStock: null }));

    expect(kept).toMatchObject({ reorderPoint: 12, safetyStock: 3, thresholds: 'location' });
    expect(restored).toMatchObject({ reorderPoint: 7, safetyStock: 3, thresholds: 'product' });
  });

  it('answers 404 for an unknown SKU or location and 400 naming the field for a bad body, changing nothing', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const before = (await ledger.replayLedger(sku)).movements;

    const unknownSku = await put(uniqueSku(), { reorderPoint: 3, safetyStock: null });
    const unknownLocation = await put(sku, { reorderPoint: 3, safetyStock: null }, 'nowhere');
    const bad = await put(sku, { reorderPoint: -1, safetyStock: null });

    expect(unknownSku.status).toBe(404);
    expect(unknownLocation.status).toBe(404);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    expect(JSON.stringify(await bad.json())).toContain('reorderPoint');
    expect((await ledger.replayLedger(sku)).movements).toBe(before);
  });
});
