/**
 * How much to order, and at what unit cost: pure arithmetic, shared by the planner (a rule's PO)
 * and the fallback (the same need, priced by another supplier).
 *
 * Cover is `available + open purchase-order quantity expected within the lead time`: stock already
 * on order counts (InvenTree #4904 left it out and ordered twice), stock due after the lead time
 * does not (OCA stock-logistics-warehouse #582 counted far-future POs as cover and ran out).
 */

export interface Money {
  amount: number;
  currency: string;
}

export interface PriceBreak {
  minQty: number;
  unitCost: Money;
}

/** A rule fires when cover falls to its min or below. */
export const shouldReorder = (cover: number, min: number): boolean => cover <= min;

/** The smallest multiple of `multiple` that is >= `quantity` (quantity and multiple positive integers). */
export function roundUpTo(quantity: number, multiple: number): number {
  if (multiple <= 1) return quantity;
  return Math.ceil(quantity / multiple) * multiple;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/**
 * The quantity to order: `max - cover`, at least `minOrderQty`, rounded UP so that it is a whole
 * number of the supplier's packs AND a multiple of the rule's multiple (their least common
 * multiple). 0 when cover already reaches max.
 */
export function orderQuantity(input: {
  max: number;
  cover: number;
  ruleMultiple: number;
  packMultiple: number;
  minOrderQty: number;
}): number {
  const need = input.max - input.cover;
  if (need <= 0) return 0;
  const step = lcm(Math.max(1, input.ruleMultiple), Math.max(1, input.packMultiple));
  return roundUpTo(Math.max(need, input.minOrderQty), step);
}

/** The unit cost for a quantity: the price break with the highest `minQty` it reaches, else the list cost. */
export function unitCostFor(
  item: { unitCost: Money; priceBreaks?: readonly PriceBreak[] },
  quantity: number,
): Money {
  let best: PriceBreak | undefined;
  for (const b of item.priceBreaks ?? []) {
    if (quantity >= b.minQty && (!best || b.minQty > best.minQty)) best = b;
  }
  return best?.unitCost ?? item.unitCost;
}

/** Σ quantity × unitCost (all lines in one currency: the supplier's). */
export function totalOf(lines: readonly { quantity: number; unitCost: Money }[], currency: string): Money {
  return { amount: lines.reduce((sum, l) => sum + l.quantity * l.unitCost.amount, 0), currency };
}
