import { describe, expect, it } from 'vitest';
import { product } from '../test/fakeApi.ts';
import { inventoryCsv } from './Reports.tsx';

describe('inventory CSV', () => {
  it('has one row per product with stock, price in major units and status, quoting where needed', () => {
    // Prepare
    const items = [
      product({
        sku: 'TEE-S',
        name: 'T-shirt, "slim"',
        stock: { onHand: 9, reserved: 2, available: 0, incoming: 5 },
      }),
    ];

    // Act
    const csv = inventoryCsv(items);

    // Assess
    expect(csv.split('\r\n')).toEqual([
      'SKU,Name,Category,On hand,Reserved,Available,Incoming,Price,Currency,Status',
      'TEE-S,"T-shirt, ""slim""",apparel,9,2,0,5,19.99,USD,Out of stock',
      '',
    ]);
  });
});
