import './polyfill.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { type LambdaHandler, lambdaContext } from '../lambda.ts';
import {
  type AslDefinition,
  type AslState,
  forEachState,
  type LocalAwsEnv,
  localAwsEnv,
} from './definition.ts';
import { ExecutionClosedError, lambdaError, SfnApiError, TaskError } from './errors.ts';

/**
 * Step Functions (Standard) in this process: the same ASL, run by aws-local-stepfunctions, with
 * every Task state mapped to the handler function Lambda runs. What the library lacks is added
 * here: executions addressable by name and ARN (StartExecution is idempotent per name), task
 * tokens for `.waitForTaskToken` (minted per wait, resolved by SendTaskSuccess/Failure), task
 * timeouts and heartbeats enforced here, and an AWS-shaped event history per execution (memory
 * only: after a restart the owning services re-drive what was running).
 */

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A declared function as a Task state invokes it. */
export interface TaskFunction {
  name: string;
  handler: LambdaHandler;
  timeoutSeconds?: number;
}

export interface StateMachineSpec {
  /** Physical name, e.g. `azura-order-saga`. */
  name: string;
  definition: AslDefinition;
  /** The function a Task names (ARN, or name for `lambda:invoke`); undefined if unknown. */
  resolveFunction(ref: string): TaskFunction | undefined;
}

export interface EngineOptions {
  env?: LocalAwsEnv;
  /** Pause between retries in ms instead of IntervalSeconds/BackoffRate (fast tests). */
  retryDelayMs?: number;
  onError?: (error: unknown, where: string) => void;
}

/** One event of an execution's history, shaped like the SDK's `HistoryEvent`. */
export interface HistoryEvent {
  timestamp: Date;
  type: string;
  id: number;
  previousEventId: number;
  [details: string]: unknown;
}

/** Where `$$.Task.Token` resolves; each wait replaces it with a freshly minted token. */
const TOKEN_PLACEHOLDER = '__local_task_token__';
/** Parameters injected so the library evaluates TimeoutSecondsPath/HeartbeatSecondsPath for us. */
const TIMEOUT_KEY = '__local_timeout_seconds';
const HEARTBEAT_KEY = '__local_heartbeat_seconds';
const INPUT_KEY = '__local_input';
/** Longest timer Node can arm is ~24.8 days; the library arms its own task/execution timers. */
const LIBRARY_TIMEOUT_CEILING_SECONDS = 2_000_000;

const INVOKE_RESOURCE = /^arn:aws[\w-]*:states:::lambda:invoke(\.waitForTaskToken)?$/;
const FUNCTION_ARN = /^arn:aws[\w-]*:lambda:[^:]+:\d+:function:[^:]+(:[^:]+)?$/;
const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
const hasControlCharacter = (text: string): boolean =>
  [...text].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f));

interface TaskSpec {
  stateName: string;
  integration: 'invoke' | 'direct';
  waitForToken: boolean;
  fn: TaskFunction;
  /** The `resource` AWS reports in task events (`invoke`, `invoke.waitForTaskToken`) or the function ARN. */
  resource: string;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  dynamicTimeout: boolean;
  dynamicHeartbeat: boolean;
  wrappedInput: boolean;
}

interface CompiledMachine {
  arn: string;
  name: string;
  definition: AslDefinition;
  local: StateMachine;
  tasks: Map<string, TaskSpec>;
  retryStates: string[];
  creationDate: Date;
}

interface PendingTask {
  execution: Execution;
  succeed(output: unknown): void;
  fail(error: Error): void;
  heartbeat(): void;
}

interface Execution {
  arn: string;
  name: string;
  machine: CompiledMachine;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  /** Attempts in flight, cancelled when the execution closes. */
  inFlight: Set<(error: Error) => void>;
  abort(): void;
}

const json = (value: unknown): string => JSON.stringify(value ?? null);
const causeText = (cause: unknown): string | undefined =>
  cause === undefined || cause === null ? undefined : typeof cause === 'string' ? cause : json(cause);

