import { defaultOrders } from './wiring.ts';

/**
 * Re-drives the order saga of every order not in a final state; the local runtime calls it once
 * after it started. Its Step Functions engine keeps executions in memory, so after a restart a
 * PENDING or RESERVED order has no saga running: this starts it again, and the idempotent steps
 * pick up where the order stands. Never needed in AWS, where executions survive deployments and
 * restarts (a Standard execution runs up to a year), so nothing there calls it.
 */
export function redriveOpenOrders(): Promise<number> {
  return defaultOrders().redriveOpenOrders();
}
