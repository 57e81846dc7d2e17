import { beforeAll, describe, expect, it } from 'vitest';
import { DataApiSql } from '../lib/data-api.ts';
import { seedDemoDemandHistory } from '../local/demo-history.ts';
import type { Forecast, Summary } from '../services/reporting/contract.ts';
import { app as reportingApp } from '../services/reporting/handlers/api.ts';
import { reportingService } from '../services/reporting/service.ts';
import { provisionFor, signedIn } from './support/env.ts';

// The local demo's demand history: forecasts on a fresh `npm start`, and nothing twice.
const api = signedIn(reportingApp, 'viewer');
let applied = 0;

beforeAll(async () => {
  await provisionFor([reportingService]);
  applied = await seedDemoDemandHistory(DataApiSql.fromEnv(), ['TSHIRT-BLUE-M', 'CHARGER-65W']);
}, 120_000);

describe('the demo demand history', () => {
  it('gives each demo product a forecast: smooth demand by exponential smoothing, sparse demand by an intermittent method', async () => {
    expect(applied).toBeGreaterThan(100);
    const smooth = (await (await api.request('/api/v1/forecasts/TSHIRT-BLUE-M')).json()) as Forecast;
    expect(smooth.history.length).toBeGreaterThan(100);
    expect(smooth.points).toHaveLength(28);
    expect(smooth.classification).toBe('smooth');
    expect(smooth.points[0]!.upper95).toBeGreaterThan(smooth.points[0]!.mean);
    const sparse = (await (await api.request('/api/v1/forecasts/CHARGER-65W')).json()) as Forecast;
    expect(['intermittent', 'lumpy']).toContain(sparse.classification);
    expect(sparse.method).toMatch(/Croston|Syntetos|Teunter/);
  });

  it('is demand, not orders: the summary lists none of it, and a second run adds nothing', async () => {
    const summary = (await (await api.request('/api/v1/reports/summary')).json()) as Summary;
    expect(summary.recentOrders).toEqual([]);
    expect(await seedDemoDemandHistory(DataApiSql.fromEnv(), ['TSHIRT-BLUE-M', 'CHARGER-65W'])).toBe(0);
  });
});
