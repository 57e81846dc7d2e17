import {
  type DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';

/**
 * Fault injection for the chaos bench and its test (bench/chaos.ts, test/chaos.test.ts): a
 * TEST-AND-BENCH-ONLY switch, off unless `AZURA_FAULTS` is set, and free when off (nothing is
 * wrapped or added; the hooks return what they were given). Never set it in a deployed stage.
 *
 *   AZURA_FAULTS='{"handlers":{"before":0.025,"after":0.025},
 *                  "dynamo":{"throttle":0.01,"conflict":0.02,"ambiguous":0.02}}'
 *
 * - `handlers.before`: the probability that an invocation fails before the handler runs (the
 *   Lambda never ran); `handlers.after`: that the handler runs and its response is then thrown
 *   away (the "Lambda response lost" case). An SQS batch then fails whole and is redelivered, a
 *   stream batch is retried, a Step Functions task fails and its Retry (or Catch) applies. The
 *   error's name is what Step Functions would report: by default `Lambda.ServiceException` before
 *   (in the Lambda task's default Retry), and after, half `Lambda.ClientExecutionTimeoutException`
 *   (in that Retry too) and half `Sandbox.Timedout` (the function timed out after its write: only
 *   a Retry or Catch on `States.ALL` matches it); `handlers.errors` replaces these lists.
 *   `handlers.only` limits the faults to some functions (`<service>/<function id>`).
 * - `dynamo.throttle`: a DynamoDB call throws ThrottlingException or
 *   ProvisionedThroughputExceededException before it is sent; `dynamo.conflict`: a
 *   TransactWriteItems throws TransactionCanceledException with a TransactionConflict reason
 *   before it is sent; `dynamo.ambiguous`: a TransactWriteItems is sent, succeeds, and then
 *   InternalServerError or TimeoutError is thrown (the write landed; the caller cannot know).
 *   Injected above the SDK's own retries: these are the errors that outlived them.
 *
 * Every fault injected is reported to the listeners of `onFault` (the bench's runtime process
 * prints them, so they are counted even across a kill -9).
 */

export interface FaultSpec {
  handlers?: {
    before?: number;
    after?: number;
    only?: string[];
    errors?: { before?: string[]; after?: string[] };
  };
  dynamo?: { throttle?: number; conflict?: number; ambiguous?: number };
}

export type FaultKind =
  | 'handler-before'
  | 'handler-after'
  | 'dynamo-throttle'
  | 'dynamo-conflict'
  | 'dynamo-ambiguous';

export const FAULTS_ENV = 'AZURA_FAULTS';

/** An error the fault injector threw; its `name` is the error name the caller sees. */
export class InjectedFault extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const listeners: ((kind: FaultKind, where: string) => void)[] = [];

/** Calls `listener` for every fault injected in this process. */
export function onFault(listener: (kind: FaultKind, where: string) => void): void {
  listeners.push(listener);
}

const report = (kind: FaultKind, where: string) => {
  for (const listener of listeners) listener(kind, where);
};

const rate = (value: unknown, field: string): number => {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new Error(`${FAULTS_ENV}: ${field} must be a probability between 0 and 1, got ${String(value)}`);
  }
  return value;
};

/** The fault spec of `AZURA_FAULTS`, or undefined when it is not set. Throws on a malformed spec. */
export function faultSpecFromEnv(env: NodeJS.ProcessEnv = process.env): FaultSpec | undefined {
  const raw = env[FAULTS_ENV];
  if (!raw) return undefined;
  let spec: FaultSpec;
  try {
    spec = JSON.parse(raw) as FaultSpec;
  } catch {
    throw new Error(`${FAULTS_ENV} is not JSON: ${raw}`);
  }
  rate(spec.handlers?.before, 'handlers.before');
  rate(spec.handlers?.after, 'handlers.after');
  rate(spec.dynamo?.throttle, 'dynamo.throttle');
  rate(spec.dynamo?.conflict, 'dynamo.conflict');
  rate(spec.dynamo?.ambiguous, 'dynamo.ambiguous');
  return spec;
}

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
const chance = (p: number | undefined) => (p ?? 0) > 0 && Math.random() < p!;

// biome-ignore lint/suspicious/noExplicitAny: handlers have many event shapes
type Handler = (event: any, context: any, callback?: any) => unknown;

/**
 * The handler of function `name` (`<service>/<id>`) behind the handler faults of `AZURA_FAULTS`;
 * the handler itself when they are off.
 */
export function withHandlerFaults<H extends Handler>(name: string, handler: H, spec = faultSpecFromEnv()): H {
  const faults = spec?.handlers;
  if (!faults || (!faults.before && !faults.after)) return handler;
  if (faults.only && !faults.only.includes(name)) return handler;
  const before = faults.errors?.before ?? ['Lambda.ServiceException'];
  const after = faults.errors?.after ?? ['Lambda.ClientExecutionTimeoutException', 'Sandbox.Timedout'];
  const wrapped = async (event: unknown, context: unknown, callback?: unknown) => {
    if (chance(faults.before)) {
      report('handler-before', name);
      throw new InjectedFault(pick(before), `injected: ${name} failed before it ran`);
    }
    const result = await handler(event, context, callback);
    if (chance(faults.after)) {
      report('handler-after', name);
      throw new InjectedFault(pick(after), `injected: ${name} ran, its response was lost`);
    }
    return result;
  };
  return wrapped as unknown as H;
}

const metadata = { $metadata: { httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 } };

/**
 * The DynamoDB client behind the client-boundary faults of `AZURA_FAULTS` (a middleware on its
 * stack, which the document client shares); the client unchanged when they are off.
 */
export function withDynamoFaults<C extends DynamoDBClient>(client: C, spec = faultSpecFromEnv()): C {
  const faults = spec?.dynamo;
  if (!faults || (!faults.throttle && !faults.conflict && !faults.ambiguous)) return client;
  const middleware =
    (next: (args: { input: object }) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: { input: object }) => {
      const operation = String(context.commandName).replace(/Command$/, '');
      const transaction = operation === 'TransactWriteItems';
      if (chance(faults.throttle)) {
        report('dynamo-throttle', operation);
        const message = `injected: ${operation} throttled`;
        throw Math.random() < 0.5
          ? new ThrottlingException({ message, ...metadata })
          : new ProvisionedThroughputExceededException({ message, ...metadata });
      }
      if (transaction && chance(faults.conflict)) {
        report('dynamo-conflict', operation);
        const items = ((args.input as { TransactItems?: unknown[] }).TransactItems ?? []).length || 1;
        const conflicting = Math.floor(Math.random() * items);
        throw new TransactionCanceledException({
          message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [injected]',
          CancellationReasons: Array.from({ length: items }, (_, i) =>
            i === conflicting
              ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item [injected]' }
              : { Code: 'None' },
          ),
          ...metadata,
        });
      }
      const result = await next(args);
      if (transaction && chance(faults.ambiguous)) {
        report('dynamo-ambiguous', operation);
        if (Math.random() < 0.5) {
          throw new InternalServerError({
            message: `injected: ${operation} succeeded, then an internal server error was reported`,
            ...metadata,
            $metadata: { ...metadata.$metadata, httpStatusCode: 500 },
          });
        }
        throw new InjectedFault(
          'TimeoutError',
          `injected: ${operation} succeeded, then the client timed out`,
        );
      }
      return result;
    };
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'azuraFaults' });
  return client;
}
