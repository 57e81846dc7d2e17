import type { PurchaseOrdering } from './domain/model.ts';

/**
 * STUB of branch h1 only, so that planner-wiring.ts typechecks before the purchase-order half
 * lands: H2 owns this file and its real `defaultPurchaseOrders()`; at merge, take H2's version.
 */
export function defaultPurchaseOrders(): PurchaseOrdering {
  throw new Error(
    'purchase orders are not wired in this branch (services/replenishment/wiring.ts is a stub)',
  );
}
