import { asWorkflowTask } from '../../../lib/errors.ts';
import { parseOrThrow } from '../../../lib/parse.ts';
import { sagaTaskInputSchema } from '../domain/model.ts';
import { defaultPurchaseOrders } from '../wiring.ts';

/**
 * The replenishment saga's tasks (workflows/replenishment-saga.ts), dispatched on `action`.
 * `send` throws SupplierUnavailable / SupplierRefused / SupplierGone for the state machine's
 * Retry and Catch; anything unexpected is a TransientError (see asWorkflowTask).
 */
export async function handler(event: unknown): Promise<unknown> {
  const input = parseOrThrow(sagaTaskInputSchema, event);
  return asWorkflowTask(() => defaultPurchaseOrders().runTask(input));
}
