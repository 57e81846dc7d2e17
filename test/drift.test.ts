import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { documentClient, requireEnv } from '../lib/aws.ts';
import { ConflictError } from '../lib/errors.ts';
import { EVENTS_TOPIC_ENV, tableEnvVar } from '../lib/topology.ts';
import { lambdaContext } from '../local/lambda.ts';
import { applyCorrection, checkLedger, checkSku, repairPlan } from '../services/stock/domain/drift.ts';
import { StockLedger } from '../services/stock/domain/stock.ts';
import { stockService } from '../services/stock/service.ts';
import { DynamoStockStore } from '../services/stock/store.ts';
import { outboxOf, seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { eventually, provisionFor, topicFeed } from './support/env.ts';

// The drift detector (services/stock/domain/drift.ts): one piece of code behind `azura ledger
// check|repair` and the scheduled stock/drift-check. A level written outside the ledger (here:
// directly, as a hand edit or a bad restore would) must be found, and repaired to its replay.

let store: DynamoStockStore;
let ledger: StockLedger;
const actor = { actor: 'test' };

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false'; // the schedule's metric is part of what is tested
  await provisionFor([stockService]);
  store = new DynamoStockStore();
  ledger = new StockLedger(store);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Writes a level's quantities behind the ledger's back (no movement, version unchanged). */
async function tamper(sku: string, values: { onHand?: number; reserved?: number }, locationId = 'main') {
  const names = Object.keys(values);
  await documentClient().send(
    new UpdateCommand({
      TableName: requireEnv(tableEnvVar('stock')),
      Key: { pk: `SKU#${sku}`, sk: `LOC#${locationId}` },
      UpdateExpression: `SET ${names.map((n) => `${n} = :${n}`).join(', ')}`,
      ExpressionAttributeValues: Object.fromEntries(Object.entries(values).map(([k, v]) => [`:${k}`, v])),
    }),
  );
}

describe('the drift detector', () => {
  it('finds a level that no longer matches its ledger, and only that one', async () => {
    // Prepare
    const clean = uniqueSku('CLEAN');
    const drifted = uniqueSku('DRIFT');
    await seedProduct(ledger, clean, { onHand: 20 });
    await seedProduct(ledger, drifted, { onHand: 50 });
    await ledger.reserve(uniqueSku('order'), [{ sku: drifted, quantity: 5 }]);
    await tamper(drifted, { onHand: 999 });

    // Act
    const report = await checkLedger(store);

    // Assess
    expect(report.complete).toBe(true);
    expect(report.checked).toBeGreaterThanOrEqual(2);
    expect(report.drifted).toEqual([
      {
        sku: drifted,
        movements: 2,
        levels: [
          {
            locationId: 'main',
            stored: expect.objectContaining({ onHand: 999, reserved: 5, incoming: 0 }),
            replayed: { onHand: 50, reserved: 5, incoming: 0 },
          },
        ],
      },
    ]);
    expect((await checkSku(store, clean)).stable).toBe(true);
  });

  it('never reports a level that changes while it is read as drift: it reads again', async () => {
    // A change commits between the read of the levels and the read of the ledger (traffic while
    // the hourly check runs). A naive check would pair the old level with the new movement.
    const sku = uniqueSku('BUSY');
    await seedProduct(ledger, sku, { onHand: 10 });
    let changesToMake = 1;
    const busy: typeof store = Object.create(store);
    busy.allMovements = async (s: string) => {
      const movements = await store.allMovements(s);
      if (changesToMake-- > 0) await ledger.receive({ sku, quantity: 1 }, actor);
      return movements;
    };
    expect(await checkSku(busy, sku)).toEqual({ stable: true, movements: 2 });

    // A SKU that changes on every read is reported unsettled (checked again next time), not drifted.
    changesToMake = Number.POSITIVE_INFINITY;
    expect(await checkSku(busy, sku)).toEqual({ stable: false });
    const report = await checkLedger(busy, { sku });
    expect(report).toMatchObject({ drifted: [], unsettled: [sku] });
  });

  it('stops at its time budget and carries on from the cursor it returns', async () => {
    for (let i = 0; i < 3; i++) await seedProduct(ledger, uniqueSku('PAGE'), { onHand: 1 });
    const all = await checkLedger(store);

    // A deadline already passed: nothing checked, a cursor to start from.
    const first = await checkLedger(store, { pageSize: 2, deadline: 1, now: () => 2 });
    expect(first).toMatchObject({ complete: false, checked: 0, nextCursor: null });
    // A budget of one page per run: the runs, each carrying on from the last, cover the table.
    const onePage = () => {
      let calls = 0;
      return () => (calls++ === 0 ? 0 : 2);
    };
    let checked = 0;
    let cursor: string | undefined;
    let runs = 0;
    for (;;) {
      const part = await checkLedger(store, { pageSize: 2, cursor, deadline: 1, now: onePage() });
      checked += part.checked;
      runs++;
      if (part.complete) break;
      expect(part.nextCursor).toBeTruthy();
      cursor = part.nextCursor!;
    }
    expect(runs).toBeGreaterThan(1);
    expect(checked).toBeGreaterThanOrEqual(all.checked);
  });

  it('repairs a drifted level to its replay with a zero-delta correction movement, once', async () => {
    // Prepare
    const sku = uniqueSku('FIX');
    await seedProduct(ledger, sku, { onHand: 40, safetyStock: 2 });
    await tamper(sku, { onHand: 7 });
    const checked = await checkSku(store, sku);
    if (!checked.stable || !checked.drift) throw new Error('expected a drift');
    const [correction] = repairPlan(checked.drift, () => 2);

    // Act
    const movement = await applyCorrection(store, correction!, actor);
    const again = await applyCorrection(store, correction!, actor);

    // Assess: the level is its replay again; the repair is in the ledger, and happened once.
    expect(correction).toMatchObject({
      from: { onHand: 7, reserved: 0, incoming: 0 },
      to: { onHand: 40, reserved: 0, incoming: 0, available: 38 },
    });
    expect(movement).toMatchObject({
      kind: 'adjust',
      reason: 'correction',
      deltas: { onHand: 0, reserved: 0, incoming: 0 },
    });
    expect(movement.note).toContain('onHand 7');
    expect(again.id).toBe(movement.id);
    expect((await ledger.replayLedger(sku)).consistent).toBe(true);
    expect((await ledger.getStock(sku)).locations[0]).toMatchObject({ onHand: 40, available: 38 });
    const movements = await store.allMovements(sku);
    expect(movements.filter((m) => m.reason === 'correction')).toHaveLength(1);
    // Consumers (the catalog's stock projection) learn the corrected level.
    const events = await outboxOf(sku);
    expect(events.at(-1)).toMatchObject({ type: 'StockLevelChanged', data: { quantities: { onHand: 40 } } });
  });

  it('refuses a repair proposed on a level that has changed since', async () => {
    const sku = uniqueSku('MOVED');
    await seedProduct(ledger, sku, { onHand: 10 });
    await tamper(sku, { onHand: 3 });
    const checked = await checkSku(store, sku);
    if (!checked.stable || !checked.drift) throw new Error('expected a drift');
    const plan = repairPlan(checked.drift, () => 0);
    await ledger.receive({ sku, quantity: 5 }, actor); // the level moves on (version + 1)

    const error = await applyCorrection(store, plan[0]!, actor).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect((await ledger.getStock(sku)).locations[0]?.onHand).toBe(8);
  });
});

describe('the scheduled drift check (stock/drift-check)', () => {
  it('emits the LedgerDrift metric and logs each drift at error level', async () => {
    // Prepare
    const sku = uniqueSku('SCHED');
    await seedProduct(ledger, sku, { onHand: 5 });
    await tamper(sku, { reserved: 4 });
    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const { handler } = await import('../services/stock/handlers/drift-check.ts');

    // Act
    await handler({} as never, lambdaContext('stock-drift-check', 300) as Context, () => undefined);
    vi.restoreAllMocks();

    // Assess
    const output = written.join('');
    const emf = output
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line));
    expect(emf.at(-1)).toMatchObject({ service: 'stock' });
    expect(emf.at(-1).LedgerDrift).toBeGreaterThanOrEqual(1);
    expect(emf.at(-1)._aws.CloudWatchMetrics[0].Namespace).toBe('Azura');
    expect(output).toContain(`LEDGER DRIFT: ${sku}`);
    // A whole pass finished: no continuation left behind.
    expect(await store.getDriftCursor()).toBeUndefined();
  });

  it('publishes one LedgerDriftDetected per run that finds drift, naming the SKU, with an id from the scheduled event', async () => {
    // Prepare: a queue of the test's own on the topic, for LedgerDriftDetected only.
    const feed = await topicFeed(requireEnv(EVENTS_TOPIC_ENV), `drift-feed-${uniqueSku().toLowerCase()}`, [
      'LedgerDriftDetected',
    ]);
    const sku = uniqueSku('EVT');
    await seedProduct(ledger, sku, { onHand: 5 });
    await tamper(sku, { reserved: 3 });
    const { handler } = await import('../services/stock/handlers/drift-check.ts');

    // Act
    await handler(
      { id: 'run-1' } as never,
      lambdaContext('stock-drift-check', 300) as Context,
      () => undefined,
    );

    // Assess
    try {
      const event = await eventually(async () => feed.events.find((e) => e.type === 'LedgerDriftDetected'));
      expect(event).toMatchObject({ id: 'drift:run-1', data: { runId: 'drift:run-1', unlisted: 0 } });
      expect((event.data as { skus: string[] }).skus).toContain(sku);
    } finally {
      await feed.stop();
    }
  });
});
