import { StepFunctionsSaga } from '../../lib/saga-client.ts';
import type { SagaInput } from './domain/model.ts';
import type { PurchaseOrderSaga } from './domain/purchase-orders.ts';

export const REPLENISHMENT_SAGA = 'replenishment-saga';

/**
 * The replenishment saga (lib/saga-client.ts): one execution per PO raised, named after it; a
 * fallback PO continues the execution of the PO it replaces.
 */
export class SfnPurchaseOrderSaga extends StepFunctionsSaga<SagaInput> implements PurchaseOrderSaga {
  constructor(stateMachineArn?: () => string) {
    super(REPLENISHMENT_SAGA, stateMachineArn);
  }
}
