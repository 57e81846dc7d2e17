import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { formatReport, runChaos, TEST_SIZE } from '../bench/chaos-run.ts';
import { type FaultSpec, faultSpecFromEnv, withDynamoFaults, withHandlerFaults } from '../lib/faults.ts';

describe('fault injection (AZURA_FAULTS, test and bench only)', () => {
  it('is off, and free, unless AZURA_FAULTS is set', () => {
    const handler = async () => 'ran';
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const middlewares = client.middlewareStack.identify().length;

    expect(faultSpecFromEnv({})).toBeUndefined();
    expect(withHandlerFaults('orders/inbound', handler, undefined)).toBe(handler);
    expect(withDynamoFaults(client, undefined)).toBe(client);
    expect(client.middlewareStack.identify()).toHaveLength(middlewares);
  });

  it('refuses a malformed spec, naming the field', () => {
    expect(() => faultSpecFromEnv({ AZURA_FAULTS: '{"handlers":{"before":2}}' })).toThrow(/handlers\.before/);
    expect(() => faultSpecFromEnv({ AZURA_FAULTS: 'five percent' })).toThrow(/not JSON/);
  });

  it('fails an invocation before the handler runs, or after it ran (its response lost)', async () => {
    let runs = 0;
    const handler = async (_event: unknown, _context: unknown) => ++runs;
    const before = withHandlerFaults('stock/saga-tasks', handler, { handlers: { before: 1 } });
    const after = withHandlerFaults('stock/saga-tasks', handler, { handlers: { after: 1 } });

    await expect(before({}, {})).rejects.toMatchObject({ name: 'Lambda.ServiceException' });
    expect(runs).toBe(0);
    await expect(after({}, {})).rejects.toMatchObject({
      name: expect.stringMatching(/^(Lambda\.ClientExecutionTimeoutException|Sandbox\.Timedout)$/),
    });
    expect(runs).toBe(1);
  });

  it('throttles a DynamoDB call before it is sent', async () => {
    const spec: FaultSpec = { dynamo: { throttle: 1 } };
    const client = withDynamoFaults(
      new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }),
      spec,
    );
    await expect(client.send(new ListTablesCommand({}))).rejects.toMatchObject({
      name: expect.stringMatching(/^(ThrottlingException|ProvisionedThroughputExceededException)$/),
    });
  });
});

// The promise under faults: the order platform (an at-least-once producer: duplicates, fulfils
// and cancels before their placement, re-sends of whatever it has not seen answered) against the
// real runtime in a child process, with handler errors, DynamoDB throttling, conflicts and
// ambiguous errors injected, and one kill -9 of the whole runtime (JVM included) mid-run.
// bench/chaos.ts runs the same at 10,000 orders.
describe('the order pipeline under faults, duplicates, reordering and a kill -9', () => {
  it('ends every order once, as the stock says, with nothing oversold and the ledger whole', async () => {
    const report = await runChaos({ ...TEST_SIZE, log: () => undefined });

    // The message carries the figures and, per violation, examples that say what happened to the order.
    expect(
      report.violations.map((v) => `${v.kind}: ${v.count}`),
      formatReport(report),
    ).toEqual([]);
    expect(report.kills).toHaveLength(1);
    expect(report.kills[0]?.jvmGone).toBe(true);
    expect(report.faults['handler-before'], 'handler faults were injected').toBeGreaterThan(0);
    expect(report.faults['handler-after']).toBeGreaterThan(0);
    expect(report.faults['dynamo-throttle'], 'DynamoDB faults were injected').toBeGreaterThan(0);
    expect(report.duplicatesSent).toBeGreaterThan(0);
    expect(report.outcomes.OrderRejected, 'the hot SKU ran out').toBeGreaterThan(0);
  }, 240_000);
});
