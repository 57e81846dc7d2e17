import type {
  AbcReport,
  AgingReport,
  Forecast,
  MovementsReport,
  ReorderSuggestion,
  ReorderSuggestions,
  ReportSummary,
  ReservationsReport,
  StockLevelsReport,
  StockoutsReport,
  SupplierPerformanceReport,
  TurnoverReport,
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

const PERIOD = { from: '2026-09-05', to: '2026-12-03', days: 90 };

export function turnoverReport(overrides: Partial<TurnoverReport> = {}): TurnoverReport {
  return {
    ...PERIOD,
    currency: 'USD',
    rows: [
      {
        sku: 'TEE-S',
        name: 'T-shirt S',
        category: 'apparel',
        unitsSold: 90,
        cogs: 45_000,
        averageOnHand: 30,
        averageInventoryValue: 15_000,
        onHandEnd: 20,
        turnover: 3,
        daysOfCover: 20,
        sellThrough: 90 / 110,
      },
      {
        sku: 'MUG-1',
        name: 'Mug',
        category: 'kitchen',
        unitsSold: 9,
        cogs: 2_700,
        averageOnHand: 45.5,
        averageInventoryValue: 13_650,
        onHandEnd: 40,
        turnover: 0.1978,
        daysOfCover: 400,
        sellThrough: 9 / 49,
      },
      {
        sku: 'NEW-1',
        name: 'New thing',
        category: 'kitchen',
        unitsSold: 0,
        cogs: 0,
        averageOnHand: 0,
        averageInventoryValue: 0,
        onHandEnd: 5,
        turnover: null,
        daysOfCover: null,
        sellThrough: 0,
      },
    ],
    totals: { unitsSold: 99, cogs: 47_700, averageInventoryValue: 28_650, turnover: 47_700 / 28_650 },
    ...FRESH,
    ...overrides,
  };
}

export function agingReport(overrides: Partial<AgingReport> = {}): AgingReport {
  return {
    asOf: '2026-12-03',
    days: 90,
    currency: 'USD',
    rows: [
      {
        sku: 'OLD-1',
        name: 'Old lamp',
        category: 'home',
        onHand: 12,
        value: 36_000,
        lastOutbound: '2026-06-01',
        stockedSince: '2026-01-10',
        daysSinceOutbound: 185,
      },
      {
        sku: 'NEVER-1',
        name: 'Never sold',
        category: 'home',
        onHand: 3,
        value: 1_500,
        lastOutbound: null,
        stockedSince: '2026-08-01',
        daysSinceOutbound: 124,
      },
    ],
    totals: { skus: 2, units: 15, value: 37_500 },
    ...FRESH,
    ...overrides,
  };
}

export function abcReport(overrides: Partial<AbcReport> = {}): AbcReport {
  return {
    from: '2025-12-04',
    to: '2026-12-03',
    days: 365,
    currency: 'USD',
    total: 100_000,
    rows: [
      {
        sku: 'TEE-S',
        name: 'T-shirt S',
        category: 'apparel',
        unitsSold: 150,
        value: 75_000,
        share: 0.75,
        cumulativeShare: 0.75,
        class: 'A',
      },
      {
        sku: 'MUG-1',
        name: 'Mug',
        category: 'kitchen',
        unitsSold: 60,
        value: 18_000,
        share: 0.18,
        cumulativeShare: 0.93,
        class: 'B',
      },
      {
        sku: 'PEN-1',
        name: 'Pen',
        category: 'office',
        unitsSold: 70,
        value: 7_000,
        share: 0.07,
        cumulativeShare: 1,
        class: 'C',
      },
    ],
    classes: [
      { class: 'A', skus: 1, value: 75_000, share: 0.75 },
      { class: 'B', skus: 1, value: 18_000, share: 0.18 },
      { class: 'C', skus: 1, value: 7_000, share: 0.07 },
    ],
    ...FRESH,
    ...overrides,
  };
}

export function stockoutsReport(overrides: Partial<StockoutsReport> = {}): StockoutsReport {
  return {
    ...PERIOD,
    rows: [
      {
        sku: 'TEE-S',
        name: 'T-shirt S',
        category: 'apparel',
        locationId: 'main',
        stockouts: 2,
        daysOutOfStock: 5,
        outAtEnd: true,
      },
    ],
    fillRate: { unitsOrdered: 200, unitsReserved: 184, unitsRejected: 16, rate: 0.92 },
    fillRateBySku: [
      {
        sku: 'TEE-S',
        name: 'T-shirt S',
        unitsOrdered: 120,
        unitsReserved: 104,
        unitsRejected: 16,
        rate: 104 / 120,
      },
      { sku: 'MUG-1', name: 'Mug', unitsOrdered: 80, unitsReserved: 80, unitsRejected: 0, rate: 1 },
    ],
    ...FRESH,
    ...overrides,
  };
}

export function supplierPerformanceReport(
  overrides: Partial<SupplierPerformanceReport> = {},
): SupplierPerformanceReport {
  return {
    ...PERIOD,
    rows: [
      {
        supplierId: 'sup-acme',
        name: 'Acme Textiles',
        purchaseOrders: 6,
        rejectedOrCancelled: 1,
        receipts: 5,
        unitsOrdered: 600,
        unitsReceived: 540,
        receivedRate: 0.9,
        averageLeadTimeDays: 6.5,
        promisedLeadTimeDays: 5,
        onTimeRate: 0.6,
      },
      {
        supplierId: 'sup-bolt',
        name: null,
        purchaseOrders: 1,
        rejectedOrCancelled: 0,
        receipts: 0,
        unitsOrdered: 50,
        unitsReceived: 0,
        receivedRate: 0,
        averageLeadTimeDays: null,
        promisedLeadTimeDays: 7,
        onTimeRate: null,
      },
    ],
    ...FRESH,
    ...overrides,
  };
}

export function reservationsReport(overrides: Partial<ReservationsReport> = {}): ReservationsReport {
  const dates = days(7);
  return {
    from: dates[0]!,
    to: dates[6]!,
    days: 7,
    byDay: dates.map((date, i) => ({
      date,
      expiries: i === 6 ? 3 : 0,
      expiredUnits: i === 6 ? 5 : 0,
      rejects: i === 5 ? 2 : 0,
      rejectedUnits: i === 5 ? 4 : 0,
    })),
    bySku: [{ sku: 'TEE-S', name: 'T-shirt S', expiries: 3, expiredUnits: 5, rejects: 2, rejectedUnits: 4 }],
    totals: { expiries: 3, expiredUnits: 5, rejects: 2, rejectedUnits: 4 },
    ...FRESH,
    ...overrides,
  };
}

export function reorderSuggestion(overrides: Partial<ReorderSuggestion> = {}): ReorderSuggestion {
  return {
    sku: 'TEE-S',
    name: 'T-shirt S',
    category: 'apparel',
    currentReorderPoint: 10,
    suggestedReorderPoint: 42,
    difference: 32,
    demandOverLeadTime: 35,
    safetyStock: 6.4,
    z: 1.645,
    sigma: 1.46,
    leadTimeDays: 7,
    leadTimeSource: 'supplier',
    supplierId: 'sup-acme',
    available: 20,
    dailyDemand: 5,
    daysOfCover: 4,
    method: 'ets-damped-seasonal',
    ...overrides,
  };
}

export function reorderSuggestions(overrides: Partial<ReorderSuggestions> = {}): ReorderSuggestions {
  return {
    serviceLevel: 0.95,
    rows: [
      reorderSuggestion(),
      reorderSuggestion({
        sku: 'MUG-1',
        name: 'Mug',
        category: 'kitchen',
        currentReorderPoint: 30,
        suggestedReorderPoint: 22,
        difference: -8,
        demandOverLeadTime: 20,
        safetyStock: 1.5,
        leadTimeDays: 7,
        leadTimeSource: 'default',
        supplierId: null,
        daysOfCover: 30,
      }),
    ],
    ...FRESH,
    ...overrides,
  };
}
