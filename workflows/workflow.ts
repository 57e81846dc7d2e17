import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { WorkflowDecl } from '../lib/topology.ts';

/**
 * Building blocks for the state machines in `workflows/`. A workflow is defined once, with CDK
 * constructs: `infra/` deploys it with the real functions, and the local runtime extracts the
 * same ASL and runs it with the same handlers (local/stepfunctions).
 *
 * Handler side (no CDK import there): a callback step's function receives its payload plus
 * `taskToken` (see {@link TASK_TOKEN_FIELD}), stores the token with the business record, and
 * returns. Whoever learns the outcome later calls SendTaskSuccess/SendTaskFailure with it.
 */

/** Declares a workflow; the task keys type the `fns` its `build` receives. */
export const defineWorkflow = <Task extends string>(decl: WorkflowDecl<Task>): WorkflowDecl<Task> => decl;

/** The field of a callback step's payload that carries the task token. */
export const TASK_TOKEN_FIELD = 'taskToken';

export interface RetryPolicy {
  /** Error names (a thrown error's `name`), e.g. `TransientError`. */
  errors: string[];
  maxAttempts?: number;
  intervalSeconds?: number;
  backoffRate?: number;
  maxDelaySeconds?: number;
}

/** Throttling and conflicts: a few quick tries with exponential backoff and full jitter. */
export const TRANSIENT_RETRY: RetryPolicy = {
  errors: ['TransientError'],
  maxAttempts: 3,
  intervalSeconds: 1,
  backoffRate: 2,
  maxDelaySeconds: 30,
};

/**
 * Any error, a few times: for a step that is idempotent (repeating it is a no-op), so that a
 * Lambda that timed out after its write (Sandbox.Timedout, which matches only States.ALL) is
 * tried again.
 */
export const ANY_ERROR_RETRY: RetryPolicy = {
  errors: ['States.ALL'],
  maxAttempts: 3,
  intervalSeconds: 1,
  backoffRate: 2,
};
/**
 * An idempotent step: transient errors for a long while (a step that must get through, e.g. a
 * compensation, rides out an outage), any other error a few times.
 */
export const IDEMPOTENT_RETRY: RetryPolicy[] = [
  { ...TRANSIENT_RETRY, maxAttempts: 10, maxDelaySeconds: 60 },
  ANY_ERROR_RETRY,
];
/**
 * An idempotent callback step: its invocation is retried (States.TaskFailed), its timeout
 * (States.Timeout, which States.ALL would also match) is not, so the wait's deadline still ends it.
 */
export const CALLBACK_RETRY: RetryPolicy[] = [
  IDEMPOTENT_RETRY[0]!,
  { ...ANY_ERROR_RETRY, errors: ['States.TaskFailed'] },
];

export function addRetries<T extends sfn.TaskStateBase>(task: T, policies: RetryPolicy[]): T {
  for (const policy of policies) {
    task.addRetry({
      errors: policy.errors,
      maxAttempts: policy.maxAttempts ?? 3,
      interval: Duration.seconds(policy.intervalSeconds ?? 1),
      backoffRate: policy.backoffRate ?? 2,
      ...(policy.maxDelaySeconds ? { maxDelay: Duration.seconds(policy.maxDelaySeconds) } : {}),
      jitterStrategy: sfn.JitterType.FULL,
    });
  }
  return task;
}

export interface StepProps {
  fn: IFunction;
  /** The event the function receives (JsonPath values allowed); by default the state input. */
  payload?: Record<string, unknown>;
  /** Shapes the `lambda:invoke` result (`{ Payload, StatusCode, ... }`), e.g. `{ 'order.$': '$.Payload' }`. */
  resultSelector?: Record<string, unknown>;
  /** Where the (selected) result goes in the state; `sfn.JsonPath.DISCARD` keeps the input as is. */
  resultPath?: string;
  /** Errors retried on top of Lambda's service exceptions; default {@link TRANSIENT_RETRY}. */
  retry?: RetryPolicy[];
  comment?: string;
}

/** A Lambda task (`arn:aws:states:::lambda:invoke`) that retries transient errors. */
export function invokeStep(scope: Construct, id: string, props: StepProps): tasks.LambdaInvoke {
  return addRetries(
    new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: props.fn,
      payload: props.payload ? sfn.TaskInput.fromObject(props.payload) : undefined,
      resultSelector: props.resultSelector,
      resultPath: props.resultPath,
      comment: props.comment,
    }),
    props.retry ?? [TRANSIENT_RETRY],
  );
}

export interface CallbackStepProps extends StepProps {
  /** How long to wait for SendTaskSuccess/Failure: `sfn.Timeout.duration(...)` or `sfn.Timeout.at('$.path')`. */
  timeout: sfn.Timeout;
  /** Fail with States.HeartbeatTimeout when no SendTaskHeartbeat arrives within this. */
  heartbeat?: sfn.Timeout;
}

/**
 * A task that invokes the function with a task token (`lambda:invoke.waitForTaskToken`) and then
 * waits for someone to call SendTaskSuccess/SendTaskFailure with it. A timeout is mandatory:
 * a lost callback must end in States.Timeout (catchable), never in a saga waiting forever.
 */
export function callbackStep(scope: Construct, id: string, props: CallbackStepProps): tasks.LambdaInvoke {
  return addRetries(
    new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: props.fn,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({
        ...(props.payload ?? { 'input.$': '$' }),
        [TASK_TOKEN_FIELD]: sfn.JsonPath.taskToken,
      }),
      taskTimeout: props.timeout,
      heartbeatTimeout: props.heartbeat,
      resultSelector: props.resultSelector,
      resultPath: props.resultPath,
      comment: props.comment,
    }),
    props.retry ?? [TRANSIENT_RETRY],
  );
}