function replaceDeep(value: unknown, placeholder: string, replacement: string): unknown {
  if (typeof value === 'string') return value.replaceAll(placeholder, replacement);
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, placeholder, replacement));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, replaceDeep(v, placeholder, replacement)]),
    );
  }
  return value;
}

const page = <T>(items: T[], maxResults: number | undefined, nextToken: string | undefined) => {
  const start = nextToken ? Number(Buffer.from(nextToken, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw new SfnApiError('ValidationException', 'Invalid nextToken');
  const size = Math.min(Math.max(maxResults || 100, 1), 1000);
  const end = start + size;
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
};

/**
 * aws-local-stepfunctions lets `States.TaskFailed` match every error but its own (unexported)
 * timeout class. Our timeouts must be instances of it to behave like AWS's States.Timeout, so
 * the class is caught once from a 1 ms probe run.
 */
let timeoutErrorClass: Promise<new () => Error> | undefined;
function statesTimeoutError(): Promise<new () => Error> {
  timeoutErrorClass ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'probe',
        States: {
          probe: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:0:function:p',
            TimeoutSeconds: 0.001,
            End: true,
          },
        },
      } as StateMachineDefinition,
      { validationOptions: { noValidate: true } },
    );
    const run = probe.run(
      {},
      { overrides: { taskResourceLocalHandlers: { probe: () => new Promise(() => {}) } } },
    );
    try {
      await run.result;
    } catch (error) {
      const cause = (error as Error).cause;
      if (cause instanceof Error && cause.name === 'States.Timeout') {
        return cause.constructor as new () => Error;
      }
    }
    return class extends Error {
      constructor() {
        super('States.Timeout');
        this.name = 'States.Timeout';
      }
    };
  })();
  return timeoutErrorClass;
}

export class LocalStepFunctions {
  readonly env: LocalAwsEnv;
  private readonly machines = new Map<string, CompiledMachine>();
  private readonly executions = new Map<string, Execution>();
  private readonly tokens = new Map<string, PendingTask | 'closed'>();
  private readonly options: EngineOptions;

