import { defaultPurchaseOrders } from './wiring.ts';

/**
 * Re-drives the replenishment saga of every purchase order not in a final state; the local
 * runtime calls it once after it started (its Step Functions engine keeps executions in memory).
 * Every task is idempotent, so each saga picks up where its PO stands. Never needed in AWS.
 */
export function redriveOpenPurchaseOrders(): Promise<number> {
  return defaultPurchaseOrders().redriveOpen();
}
