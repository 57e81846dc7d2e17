import type {
  Forecast,
  MovementsReport,
  ReportSummary,
  StockLevelsReport,
  ValuationReport,
} from '../api/types.ts';

/** The reporting service's answers, as services/reporting/contract.ts shapes them. */

const FRESH = { dataAsOf: '2026-12-03T10:15:00.000Z', lagSeconds: 4 };

const days = (n: number, end = '2026-12-03') =>
  Array.from({ length: n }, (_, i) => {
    const d = new Date(`${end}T00:00:00.000Z`);
    d.setUTCDate(d.getUTCDate() - (n - 1 - i));
    return d.toISOString().slice(0, 10);
  });

export function reportSummary(overrides: Partial<ReportSummary> = {}): ReportSummary {
  const dates = days(30);
  return {
    totalSkus: 42,
    totalUnitsOnHand: 1234,
    inventoryValue: { amount: 987_650, currency: 'USD' },
    retailValue: { amount: 2_345_600, currency: 'USD' },
    productsWithoutCost: 2,
    lowStockCount: 3,
    outOfStockCount: 1,
    totalReserved: 40,
    totalAvailable: 1150,
    recentOrders: [
      {
        orderId: 'ord-1',
        status: 'FULFILLED',
        lines: [{ sku: 'TEE-S', quantity: 2 }],
        placedAt: '2026-12-03T09:00:00.000Z',
        updatedAt: '2026-12-03T09:01:00.000Z',
      },
    ],
    movementTrend: dates.map((date, i) => ({ date, inbound: i === 29 ? 12 : 0, outbound: i === 29 ? 5 : 1 })),
    valueTrend: dates.map((date, i) => ({ date, value: 900_000 + i * 3000 })),
    ...FRESH,
    ...overrides,
  };
}

export function stockLevelsReport(overrides: Partial<StockLevelsReport> = {}): StockLevelsReport {
  return {
    asOf: null,
    rows: [
      {
        sku: 'TEE-S',
        name: 'T-shirt S',
        category: 'apparel',
        locationId: 'main',
        onHand: 9,
        reserved: 2,
        available: 7,
        reorderPoint: 10,
        status: 'low',
      },
      {
        sku: 'MUG-1',
        name: 'Mug',
        category: 'kitchen',
        locationId: 'main',
        onHand: 0,
        reserved: 0,
        available: 0,
        reorderPoint: 5,
        status: 'out',
      },
    ],
    ...FRESH,
    ...overrides,
  };
}

export function movementsReport(overrides: Partial<MovementsReport> = {}): MovementsReport {
  return {
    groupBy: 'day',
    rows: [
      { group: '2026-12-01', inbound: 20, outbound: 4, net: 16, movements: 3 },
      { group: '2026-12-02', inbound: 0, outbound: 7, net: -7, movements: 2 },
    ],
    ...FRESH,
    ...overrides,
  };
}

export function valuationReport(overrides: Partial<ValuationReport> = {}): ValuationReport {
  return {
    asOf: null,
    currency: 'USD',
    total: 150_000,
    totalRetail: 320_000,
    byCategory: [
      { category: 'apparel', value: 100_000, units: 120 },
      { category: 'kitchen', value: 50_000, units: 40 },
    ],
    byLocation: [{ locationId: 'main', value: 150_000, units: 160 }],
    withoutCost: [{ sku: 'FREE-1', name: 'Free sample', onHand: 12 }],
    ...FRESH,
    ...overrides,
  };
}

export function forecast(overrides: Partial<Forecast> = {}): Forecast {
  const history = days(14, '2026-12-02');
  const ahead = Array.from({ length: 28 }, (_, i) => {
    const d = new Date('2026-12-03T00:00:00.000Z');
    d.setUTCDate(d.getUTCDate() + i);
    return d.toISOString().slice(0, 10);
  });
  return {
    sku: 'TEE-S',
    method: 'ETS(A,N,A) weekly season',
    classification: 'smooth',
    horizonDays: 28,
    points: ahead.map((date, i) => ({
      date,
      mean: 4 + (i % 7) * 0.5,
      lower80: 2,
      upper80: 7,
      lower95: 1,
      upper95: 9,
    })),
    holdout: { mase: 0.82, days: 14 },
    history: history.map((date, i) => ({ date, units: 3 + (i % 3), lostUnits: i === 5 ? 2 : 0 })),
    ...FRESH,
    ...overrides,
  };
}
