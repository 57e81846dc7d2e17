/**
 * Errors of the Step Functions API, by their AWS error code. The endpoint answers them as
 * HTTP 400 `{ "__type": code, "message": ... }`, which @aws-sdk/client-sfn turns into its own
 * exception classes (`instanceof ExecutionAlreadyExists` works on the client).
 */
export type SfnErrorCode =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'StateMachineDoesNotExist'
  | 'InvalidArn'
  | 'InvalidName'
  | 'InvalidExecutionInput'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException'
  | 'UnknownOperationException';

export class SfnApiError extends Error {
  constructor(
    readonly code: SfnErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * An error a Task state reports to the state machine: its `name` is the ASL error name that
 * Retry/Catch `ErrorEquals` match, its `message` the Cause.
 */
export class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/**
 * Unwinds a task whose execution was stopped or timed out. aws-local-stepfunctions reads these
 * flags, so neither Retry nor Catch (not even States.ALL) can intercept it, as in AWS.
 */
export class ExecutionClosedError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor() {
    super('the execution is no longer running');
    this.name = 'States.Runtime';
  }
}

/**
 * The Cause AWS reports for an error thrown by a Lambda handler: a JSON string with the error's
 * type, message and stack trace. The error name (`TransientError`, ...) is what Retry/Catch match.
 */
export function lambdaError(error: unknown): TaskError {
  const err = error instanceof Error ? error : new Error(String(error));
  const errorType = err.name || 'Error';
  return new TaskError(
    errorType,
    JSON.stringify({ errorType, errorMessage: err.message, trace: err.stack?.split('\n') ?? [] }),
  );
}
