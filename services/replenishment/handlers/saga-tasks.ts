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
  const pos = defaultPurchaseOrders();
  const id = input.purchaseOrderId;
  return asWorkflowTask(async () => {
    switch (input.action) {
      case 'begin':
        return pos.begin(id);
      case 'await-approval':
        return pos.awaitApproval(id, input.taskToken);
      case 'escalate':
        return pos.escalate(id, input.kind);
      case 'cancel':
        return pos.cancelForSaga(id, input.reason);
      case 'send':
        return pos.send(id, input.reminder);
      case 'mark-sent':
        return pos.markSent(id);
      case 'await-supplier':
        return pos.awaitSupplier(id, input.taskToken);
      case 'overdue':
        return pos.overdue(id);
      case 'handled':
        return pos.handled(id, input.seq);
      case 'fallback':
        return pos.fallback(id, input.reason, input.error);
    }
  });
}
