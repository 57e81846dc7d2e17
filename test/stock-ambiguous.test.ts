import {
  InternalServerError,
  TransactionCanceledException,
  TransactionInProgressException,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient, requireEnv } from '../lib/aws.ts';
import { tableEnvVar } from '../lib/topology.ts';
import { StockLedger } from '../services/stock/domain/stock.ts';
import { stockService } from '../services/stock/service.ts';
import { DynamoStockStore } from '../services/stock/store.ts';
import { seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { provisionFor } from './support/env.ts';

/*
 * Guards the double-apply bug: a stock transaction lands in DynamoDB, but the answer is lost
 * (the server reports InternalServerError, the socket times out or resets, the SDK gives up
 * after its own retries). "Not committed" is then a guess, and guessing wrong applies the
 * delta a second time. The ledger must find out, from the operation record it wrote in the
 * same transaction, whether the change landed, and never apply it twice.
 *
 * The faults are injected at the client boundary: the REAL DynamoDB client runs the real
 * transaction, and only then does the caller see an error.
 */

let ledger: StockLedger;

beforeAll(async () => {
  await provisionFor([stockService]);
  ledger = new StockLedger(new DynamoStockStore());
});

type Fault = () => Error;
const ambiguous: Record<string, Fault> = {
  InternalServerError: () =>
    new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } }),
  TimeoutError: () =>
    Object.assign(new Error('Connection timed out after 3000 ms'), {
      name: 'TimeoutError',
      $metadata: { attempts: 3 },
    }),
  ECONNRESET: () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
  TransactionInProgressException: () =>
    new TransactionInProgressException({
      message: 'Transaction is in progress',
      $metadata: { httpStatusCode: 400 },
    }),
};

/**
 * The real document client, with a fault on the first `times` TransactWriteItems calls:
 * - `after`: the transaction commits, then the caller gets `fault` (the answer was lost);
 * - `before`: the transaction is never sent, and the caller gets `fault`;
 * - `late`: the transaction is sent, the caller gets `fault` at once, and the transaction lands
 *   whenever DynamoDB gets to it (a request still in flight when the client gave up).
 */
function faultyClient(
  fault: Fault,
  mode: 'after' | 'before' | 'late',
  times = 1,
): { client: DynamoDBDocumentClient; transactions: () => number; inFlight: Promise<unknown>[] } {
  const real = documentClient();
  let transactions = 0;
  const inFlight: Promise<unknown>[] = [];
  const client = new Proxy(real, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: TransactWriteCommand) => {
        if (!(command instanceof TransactWriteCommand)) return target.send(command);
        transactions++;
        if (transactions > times) return target.send(command);
        if (mode === 'before') throw fault();
        if (mode === 'late') {
          inFlight.push(target.send(command).catch((error: unknown) => error));
          throw fault();
        }
        await target.send(command);
        throw fault();
      };
    },
  });
  return { client, transactions: () => transactions, inFlight };
}

const levelAt = async (sku: string, locationId = 'main') =>
  (await ledger.getStock(sku)).locations.find((l) => l.locationId === locationId);

const movementsOf = async (sku: string) => (await ledger.listMovements(sku, { limit: 200 })).items;

