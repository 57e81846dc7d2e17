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
import type { SagaInput } from './domain/model.ts';
import type { PurchaseOrderSaga } from './domain/purchase-orders.ts';

export const REPLENISHMENT_SAGA = 'replenishment-saga';

/**
 * The replenishment saga through the Step Functions API: the same SDK calls in AWS and locally
 * (the local runtime points AWS_ENDPOINT_URL_SFN at its endpoint and sets
 * REPLENISHMENT_SAGA_STATE_MACHINE_ARN). One execution per PO raised, named after it.
 */
export class SfnPurchaseOrderSaga implements PurchaseOrderSaga {
  constructor(
    private readonly stateMachineArn: () => string = () => requireEnv(stateMachineEnvVar(REPLENISHMENT_SAGA)),
  ) {}

  executionArnOf(executionName: string): string {
    return `${this.stateMachineArn().replace(':stateMachine:', ':execution:')}:${executionName}`;
  }

  async start(executionName: string, input: SagaInput): Promise<void> {
    try {
      await sfn().send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn(),
          name: executionName,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      // Started before (a duplicate trigger, a retry after a crash, a re-drive of a live one).
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  async resume(taskToken: string, output: unknown): Promise<boolean> {
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
