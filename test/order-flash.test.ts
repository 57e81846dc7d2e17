import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqs } from '../lib/aws.ts';
import type { OrderStatus } from '../services/orders/contract.ts';
import { cancelled, fulfilled, placed } from '../services/orders/testing.ts';
import {
  ledgerConsistent,
  newOrderId,
  type OrderWorld,
  startOrderWorld,
  stockedSku,
  totalsOf,
} from './order-support.ts';
import { eventually } from './support/env.ts';

// The oversell bug this guards: many orders for the last units, decided at once. Each is
// reserved all-or-nothing in one conditional transaction, so exactly the stock on hand is
// promised — never one unit more — and the ledger still replays to the level afterwards.
describe('a flash sale: 300 orders of 1 unit for 100 in stock, at once', () => {
  let world: OrderWorld;
  beforeAll(async () => {
    world = await startOrderWorld({ queueConcurrency: 4 });
  });
  afterAll(async () => {
    await world?.stop();
  });

  const sendAll = async (bodies: unknown[]) => {
    const batches: unknown[][] = [];
    for (let i = 0; i < bodies.length; i += 10) batches.push(bodies.slice(i, i + 10));
    await Promise.all(
      batches.map((batch) =>
        sqs().send(
          new SendMessageBatchCommand({
            QueueUrl: world.inboundUrl,
            Entries: batch.map((body, n) => ({ Id: String(n), MessageBody: JSON.stringify(body) })),
          }),
        ),
      ),
    );
  };
  const idsWith = async (status: OrderStatus): Promise<string[]> => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { orderId: string }[]; nextCursor: string | null } } =
        await world.api(`/api/v1/orders?status=${status}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...page.body.items.map((o) => o.orderId));
      cursor = page.body.nextCursor;
    } while (cursor);
    return ids;
  };

  /** Orders with one of these events on the platform's feed. */
  const decided = (types: string[]) =>
    new Set(
      world.feed.events
        .filter((e) => types.includes(e.type))
        .map((e) => (e.data as { orderId: string }).orderId),
    ).size;

  it('reserves exactly 100, rejects 200; then 50 fulfilled and 50 cancelled settle the stock', async () => {
    const sku = await stockedSku(100);
    const orderIds = Array.from({ length: 300 }, newOrderId);

    await sendAll(orderIds.map((id) => placed(id, [{ sku, quantity: 1 }])));

    // Waiting on the platform's feed (in memory) keeps the emulators free for the work itself.
    await eventually(async () => decided(['OrderReserved', 'OrderRejected']) === 300, 100_000);
    const reserved = await idsWith('RESERVED');
    expect(reserved).toHaveLength(100);
    expect(await idsWith('REJECTED')).toHaveLength(200);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 100, reserved: 100, available: 0 });

    await sendAll([
      ...reserved.slice(0, 50).map((id) => fulfilled(id)),
      ...reserved.slice(50).map((id) => cancelled(id)),
    ]);

    await eventually(async () => decided(['OrderCompleted', 'OrderReleased']) === 100, 60_000);
    expect(await idsWith('FULFILLED')).toHaveLength(50);
    expect(await idsWith('CANCELLED')).toHaveLength(50);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 50, reserved: 0, available: 50 });
    expect(await ledgerConsistent(sku)).toBe(true);
  }, 180_000); // ~50 s alone on this 2-core machine; more when other suites share it
});
