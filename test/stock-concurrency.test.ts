import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../lib/aws.ts';
import { TransientError } from '../lib/errors.ts';
import { InsufficientStockError, StockLedger } from '../services/stock/domain/stock.ts';
import { stockService } from '../services/stock/service.ts';
import { DynamoStockStore } from '../services/stock/store.ts';
import { seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { provisionFor } from './support/env.ts';

let ledger: StockLedger;

beforeAll(async () => {
  await provisionFor([stockService]);
  ledger = new StockLedger(new DynamoStockStore());
});

/**
 * The REAL document client, except that its first `failures` TransactWriteItems calls are
 * cancelled with reason TransactionConflict, as DynamoDB does when another transaction holds
 * an item (DynamoDB Local never does). Counts the transaction attempts.
 */
function conflictingClient(failures: number): { client: DynamoDBDocumentClient; attempts: () => number } {
  const real = documentClient();
  let attempts = 0;
  const client = new Proxy(real, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown) => {
        if (command instanceof TransactWriteCommand) {
          attempts++;
          if (attempts <= failures) {
            throw new TransactionCanceledException({
              message:
                'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
              $metadata: { httpStatusCode: 400 },
              CancellationReasons: [
                { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
              ],
            });
          }
        }
        return target.send(command as TransactWriteCommand);
      };
    },
  });
  return { client, attempts: () => attempts };
}

/** The REAL document client, counting the transactions DynamoDB cancelled (lost races). */
function countingClient(): { client: DynamoDBDocumentClient; cancelled: () => number } {
  const real = documentClient();
  let cancelled = 0;
  const client = new Proxy(real, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown) => {
        try {
          return await target.send(command as TransactWriteCommand);
        } catch (error) {
          if (error instanceof TransactionCanceledException) cancelled++;
          throw error;
        }
      };
    },
  });
  return { client, cancelled: () => cancelled };
}

describe('concurrent reservations on one SKU', () => {
  /*
   * Guards the lost-update bug: two reservations read the same level (available 1), both decide
   * "enough", both write reserved+1 — and the product is oversold. Each reservation's level write
   * is conditioned on the version it read, so the loser re-reads and re-decides against the
   * winner's result; availability can never go below zero, however many arrive at once.
   * The calls are spread over 4 ledgers, like 4 Lambda instances: each ledger queues its own
   * callers per level (an in-process optimization), so the races that remain are exactly the
   * cross-instance ones that only the version condition can stop.
   */
  it('lets exactly as many 1-unit reservations succeed as there is stock, never going negative', async () => {
    // Prepare
    const sku = uniqueSku('HOT');
    await seedProduct(ledger, sku, { onHand: 50 });
    const counting = countingClient();
    const instances = Array.from({ length: 4 }, () => new StockLedger(new DynamoStockStore(counting.client)));

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        instances[i % instances.length]!.reserve(`${sku}-order-${i}`, [{ sku, quantity: 1 }]),
      ),
    );

    // Assess
    const succeeded = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(succeeded).toHaveLength(50);
    expect(failed.every((r) => r.reason instanceof InsufficientStockError)).toBe(true);
    expect(counting.cancelled()).toBeGreaterThan(0); // the races happened, and were lost safely
    const stock = await ledger.getStock(sku);
    expect(stock.totals).toEqual({ onHand: 50, reserved: 50, available: 0, incoming: 0, shortfall: 0 });
    const movements = (await ledger.listMovements(sku, { limit: 200 })).items;
    expect(movements.filter((m) => m.kind === 'reserve')).toHaveLength(50);
    expect(movements.every((m) => m.after.available >= 0)).toBe(true);
    const check = await ledger.replayLedger(sku);
    expect(check.consistent).toBe(true);
  });
});

describe('transaction conflicts', () => {
  it('retries an operation whose transaction is cancelled by a TransactionConflict, applying it once', async () => {
    // Prepare
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const faulty = conflictingClient(2);
    const contended = new StockLedger(new DynamoStockStore(faulty.client));

    // Act
    const result = await contended.adjust({ sku, delta: 5, reason: 'found' }, { actor: 'test' });

    // Assess
    expect(faulty.attempts()).toBe(3);
    expect(result.level).toMatchObject({ onHand: 15 });
    const check = await ledger.replayLedger(sku);
    expect(check).toMatchObject({ consistent: true, movements: 2 });
  });

  it('gives up with a TransientError when the conflict persists, having changed nothing', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const faulty = conflictingClient(Number.POSITIVE_INFINITY);
    const contended = new StockLedger(new DynamoStockStore(faulty.client), { maxAttempts: 3 });

    await expect(contended.reserve(uniqueSku('order'), [{ sku, quantity: 1 }])).rejects.toBeInstanceOf(
      TransientError,
    );

    expect(faulty.attempts()).toBe(3);
    expect((await ledger.getStock(sku)).totals).toMatchObject({ onHand: 10, reserved: 0 });
    expect((await ledger.replayLedger(sku)).movements).toBe(1);
  });
});
