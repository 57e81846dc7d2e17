import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../local/runtime.ts';
import { catalogService } from '../services/catalog/service.ts';
import type { Summary } from '../services/reporting/contract.ts';
import { reportingService } from '../services/reporting/service.ts';
import { stockService } from '../services/stock/service.ts';
import { authHeader, eventually } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// The read model on the local runtime: a product and a stock change made through the APIs reach
// the reports through the stock and catalog outboxes, SNS and the reporting queue, in seconds.
let runtime: Runtime;

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

beforeAll(async () => {
  runtime = await startTestRuntime([catalogService, stockService, reportingService]);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('the reporting read model, fed by events', () => {
  it('shows a receipt and an adjustment in the summary, the movements and the value within seconds', async () => {
    const sku = `RP-${ulid().slice(-10)}`;
    const before = (await call('GET', '/api/v1/reports/summary')) as Summary;
    await call('POST', '/api/v1/products', {
      sku,
      name: 'Pipeline lamp',
      category: 'pipeline',
      price: { amount: 2000, currency: 'GBP' },
      cost: { amount: 800, currency: 'GBP' },
      reorderPoint: 5,
    });
    await eventually(
      async () => (await fetch(`${runtime.url}/api/v1/stock/${sku}`, { headers: await authHeader() })).ok,
    );
    await call('POST', `/api/v1/stock/${sku}/receipts`, { quantity: 30 });
    await call('POST', `/api/v1/stock/${sku}/adjustments`, { delta: -4, reason: 'damaged' });

    const started = Date.now();
    const after = await eventually(async () => {
      const s = (await call('GET', '/api/v1/reports/summary')) as Summary;
      return s.totalUnitsOnHand === before.totalUnitsOnHand + 26 ? s : undefined;
    }, 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(after.inventoryValue.amount - before.inventoryValue.amount).toBe(26 * 800);
    expect(after.totalSkus).toBe(before.totalSkus + 1);
    const today = new Date().toISOString().slice(0, 10);
    const point = after.movementTrend.find((m) => m.date === today)!;
    const was = before.movementTrend.find((m) => m.date === today)!;
    expect([point.inbound - was.inbound, point.outbound - was.outbound]).toEqual([30, 4]);
    expect(after.dataAsOf).not.toBeNull();

    const movements = await call('GET', `/api/v1/reports/movements?groupBy=reason&sku=${sku}`);
    expect(movements.rows).toEqual([
      { group: 'damaged', inbound: 0, outbound: 4, net: -4, movements: 1 },
      { group: 'receive', inbound: 30, outbound: 0, net: 30, movements: 1 },
    ]);
  });
});
