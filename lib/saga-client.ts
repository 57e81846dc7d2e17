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
import { requireEnv, sfn } from './aws.ts';
import { stateMachineEnvVar } from './topology.ts';

/**
 * One saga (a Step Functions state machine) through the Step Functions API: the same SDK calls in
 * AWS and locally (the local runtime points AWS_ENDPOINT_URL_SFN at its endpoint and sets
 * `<WORKFLOW>_STATE_MACHINE_ARN`). Executions are named after the business record they drive, so
 * starting one twice is a no-op; a service wraps it in the port its domain declares.
 */
export class StepFunctionsSaga<Input> {
  private readonly stateMachineArn: () => string;

  /** `workflow`: the workflow's name (its state machine ARN is read from the environment at each call). */
  constructor(workflow: string, stateMachineArn?: () => string) {
    this.stateMachineArn = stateMachineArn ?? (() => requireEnv(stateMachineEnvVar(workflow)));
  }

  /** The ARN the execution of that name has (or will have). */
  executionArnOf(executionName: string): string {
    return `${this.stateMachineArn().replace(':stateMachine:', ':execution:')}:${executionName}`;
  }

  /** Starts the execution of that name; one that exists already (a duplicate, a retry, a re-drive) counts as started. */
  async start(executionName: string, input: Input): Promise<void> {
    try {
      await sfn().send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn(),
          name: executionName,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  /** SendTaskSuccess; false when the token is no longer waiting (resumed, timed out, or unknown). */
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

  /** The execution's whole event history (every page); empty when there is no such execution. */
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
