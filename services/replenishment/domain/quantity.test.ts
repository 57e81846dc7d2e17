import { describe, expect, it } from 'vitest';
import { orderQuantity, roundUpTo, shouldReorder, totalOf, unitCostFor } from './quantity.ts';

const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('shouldReorder', () => {
  it('fires when cover falls to the min, not above it', () => {
    expect(shouldReorder(10, 10)).toBe(true);
    expect(shouldReorder(9, 10)).toBe(true);
    expect(shouldReorder(11, 10)).toBe(false);
  });
});

describe('orderQuantity', () => {
  const base = { max: 100, cover: 0, ruleMultiple: 1, packMultiple: 1, minOrderQty: 1 };

  it('orders up to max from the cover', () => {
    expect(orderQuantity({ ...base, cover: 37 })).toBe(63);
  });

  it('counts a negative cover (backorders) as need', () => {
    expect(orderQuantity({ ...base, cover: -5 })).toBe(105);
  });

  it('orders nothing when cover already reaches max', () => {
    expect(orderQuantity({ ...base, cover: 100 })).toBe(0);
    expect(orderQuantity({ ...base, cover: 140 })).toBe(0);
  });

  it("rounds up to whole packs of the supplier's pack multiple", () => {
    expect(orderQuantity({ ...base, cover: 37, packMultiple: 12 })).toBe(72);
    expect(orderQuantity({ ...base, cover: 40, packMultiple: 12 })).toBe(60);
  });

  it("rounds up to the rule's multiple", () => {
    expect(orderQuantity({ ...base, cover: 37, ruleMultiple: 25 })).toBe(75);
  });

  it('with both, rounds up to their least common multiple, so it is a whole number of each', () => {
    // lcm(4, 6) = 12: 63 → 72 (18 packs of 4, 12 of 6).
    const quantity = orderQuantity({ ...base, cover: 37, ruleMultiple: 4, packMultiple: 6 });
    expect(quantity).toBe(72);
    expect(quantity % 4).toBe(0);
    expect(quantity % 6).toBe(0);
  });

  it('orders at least the minimum order quantity, then rounds that up to packs', () => {
    expect(orderQuantity({ ...base, cover: 95, minOrderQty: 50 })).toBe(50);
    expect(orderQuantity({ ...base, cover: 95, minOrderQty: 50, packMultiple: 12 })).toBe(60);
  });

  it('keeps a need above the minimum order quantity as it is', () => {
    expect(orderQuantity({ ...base, cover: 10, minOrderQty: 50 })).toBe(90);
  });
});

describe('unitCostFor', () => {
  const item = {
    unitCost: usd(500),
    priceBreaks: [
      { minQty: 100, unitCost: usd(400) },
      { minQty: 50, unitCost: usd(450) },
    ],
  };

  it('uses the list cost below the first break', () => {
    expect(unitCostFor(item, 49)).toEqual(usd(500));
  });

  it('uses the break with the highest minQty the quantity reaches, in any order of breaks', () => {
    expect(unitCostFor(item, 50)).toEqual(usd(450));
    expect(unitCostFor(item, 99)).toEqual(usd(450));
    expect(unitCostFor(item, 100)).toEqual(usd(400));
    expect(unitCostFor(item, 5000)).toEqual(usd(400));
  });

  it('uses the list cost when there are no breaks', () => {
    expect(unitCostFor({ unitCost: usd(500) }, 1000)).toEqual(usd(500));
  });
});

describe('roundUpTo and totalOf', () => {
  it('leaves exact multiples as they are', () => {
    expect(roundUpTo(24, 12)).toBe(24);
    expect(roundUpTo(25, 12)).toBe(36);
    expect(roundUpTo(7, 1)).toBe(7);
  });

  it('totals lines in integer minor units', () => {
    expect(
      totalOf(
        [
          { quantity: 3, unitCost: usd(199) },
          { quantity: 2, unitCost: usd(1) },
        ],
        'USD',
      ),
    ).toEqual(usd(599));
  });
});
