import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { StepFunctionsSaga } from '../../lib/saga-client.ts';
import type { OutcomeSignal, SagaInput } from './domain/model.ts';
import type { OrderSaga } from './domain/orders.ts';

export const ORDER_SAGA = 'order-saga';

/** The order saga (lib/saga-client.ts): one execution per order, named after it. */
export class SfnOrderSaga implements OrderSaga {
  private readonly saga: StepFunctionsSaga<SagaInput>;

  constructor(stateMachineArn?: () => string) {
    this.saga = new StepFunctionsSaga(ORDER_SAGA, stateMachineArn);
  }

  executionArnOf(orderId: string): string {
    return this.saga.executionArnOf(orderId);
  }

  /** Started before (a duplicate message, or a redelivery after a crash): one saga per order. */
  start(input: SagaInput): Promise<void> {
    return this.saga.start(input.orderId, input);
  }

  signal(taskToken: string, output: OutcomeSignal): Promise<boolean> {
    return this.saga.resume(taskToken, output);
  }

  history(executionArn: string): Promise<HistoryEvent[]> {
    return this.saga.history(executionArn);
  }
}
