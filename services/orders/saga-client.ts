import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidToken,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { requireEnv, sfn } from '../../lib/aws.ts';
import { stateMachineEnvVar } from '../../lib/topology.ts';
import type { OutcomeSignal, SagaInput } from './domain/model.ts';
import type { OrderSaga } from './domain/orders.ts';

export const ORDER_SAGA = 'order-saga';

/**
 * The order saga through the Step Functions API: the same SDK calls in AWS and locally (the local
 * runtime points AWS_ENDPOINT_URL_SFN at its endpoint and sets ORDER_SAGA_STATE_MACHINE_ARN).
 */
export class SfnOrderSaga implements OrderSaga {
  constructor(
    private readonly stateMachineArn: () => string = () => requireEnv(stateMachineEnvVar(ORDER_SAGA)),
  ) {}

  executionArnOf(orderId: string): string {
    return `${this.stateMachineArn().replace(':stateMachine:', ':execution:')}:${orderId}`;
  }

  async start(input: SagaInput): Promise<void> {
    try {
      await sfn().send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn(),
          name: input.orderId,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      // Started before (a duplicate message, or a redelivery after a crash): one saga per order.
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  async signal(taskToken: string, output: OutcomeSignal): Promise<boolean> {
    try {
      await sfn().send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
      return true;
    } catch (error) {
      if (error instanceof TaskTimedOut || error instanceof InvalidToken || error instanceof TaskDoesNotExist)
        return false;
      throw error;
    }
  }

  async history(executionArn: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await sfn().send(
          new GetExecutionHistoryCommand({
            executionArn,
            maxResults: 1000,
            nextToken,
            includeExecutionData: false,
          }),
        );
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return [];
      throw error;
    }
    return events;
  }
}
