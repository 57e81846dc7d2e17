import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dynamo, dynamoStreams, sfn, sns, sqs } from '../lib/aws.ts';
import type { ServiceDecl } from '../lib/topology.ts';
import type { LambdaHandler } from '../local/lambda.ts';
import { ROOT } from '../local/runtime.ts';

/**
 * Counts what a run costs in AWS terms, from inside the process that runs it:
 * - every AWS SDK call our code makes, by a middleware on the memoized clients of `lib/aws.ts`
 *   (DynamoDB with the capacity it reports: `ReturnConsumedCapacity: INDEXES` is added to each
 *   data call, and DynamoDB Local answers with table + GSI units, transactions counted 2×);
 * - every Lambda invocation and its duration, by wrapping each declared function's handler in a
 *   generated module the runtime loads instead of the original entry.
 * Counting happens only while `meter.on` is true, so setup and checks are left out.
 */

const DYNAMO_READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const DYNAMO_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

export interface LambdaStats {
  invocations: number;
  totalMs: number;
}

interface ConsumedCapacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

export class Meter {
  on = false;
  /** `<Service> <Operation>` → requests. */
  readonly requests = new Map<string, number>();
  /** Extra quantities: `<Service> <what>` → amount (items, messages, units). */
  readonly amounts = new Map<string, number>();
  readonly lambdas = new Map<string, LambdaStats>();

  /** Keys are `<service>|<operation or quantity>`. */
  add(map: Map<string, number>, service: string, what: string, n = 1): void {
    const key = `${service}|${what}`;
    if (this.on) map.set(key, (map.get(key) ?? 0) + n);
  }

  snapshot(): Snapshot {
    return {
      requests: new Map(this.requests),
      amounts: new Map(this.amounts),
      lambdas: new Map([...this.lambdas].map(([k, v]) => [k, { ...v }])),
    };
  }

  recordLambda(name: string, ms: number): void {
    if (!this.on) return;
    const stats = this.lambdas.get(name) ?? { invocations: 0, totalMs: 0 };
    stats.invocations++;
    stats.totalMs += ms;
    this.lambdas.set(name, stats);
  }
}

export interface Snapshot {
  requests: Map<string, number>;
  amounts: Map<string, number>;
  lambdas: Map<string, LambdaStats>;
}

/** What happened between two snapshots. */
export function since(before: Snapshot, after: Snapshot): Snapshot {
  const minus = (a: Map<string, number>, b: Map<string, number>) =>
    new Map(
      [...a].map(([k, v]) => [k, v - (b.get(k) ?? 0)]).filter(([, v]) => v !== 0) as [string, number][],
    );
  return {
    requests: minus(after.requests, before.requests),
    amounts: minus(after.amounts, before.amounts),
    lambdas: new Map(
      [...after.lambdas].map(([k, v]) => {
        const b = before.lambdas.get(k) ?? { invocations: 0, totalMs: 0 };
        return [k, { invocations: v.invocations - b.invocations, totalMs: v.totalMs - b.totalMs }];
      }),
    ),
  };
}

const sumUnits = (consumed: unknown, kind: 'Read' | 'Write'): number => {
  const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as ConsumedCapacity[];
  return list.reduce((n, c) => n + (c[`${kind}CapacityUnits`] ?? c.CapacityUnits ?? 0), 0);
};

type Middleware = Parameters<ReturnType<typeof sqs>['middlewareStack']['add']>[0];

