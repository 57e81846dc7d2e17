import { describe, expect, it } from 'vitest';
import { product } from '../test/fakeApi.ts';
import { summarize } from './summary.ts';

describe('dashboard figures without the reporting service', () => {
  it('adds up units, value at cost, reserved and available, and counts low and out-of-stock products', () => {
    // Prepare
    const items = [
      product({
        sku: 'A',
        cost: { amount: 500, currency: 'USD' },
        reorderPoint: 10,
        stock: { onHand: 20, reserved: 2, available: 16, incoming: 0 },
      }),
      product({
        sku: 'B',
        cost: { amount: 1000, currency: 'USD' },
        reorderPoint: 10,
        stock: { onHand: 6, reserved: 0, available: 4, incoming: 5 },
      }),
      product({
        sku: 'C',
        cost: { amount: 200, currency: 'USD' },
        reorderPoint: 3,
        stock: { onHand: 1, reserved: 1, available: -2, incoming: 0 },
      }),
    ];

    // Act
    const summary = summarize(items, []);

    // Assess
    expect(summary).toMatchObject({
      totalSkus: 3,
      totalUnitsOnHand: 27,
      inventoryValue: { amount: 20 * 500 + 6 * 1000 + 1 * 200, currency: 'USD' },
      lowStockCount: 1,
      outOfStockCount: 1,
      totalReserved: 3,
      totalAvailable: 20,
      movementTrend: [],
    });
  });
});