describe.each(Object.keys(ambiguous))(
  'an operation whose answer is lost (%s) after its transaction landed',
  (name) => {
    const landedThenLost = () => {
      const faulty = faultyClient(ambiguous[name]!, 'after');
      return { ...faulty, ledger: new StockLedger(new DynamoStockStore(faulty.client)) };
    };

    it('applies an adjustment without Idempotency-Key exactly once', async () => {
      // Prepare
      const sku = uniqueSku();
      await seedProduct(ledger, sku, { onHand: 10 });
      const faulty = landedThenLost();

      // Act
      const result = await faulty.ledger.adjust({ sku, delta: -3, reason: 'damaged' }, { actor: 'test' });

      // Assess
      expect(result.level).toMatchObject({ onHand: 7 });
      expect(await levelAt(sku)).toMatchObject({ onHand: 7, available: 7 });
      expect((await movementsOf(sku)).filter((m) => m.kind === 'adjust')).toHaveLength(1);
      expect(await ledger.replayLedger(sku)).toMatchObject({ consistent: true, movements: 2 });
    });

    it('applies a receipt exactly once', async () => {
      const sku = uniqueSku();
      await seedProduct(ledger, sku, { onHand: 10 });

      const result = await landedThenLost().ledger.receive(
        { sku, quantity: 5, reference: 'PO-1' },
        { actor: 'test' },
      );

      expect(result.level).toMatchObject({ onHand: 15 });
      expect(await levelAt(sku)).toMatchObject({ onHand: 15 });
      expect(await ledger.replayLedger(sku)).toMatchObject({ consistent: true, movements: 2 });
    });

    it('records a count exactly once', async () => {
      const sku = uniqueSku();
      await seedProduct(ledger, sku, { onHand: 10 });

      const result = await landedThenLost().ledger.count({ sku, countedQuantity: 8 }, { actor: 'test' });

      expect(result.movement.deltas.onHand).toBe(-2);
      expect(await levelAt(sku)).toMatchObject({ onHand: 8 });
      expect((await movementsOf(sku)).filter((m) => m.kind === 'count')).toHaveLength(1);
      expect(await ledger.replayLedger(sku)).toMatchObject({ consistent: true, movements: 2 });
    });

    it('transfers exactly once', async () => {
      const sku = uniqueSku();
      await seedProduct(ledger, sku, { onHand: 10 });
      await ledger.createLocation({ id: 'east', name: 'East depot' }, { actor: 'test' });

      const result = await landedThenLost().ledger.transfer(
        { sku, fromLocationId: 'main', toLocationId: 'east', quantity: 4 },
        { actor: 'test' },
      );

      expect(result.levels.map((l) => [l.locationId, l.onHand])).toEqual([
        ['main', 6],
        ['east', 4],
      ]);
      expect(await levelAt(sku, 'main')).toMatchObject({ onHand: 6 });
      expect(await levelAt(sku, 'east')).toMatchObject({ onHand: 4 });
      expect(await ledger.replayLedger(sku)).toMatchObject({ consistent: true, movements: 3 });
    });

    it('reserves exactly once, and reports the reservation it made', async () => {
      const sku = uniqueSku();
      await seedProduct(ledger, sku, { onHand: 10 });
      const orderId = uniqueSku('order');

      const reservation = await landedThenLost().ledger.reserve(orderId, [{ sku, quantity: 3 }]);

      expect(reservation).toMatchObject({ reservationId: orderId, status: 'HELD' });
      expect(await ledger.getReservation(orderId)).toEqual(reservation);
      expect(await levelAt(sku)).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
      expect(await ledger.replayLedger(sku)).toMatchObject({ consistent: true, movements: 2 });
    });

    it('commits exactly once, and reports that this call committed it', async () => {
      const sku = uniqueSku();
      await seedProduct(ledger, sku, { onHand: 10 });
      const orderId = uniqueSku('order');
      await ledger.reserve(orderId, [{ sku, quantity: 3 }]);

      const result = await landedThenLost().ledger.commit(orderId);

      expect(result).toEqual({ reservationId: orderId, status: 'COMMITTED', changed: true });
      expect(await levelAt(sku)).toMatchObject({ onHand: 7, reserved: 0, available: 7 });
      expect(await ledger.replayLedger(sku)).toMatchObject({ consistent: true, movements: 3 });
    });

    it('releases exactly once, and reports that this call released it', async () => {
      const sku = uniqueSku();
      await seedProduct(ledger, sku, { onHand: 10 });
      const orderId = uniqueSku('order');
      await ledger.reserve(orderId, [{ sku, quantity: 3 }]);

      const result = await landedThenLost().ledger.release(orderId, 'cancelled');

      expect(result).toEqual({ reservationId: orderId, status: 'RELEASED', changed: true });
      expect(await levelAt(sku)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
      expect(await ledger.replayLedger(sku)).toMatchObject({ consistent: true, movements: 3 });
    });
  },
);

describe('resolving an ambiguous error', () => {
  it('applies the change when the lost request never reached DynamoDB (the record is absent)', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const faulty = faultyClient(ambiguous.ECONNRESET!, 'before');
    const flaky = new StockLedger(new DynamoStockStore(faulty.client));

    const result = await flaky.adjust({ sku, delta: 2, reason: 'found' }, { actor: 'test' });

    expect(faulty.transactions()).toBe(2);
    expect(result.level).toMatchObject({ onHand: 12 });
    expect(await levelAt(sku)).toMatchObject({ onHand: 12 });
    expect(await ledger.replayLedger(sku)).toMatchObject({ consistent: true, movements: 2 });
  });

  it('applies the change once when the abandoned transaction lands while the ledger decides again', async () => {
    // Prepare
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const faulty = faultyClient(ambiguous.TimeoutError!, 'late');
    const flaky = new StockLedger(new DynamoStockStore(faulty.client));

    // Act
    const result = await flaky.adjust({ sku, delta: -4, reason: 'lost' }, { actor: 'test' });
    await Promise.all(faulty.inFlight);

    // Assess
    expect(result.level).toMatchObject({ onHand: 6 });
    expect(await levelAt(sku)).toMatchObject({ onHand: 6 });
    expect((await movementsOf(sku)).filter((m) => m.kind === 'adjust')).toHaveLength(1);
    expect(await ledger.replayLedger(sku)).toMatchObject({ consistent: true, movements: 2 });
  });

  it('keeps a caller-given key working across an ambiguous error: a retry by the caller replays', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const faulty = faultyClient(ambiguous.InternalServerError!, 'after');
    const flaky = new StockLedger(new DynamoStockStore(faulty.client));
    const ctx = { actor: 'alice', idempotencyKey: uniqueSku('key') };

    const first = await flaky.adjust({ sku, delta: 5, reason: 'found' }, ctx);
    const again = await ledger.adjust({ sku, delta: 5, reason: 'found' }, ctx);

    expect(again).toEqual(first);
    expect(await levelAt(sku)).toMatchObject({ onHand: 15 });
    expect(await ledger.replayLedger(sku)).toMatchObject({ consistent: true, movements: 2 });
  });

  it('still treats a cancelled transaction as not committed, and decides again at once', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const cancelled = () =>
      new TransactionCanceledException({
        message: 'Transaction cancelled [TransactionConflict]',
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: [{ Code: 'TransactionConflict' }],
      });
    const faulty = faultyClient(cancelled, 'before', 2);
    const contended = new StockLedger(new DynamoStockStore(faulty.client));

    await contended.adjust({ sku, delta: 1, reason: 'found' }, { actor: 'test' });

    expect(faulty.transactions()).toBe(3);
    expect(await levelAt(sku)).toMatchObject({ onHand: 11 });
  });
});

describe('operation records', () => {
  it('carries a TTL (epoch seconds, 35 days out) so DynamoDB deletes it long after any retry', async () => {
    // Prepare
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 1 });

    // Act
    const { movement } = await ledger.adjust({ sku, delta: 1, reason: 'found' }, { actor: 'test' });

    // Assess
    const record = await documentClient().send(
      new GetCommand({
        TableName: requireEnv(tableEnvVar('stock')),
        Key: { pk: `OP#${movement.idempotencyKey}`, sk: 'OP' },
        ConsistentRead: true,
      }),
    );
    expect(record.Item).toBeDefined();
    const expected = Date.parse(movement.at) / 1000 + 35 * 24 * 3600;
    expect(record.Item!.ttl).toBeGreaterThanOrEqual(Math.floor(expected) - 1);
    expect(record.Item!.ttl).toBeLessThanOrEqual(Math.ceil(expected) + 1);
  });
});