/** Puts the counting middleware on the runtime's SDK clients (and on any extra client given). */
export function meterAwsClients(meter: Meter, extraSqsClients: ReturnType<typeof sqs>[] = []): void {
  const dynamoMiddleware = ((next, context) => async (args) => {
    const operation = String(context.commandName).replace(/Command$/, '');
    const input = args.input as Record<string, unknown>;
    const isRead = DYNAMO_READS.has(operation);
    const isWrite = DYNAMO_WRITES.has(operation);
    if (isRead || isWrite) input.ReturnConsumedCapacity = 'INDEXES';
    meter.add(meter.requests, 'DynamoDB', operation);
    if (operation === 'TransactWriteItems') {
      meter.add(meter.amounts, 'DynamoDB', 'transaction items', (input.TransactItems as unknown[]).length);
    }
    try {
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      if (isRead) meter.add(meter.amounts, 'DynamoDB', 'read units', sumUnits(consumed, 'Read'));
      if (isWrite) meter.add(meter.amounts, 'DynamoDB', 'write units', sumUnits(consumed, 'Write'));
      return result;
    } catch (error) {
      // A failed condition reports no capacity, yet AWS bills it: 1 unit per item (≤ 1 KB), 2 in a transaction.
      meter.add(meter.requests, 'DynamoDB', `${operation} (failed: ${(error as Error).name})`);
      if (operation === 'TransactWriteItems') {
        meter.add(
          meter.amounts,
          'DynamoDB',
          'write units (failed, estimated)',
          2 * (input.TransactItems as unknown[]).length,
        );
      } else if (isWrite) {
        meter.add(meter.amounts, 'DynamoDB', 'write units (failed, estimated)', 1);
      } else if (isRead) {
        meter.add(meter.amounts, 'DynamoDB', 'read units (failed, estimated)', 1);
      }
      throw error;
    }
  }) as Middleware;
  dynamo().middlewareStack.add(dynamoMiddleware as never, { step: 'initialize', name: 'benchMeter' });

  const counting =
    (service: string, quantities: (operation: string, input: never, output: never) => void): Middleware =>
    (next, context) =>
    async (args) => {
      const operation = String(context.commandName).replace(/Command$/, '');
      const result = await next(args);
      quantities(operation, args.input as never, result.output as never);
      if (!(service === 'SQS' && operation === 'ReceiveMessage'))
        meter.add(meter.requests, service, operation);
      return result;
    };
  dynamoStreams().middlewareStack.add(
    counting('DynamoDB Streams', (operation, _input, output: { Records?: unknown[] }) => {
      if (operation === 'GetRecords')
        meter.add(meter.amounts, 'DynamoDB Streams', 'records read', output.Records?.length ?? 0);
    }) as never,
    { step: 'initialize', name: 'benchMeter' },
  );
  for (const client of [sqs(), ...extraSqsClients]) {
    client.middlewareStack.add(
      counting('SQS', (operation, _input, output: { Messages?: unknown[] }) => {
        if (operation !== 'ReceiveMessage') return;
        const received = output.Messages?.length ?? 0;
        meter.add(
          meter.requests,
          'SQS',
          received ? 'ReceiveMessage' : 'ReceiveMessage (empty: idle polling)',
        );
        meter.add(meter.amounts, 'SQS', 'messages received', received);
      }) as never,
      { step: 'initialize', name: 'benchMeter' },
    );
  }
  sns().middlewareStack.add(
    counting('SNS', (operation, input: { PublishBatchRequestEntries?: unknown[] }) => {
      const published = operation === 'PublishBatch' ? (input.PublishBatchRequestEntries?.length ?? 0) : 1;
      if (operation.startsWith('Publish')) meter.add(meter.amounts, 'SNS', 'messages published', published);
    }) as never,
    { step: 'initialize', name: 'benchMeter' },
  );
  sfn().middlewareStack.add(counting('Step Functions API', () => undefined) as never, {
    step: 'initialize',
    name: 'benchMeter',
  });
}

declare global {
  var __azuraBenchMeter: Meter | undefined;
}

/** Wraps a handler so that each invocation and its duration are counted (used by the generated modules). */
export function metered(name: string, handler: LambdaHandler | undefined): LambdaHandler | undefined {
  if (!handler) return undefined;
  return async (event, context, callback) => {
    const started = performance.now();
    try {
      return await handler(event, context, callback);
    } finally {
      globalThis.__azuraBenchMeter?.recordLambda(name, performance.now() - started);
    }
  };
}

/**
 * The services as declared, each function's entry replaced by a generated module (in a temp
 * directory) that re-exports the original's `app` and a metered `handler`.
 */
export function meteredServices(services: readonly ServiceDecl[], meter: Meter): ServiceDecl[] {
  globalThis.__azuraBenchMeter = meter;
  const dir = join(tmpdir(), `azura-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const meterUrl = pathToFileURL(join(ROOT, 'bench', 'meter.ts')).href;
  return services.map((service) => ({
    ...service,
    functions: service.functions.map((fn) => {
      const file = join(dir, `${service.name}-${fn.id}.mts`);
      const target = pathToFileURL(join(ROOT, fn.entry)).href;
      writeFileSync(
        file,
        [
          `import * as target from '${target}';`,
          `import { metered } from '${meterUrl}';`,
          `export const handler = metered('${service.name}/${fn.id}', (target as { handler?: never }).handler);`,
          `export const app = (target as { app?: unknown }).app;`,
          '',
        ].join('\n'),
      );
      return { ...fn, entry: relative(ROOT, file) };
    }),
  }));
}