  constructor(options: EngineOptions = {}) {
    this.options = options;
    this.env = options.env ?? localAwsEnv();
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.env.region}:${this.env.account}:stateMachine:${name}`;
  }

  /** Registers a state machine (validating its ASL and its task functions); returns its ARN. */
  register(spec: StateMachineSpec): string {
    const arn = this.stateMachineArn(spec.name);
    const tasks = new Map<string, TaskSpec>();
    const retryStates: string[] = [];
    const prepared = structuredClone(spec.definition);
    forEachState(prepared, (stateName, state) => {
      if (state.Retry) retryStates.push(stateName);
      for (const handler of [
        ...((state.Retry as { ErrorEquals: string[] }[]) ?? []),
        ...((state.Catch as { ErrorEquals: string[] }[]) ?? []),
      ]) {
        // In AWS, States.Timeout also matches a heartbeat timeout.
        if (
          handler.ErrorEquals.includes('States.Timeout') &&
          !handler.ErrorEquals.includes('States.HeartbeatTimeout')
        ) {
          handler.ErrorEquals.push('States.HeartbeatTimeout');
        }
      }
      if (state.Type === 'Task') tasks.set(stateName, this.prepareTask(spec, stateName, state));
    });
    if (prepared.TimeoutSeconds) {
      prepared.TimeoutSeconds = Math.min(prepared.TimeoutSeconds, LIBRARY_TIMEOUT_CEILING_SECONDS);
    }
    const local = new StateMachine(prepared as unknown as StateMachineDefinition);
    this.machines.set(arn, {
      arn,
      name: spec.name,
      definition: spec.definition,
      local,
      tasks,
      retryStates,
      creationDate: new Date(),
    });
    return arn;
  }

  /** Reads what a Task state needs from its original definition; rewrites it (in the clone) for the library. */
  private prepareTask(spec: StateMachineSpec, stateName: string, state: AslState): TaskSpec {
    const where = `state machine ${spec.name}, state ${stateName}`;
    const resource = String(state.Resource);
    const invoke = INVOKE_RESOURCE.exec(resource);
    let fnRef: string;
    if (invoke) {
      const params = state.Parameters as Record<string, unknown> | undefined;
      if (typeof params?.FunctionName !== 'string') {
        throw new Error(`${where}: lambda:invoke needs a static Parameters.FunctionName locally`);
      }
      fnRef = params.FunctionName;
    } else if (FUNCTION_ARN.test(resource)) {
      fnRef = resource;
    } else {
      throw new Error(`${where}: resource ${resource} is not supported locally (Lambda tasks only)`);
    }
    const fn = spec.resolveFunction(fnRef) ?? spec.resolveFunction(fnRef.replace(/:[^:]+$/, ''));
    if (!fn) throw new Error(`${where}: function ${fnRef} is not a declared workflow task`);
    const waitForToken = Boolean(invoke?.[1]);
    if (waitForToken && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      throw new Error(`${where}: a .waitForTaskToken task needs TimeoutSeconds (or TimeoutSecondsPath)`);
    }
    const task: TaskSpec = {
      stateName,
      integration: invoke ? 'invoke' : 'direct',
      waitForToken,
      fn,
      resource: invoke ? resource.replace(/^.*:lambda:/, '') : resource,
      timeoutSeconds: state.TimeoutSeconds as number | undefined,
      heartbeatSeconds: state.HeartbeatSeconds as number | undefined,
      dynamicTimeout: typeof state.TimeoutSecondsPath === 'string',
      dynamicHeartbeat: typeof state.HeartbeatSecondsPath === 'string',
      wrappedInput: false,
    };
    if (task.dynamicTimeout || task.dynamicHeartbeat) {
      // The library evaluates Parameters for us; it would evaluate the paths against the wrong input.
      const params = (state.Parameters as Record<string, unknown> | undefined) ?? { [`${INPUT_KEY}.$`]: '$' };
      task.wrappedInput = state.Parameters === undefined;
      if (task.dynamicTimeout) params[`${TIMEOUT_KEY}.$`] = state.TimeoutSecondsPath;
      if (task.dynamicHeartbeat) params[`${HEARTBEAT_KEY}.$`] = state.HeartbeatSecondsPath;
      state.Parameters = params;
    }
    delete state.TimeoutSecondsPath;
    delete state.HeartbeatSeconds;
    delete state.HeartbeatSecondsPath;
    // Timeouts are enforced here; the library's own timer (60 s by default) must never fire first.
    state.TimeoutSeconds = LIBRARY_TIMEOUT_CEILING_SECONDS;
    return task;
  }

  private machine(arn: string | undefined): CompiledMachine {
    const machine = arn ? this.machines.get(arn) : undefined;
    if (!machine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private execution(arn: string | undefined): Execution {
    const execution = arn ? this.executions.get(arn) : undefined;
    if (!execution) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  // ---------------------------------------------------------------- API

  async startExecution(request: { stateMachineArn?: string; name?: string; input?: string }) {
    const machine = this.machine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (name.length < 1 || name.length > 80 || NAME_FORBIDDEN.test(name) || hasControlCharacter(name)) {
      throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
    }
    const input = request.input ?? '{}';
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new SfnApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${input}'`);
    }
    const arn = `arn:aws:states:${this.env.region}:${this.env.account}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(arn);
    if (existing) {
      // Standard workflows: idempotent for a running execution with the same input, else a conflict.
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn: arn, startDate: existing.startDate };
      }
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const TimeoutError = await statesTimeoutError();
    const execution: Execution = {
      arn,
      name,
      machine,
      input,
      status: 'RUNNING',
      startDate: new Date(),
      history: [],
      inFlight: new Set(),
      abort: () => undefined,
    };
    this.executions.set(arn, execution);

    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, task] of machine.tasks) {
      overrides[stateName] = (taskInput) => this.runTask(execution, task, taskInput, TimeoutError);
    }
    const run = machine.local.run(parsed as never, {
      noThrowOnAbort: true,
      overrides: {
        taskResourceLocalHandlers: overrides as never,
        ...(this.options.retryDelayMs === undefined
          ? {}
          : {
              retryIntervalOverrides: Object.fromEntries(
                machine.retryStates.map((s) => [s, this.options.retryDelayMs as number]),
              ),
            }),
      },
      context: {
        Execution: { Id: arn, Name: name, RoleArn: this.roleArn(machine) },
        StateMachine: { Id: machine.arn, Name: machine.name },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
    });
    execution.abort = run.abort;
    void (async () => {
      for await (const event of run.eventLogs) this.onLibraryEvent(execution, event as LibraryEvent);
    })().catch((error) => this.options.onError?.(error, `stepfunctions/${machine.name}`));
    run.result.catch(() => undefined);
    return { executionArn: arn, startDate: execution.startDate };
  }

  describeExecution(request: { executionArn?: string }) {
    const e = this.execution(request.executionArn);
    return {
      executionArn: e.arn,
      stateMachineArn: e.machine.arn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      stopDate: e.stopDate,
      input: e.input,
      inputDetails: { included: true },
      output: e.output,
      outputDetails: e.output === undefined ? undefined : { included: true },
      error: e.error,
      cause: e.cause,
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  listExecutions(request: {
    stateMachineArn?: string;
    statusFilter?: ExecutionStatus;
    maxResults?: number;
    nextToken?: string;
  }) {
    const machine = this.machine(request.stateMachineArn);
    const all = [...this.executions.values()]
      .filter((e) => e.machine === machine && (!request.statusFilter || e.status === request.statusFilter))
      .reverse();
    const { items, nextToken } = page(all, request.maxResults, request.nextToken);
    return {
      executions: items.map((e) => ({
        executionArn: e.arn,
        stateMachineArn: machine.arn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        stopDate: e.stopDate,
      })),
      nextToken,
    };
  }

  getExecutionHistory(request: {
    executionArn?: string;
    maxResults?: number;
    reverseOrder?: boolean;
    nextToken?: string;
    includeExecutionData?: boolean;
  }) {
    const e = this.execution(request.executionArn);
    let events = request.reverseOrder ? [...e.history].reverse() : e.history;
    if (request.includeExecutionData === false) events = events.map(withoutData);
    const { items, nextToken } = page(events, request.maxResults, request.nextToken);
    return { events: items, nextToken };
  }

  stopExecution(request: { executionArn?: string; error?: string; cause?: string }) {
    const e = this.execution(request.executionArn);
    if (e.status === 'RUNNING') {
      this.close(e, 'ABORTED', { error: request.error, cause: request.cause }, 'ExecutionAborted', {
        executionAbortedEventDetails: { error: request.error, cause: request.cause },
      });
      e.abort();
    }
    return { stopDate: e.stopDate ?? new Date() };
  }

  sendTaskSuccess(request: { taskToken?: string; output?: string }) {
    const pending = this.pending(request.taskToken);
    let output: unknown;
    try {
      output = JSON.parse(request.output ?? '');
    } catch {
      throw new SfnApiError('InvalidOutput', 'Invalid Output: the output must be valid JSON');
    }
    pending.succeed(output);
    return {};
  }

  sendTaskFailure(request: { taskToken?: string; error?: string; cause?: string }) {
    this.pending(request.taskToken).fail(
      new TaskError(request.error ?? 'States.TaskFailed', request.cause ?? ''),
    );
    return {};
  }

  sendTaskHeartbeat(request: { taskToken?: string }) {
    this.pending(request.taskToken).heartbeat();
    return {};
  }

  describeStateMachine(request: { stateMachineArn?: string }) {
    const m = this.machine(request.stateMachineArn);
    return {
      stateMachineArn: m.arn,
      name: m.name,
      status: 'ACTIVE',
      definition: JSON.stringify(m.definition),
      roleArn: this.roleArn(m),
      type: 'STANDARD',
      creationDate: m.creationDate,
    };
  }

  listStateMachines(request: { maxResults?: number; nextToken?: string }) {
    const { items, nextToken } = page([...this.machines.values()], request.maxResults, request.nextToken);
    return {
      stateMachines: items.map((m) => ({
        stateMachineArn: m.arn,
        name: m.name,
        type: 'STANDARD',
        creationDate: m.creationDate,
      })),
      nextToken,
    };
  }

  /** Aborts every running execution (runtime shutdown), so no timer keeps the process alive. */
  stop(): void {
    for (const e of this.executions.values()) {
      if (e.status !== 'RUNNING') continue;
      this.close(e, 'ABORTED', { cause: 'local runtime stopped' }, 'ExecutionAborted', {
        executionAbortedEventDetails: { cause: 'local runtime stopped' },
      });
      e.abort();
    }
  }

  // ---------------------------------------------------------------- internals

  private roleArn(machine: CompiledMachine): string {
    return `arn:aws:iam::${this.env.account}:role/${machine.name}-role`;
  }

  private pending(token: string | undefined): PendingTask {
    const pending = token ? this.tokens.get(token) : undefined;
    if (!pending) throw new SfnApiError('InvalidToken', 'Invalid Token');
    if (pending === 'closed') throw new SfnApiError('TaskTimedOut', `Task Timed Out: '${token}'`);
    return pending;
  }

  private record(e: Execution, type: string, details: Record<string, unknown> = {}): void {
    if (e.status !== 'RUNNING' && !type.startsWith('Execution')) return;
    const id = e.history.length + 1;
    e.history.push({ timestamp: new Date(), type, id, previousEventId: id - 1, ...details });
  }

  private close(
    e: Execution,
    status: Exclude<ExecutionStatus, 'RUNNING'>,
    fields: { output?: string; error?: string; cause?: string },
    eventType: string,
    details: Record<string, unknown>,
  ): void {
    if (e.status !== 'RUNNING') return;
    this.record(e, eventType, details);
    Object.assign(e, { status, stopDate: new Date() }, fields);
    for (const cancel of e.inFlight) cancel(new ExecutionClosedError());
  }

  private onLibraryEvent(e: Execution, event: LibraryEvent): void {
    switch (event.type) {
      case 'ExecutionStarted':
        this.record(e, 'ExecutionStarted', {
          executionStartedEventDetails: {
            input: json(event.input),
            inputDetails: { truncated: false },
            roleArn: this.roleArn(e.machine),
          },
        });
        return;
      case 'StateEntered':
        this.record(e, `${event.state.type}StateEntered`, {
          stateEnteredEventDetails: {
            name: event.state.name,
            input: json(event.state.input),
            inputDetails: { truncated: false },
          },
        });
        return;
      case 'StateExited':
        this.record(e, `${event.state.type}StateExited`, {
          stateExitedEventDetails: {
            name: event.state.name,
            output: json(event.state.output),
            outputDetails: { truncated: false },
          },
        });
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `${event.type[0]?.toLowerCase()}${event.type.slice(1)}EventDetails`;
        this.record(e, event.type, { [key]: { name: event.parentState.name, index: event.index } });
        return;
      }
      case 'ExecutionSucceeded': {
        const output = json(event.output);
        this.close(e, 'SUCCEEDED', { output }, 'ExecutionSucceeded', {
          executionSucceededEventDetails: { output, outputDetails: { truncated: false } },
        });
        return;
      }
      case 'ExecutionFailed': {
        const error = event.Error;
        const cause = causeText(event.Cause);
        this.close(e, 'FAILED', { error, cause }, 'ExecutionFailed', {
          executionFailedEventDetails: { error, cause },
        });
        return;
      }
      case 'ExecutionTimeout':
        this.close(
          e,
          'TIMED_OUT',
          { error: 'States.Timeout', cause: 'The execution timed out' },
          'ExecutionTimedOut',
          { executionTimedOutEventDetails: { error: 'States.Timeout', cause: 'The execution timed out' } },
        );
        return;
      case 'ExecutionAborted':
        this.close(e, 'ABORTED', {}, 'ExecutionAborted', { executionAbortedEventDetails: {} });
        return;
      default:
        // StateFailed/Retried/Caught: AWS shows these as the task's own Failed/TimedOut events.
        return;
    }
  }

  /**
   * One attempt of a Task state: the library calls this with the state's effective parameters.
   * It records the task events, invokes the function, and for `.waitForTaskToken` keeps the task
   * open on a freshly minted token until SendTaskSuccess/Failure, the timeout or the heartbeat.
   */
  private async runTask(
    e: Execution,
    task: TaskSpec,
    raw: unknown,
    TimeoutError: new () => Error,
  ): Promise<unknown> {
    // Let the library's queued events (StateEntered, a retry) reach the history first.
    await new Promise((r) => setImmediate(r));
    if (e.status !== 'RUNNING') throw new ExecutionClosedError();

    let params = raw as Record<string, unknown>;
    let timeoutSeconds = task.timeoutSeconds;
    let heartbeatSeconds = task.heartbeatSeconds;
    if (task.dynamicTimeout || task.dynamicHeartbeat) {
      const { [TIMEOUT_KEY]: t, [HEARTBEAT_KEY]: h, [INPUT_KEY]: wrapped, ...rest } = params;
      if (task.dynamicTimeout) timeoutSeconds = Number(t);
      if (task.dynamicHeartbeat) heartbeatSeconds = Number(h);
      params = (task.wrappedInput ? wrapped : rest) as Record<string, unknown>;
    }
    const token = task.waitForToken ? randomBytes(48).toString('base64url') : undefined;
    if (token) params = replaceDeep(params, TOKEN_PLACEHOLDER, token) as Record<string, unknown>;
    const payload = task.integration === 'invoke' ? (params?.Payload ?? {}) : params;

    const lambda = task.integration === 'direct';
    const names = lambda
      ? {
          scheduled: 'LambdaFunctionScheduled',
          started: 'LambdaFunctionStarted',
          ok: 'LambdaFunctionSucceeded',
          failed: 'LambdaFunctionFailed',
          timedOut: 'LambdaFunctionTimedOut',
        }
      : {
          scheduled: 'TaskScheduled',
          started: 'TaskStarted',
          ok: 'TaskSucceeded',
          failed: 'TaskFailed',
          timedOut: 'TaskTimedOut',
        };
    const detailsKey = (type: string) => `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`;
    const about = lambda ? {} : { resourceType: 'lambda', resource: task.resource };
    this.record(e, names.scheduled, {
      [detailsKey(names.scheduled)]: lambda
        ? {
            resource: task.resource,
            input: json(payload),
            inputDetails: { truncated: false },
            timeoutInSeconds: timeoutSeconds,
          }
        : {
            ...about,
            region: this.env.region,
            parameters: json(params),
            timeoutInSeconds: timeoutSeconds,
            heartbeatInSeconds: heartbeatSeconds,
          },
    });
    this.record(e, names.started, lambda ? {} : { [detailsKey(names.started)]: about });

    const attempt = Promise.withResolvers<unknown>();
    const timers = new Set<NodeJS.Timeout>();
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      e.inFlight.delete(cancel);
      if (token) this.tokens.set(token, 'closed');
      return true;
    };
    const succeed = (output: unknown) => {
      if (!settle()) return;
      this.record(e, names.ok, {
        [detailsKey(names.ok)]: { ...about, output: json(output), outputDetails: { truncated: false } },
      });
      attempt.resolve(output);
    };
    const fail = (error: Error) => {
      if (!settle()) return;
      const timedOut = error.name === 'States.Timeout' || error.name === 'States.HeartbeatTimeout';
      const type = timedOut ? names.timedOut : names.failed;
      this.record(e, type, { [detailsKey(type)]: { ...about, error: error.name, cause: error.message } });
      attempt.reject(error);
    };
    const cancel = (error: Error) => {
      if (settle()) attempt.reject(error);
    };
    e.inFlight.add(cancel);

    if (timeoutSeconds) timers.add(setTimeout(() => fail(new TimeoutError()), timeoutSeconds * 1000));
    let heartbeatTimer: NodeJS.Timeout | undefined;
    const heartbeat = () => {
      if (!heartbeatSeconds || settled) return;
      if (heartbeatTimer) {
        clearTimeout(heartbeatTimer);
        timers.delete(heartbeatTimer);
      }
      heartbeatTimer = setTimeout(
        () => fail(new TaskError('States.HeartbeatTimeout', `no heartbeat within ${heartbeatSeconds} s`)),
        heartbeatSeconds * 1000,
      );
      timers.add(heartbeatTimer);
    };
    if (token) {
      // Registered before the handler runs: whoever it hands the token to may answer at once.
      this.tokens.set(token, { execution: e, succeed, fail, heartbeat });
      heartbeat();
    }

    void this.invoke(task.fn, payload).then(
      (result) => {
        if (!token) return succeed(lambda ? result : invokeResponse(result));
        if (!settled) {
          this.record(e, 'TaskSubmitted', {
            taskSubmittedEventDetails: {
              ...about,
              output: json(invokeResponse(result)),
              outputDetails: { truncated: false },
            },
          });
        }
      },
      (error) => fail(lambdaError(error)),
    );
    return attempt.promise;
  }

  private async invoke(fn: TaskFunction, payload: unknown): Promise<unknown> {
    // Lambda hands the function a JSON copy of the payload, and the caller a JSON copy of its result.
    const event = JSON.parse(json(payload));
    const result = await fn.handler(event, lambdaContext(fn.name, fn.timeoutSeconds));
    return result === undefined ? null : JSON.parse(json(result));
  }
}

/** A history event without its inputs, outputs and parameters (`includeExecutionData: false`). */
function withoutData(event: HistoryEvent): HistoryEvent {
  const strip = (value: unknown): unknown =>
    value && typeof value === 'object' && !(value instanceof Date)
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([k]) => k !== 'input' && k !== 'output' && k !== 'parameters')
            .map(([k, v]) => [k, strip(v)]),
        )
      : value;
  return strip(event) as HistoryEvent;
}

/** What `arn:aws:states:::lambda:invoke` returns in AWS: ResultSelector `$.Payload` works the same. */
function invokeResponse(payload: unknown) {
  const requestId = randomUUID();
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      HttpHeaders: { 'Content-Type': 'application/json', 'X-Amzn-Requestid': requestId },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}

/** The events aws-local-stepfunctions emits (its types are not exported). */
type LibraryEvent =
  | { type: 'ExecutionStarted'; input: unknown }
  | { type: 'ExecutionSucceeded'; output: unknown }
  | { type: 'ExecutionFailed'; Error: string; Cause: unknown }
  | { type: 'ExecutionAborted' | 'ExecutionTimeout' }
  | {
      type: 'StateEntered' | 'StateExited';
      state: { name: string; type: string; input: unknown; output?: unknown };
    }
  | {
      type: 'MapIterationStarted' | 'MapIterationSucceeded' | 'MapIterationFailed';
      index: number;
      parentState: { name: string };
    }
  | {
      type:
        | 'StateFailed'
        | 'StateRetried'
        | 'StateCaught'
        | 'ParallelBranchStarted'
        | 'ParallelBranchSucceeded'
        | 'ParallelBranchFailed';
    };
