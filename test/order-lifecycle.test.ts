import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelled, fulfilled, placed } from '../services/orders/testing.ts';
import { defaultLedger } from '../services/stock/store.ts';
import {
  ledgerConsistent,
  newOrderId,
  type OrderWorld,
  startOrderWorld,
  stockedSku,
  totalsOf,
} from './order-support.ts';
import { eventually } from './support/env.ts';

// The order platform's happy and unhappy paths, end to end: messages on the real SQS queue, the
// saga on the local Step Functions endpoint, stock in DynamoDB Local, events read from the
// platform's queue.
describe('an order placed by the platform', () => {
  let world: OrderWorld;
  beforeAll(async () => {
    world = await startOrderWorld();
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('is reserved, and OrderReserved reaches the platform', async () => {
    const sku = await stockedSku(10);
    const orderId = newOrderId();

    await world.send(placed(orderId, [{ sku, quantity: 3 }]));

    const order = await world.waitForStatus(orderId, 'RESERVED');
    expect(order.history.map((h) => h.status)).toEqual(['PENDING', 'RESERVED']);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
    const reserved = await eventually(async () =>
      world.eventsOf(orderId).find((e) => e.type === 'OrderReserved'),
    );
    expect(reserved.data).toMatchObject({ orderId, lines: [{ sku, quantity: 3 }] });
  });

  it('is completed when fulfilled: the reserved stock leaves onHand', async () => {
    const sku = await stockedSku(10);
    const orderId = newOrderId();
    await world.send(placed(orderId, [{ sku, quantity: 4 }]));
    await world.waitForStatus(orderId, 'RESERVED');

    await world.send(fulfilled(orderId));

    const order = await world.waitForStatus(orderId, 'FULFILLED');
    expect(order.history.map((h) => h.status)).toEqual(['PENDING', 'RESERVED', 'FULFILLED']);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 6, reserved: 0, available: 6 });
    await eventually(async () => world.eventsOf(orderId).some((e) => e.type === 'OrderCompleted'));
    expect(order.timeline.map((s) => [s.step, s.status])).toEqual([
      ['Reserve', 'succeeded'],
      ['MarkReserved', 'succeeded'],
      ['AwaitOutcome', 'succeeded'],
      ['Commit', 'succeeded'],
      ['MarkFulfilled', 'succeeded'],
    ]);
    expect(await ledgerConsistent(sku)).toBe(true);
  });

  // The platform is an at-least-once producer: when it has not seen an order answered (our event
  // lost with a crashed runtime's queue, say), it sends the order's messages again. A duplicate
  // used to be ignored in silence, so such an order never got its answer.
  it('answers a re-sent message of a finished order with its outcome again, under the same event id', async () => {
    const sku = await stockedSku(10);
    const orderId = newOrderId();
    await world.send(placed(orderId, [{ sku, quantity: 1 }]));
    await world.waitForStatus(orderId, 'RESERVED');
    await world.send(fulfilled(orderId));
    await world.waitForStatus(orderId, 'FULFILLED');
    const completed = () => world.eventsOf(orderId).filter((e) => e.type === 'OrderCompleted');
    const first = await eventually(async () => completed()[0]);

    await world.send(placed(orderId, [{ sku, quantity: 1 }]));
    await world.send(fulfilled(orderId));

    await eventually(async () => completed().length >= 3);
    expect(new Set(completed().map((e) => e.id))).toEqual(new Set([first.id]));
    expect(completed().map((e) => e.data)).toEqual([first.data, first.data, first.data]);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 9, reserved: 0 });
  });

  it('is released with reason shortfall when a count found its stock gone before the fulfilment', async () => {
    const sku = await stockedSku(5);
    const orderId = newOrderId();
    await world.send(placed(orderId, [{ sku, quantity: 4 }]));
    await world.waitForStatus(orderId, 'RESERVED');
    await defaultLedger().count({ sku, countedQuantity: 1 }, { actor: 'warehouse@azura.local' });

    await world.send(fulfilled(orderId));

    const order = await world.waitForStatus(orderId, 'CANCELLED');
    expect(order.releaseReason).toBe('shortfall');
    expect(order.timeline.map((s) => [s.step, s.status])).toEqual([
      ['Reserve', 'succeeded'],
      ['MarkReserved', 'succeeded'],
      ['AwaitOutcome', 'succeeded'],
      ['Commit', 'succeeded'],
      ['Release', 'succeeded'],
      ['MarkReleased', 'succeeded'],
    ]);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 1, reserved: 0, available: 1 });
    expect(await ledgerConsistent(sku)).toBe(true);
    const released = await eventually(async () =>
      world.eventsOf(orderId).find((e) => e.type === 'OrderReleased'),
    );
    expect(released.data).toMatchObject({
      orderId,
      reason: 'shortfall',
      shortfalls: [{ sku, requested: 4, available: 1, reason: 'stock_shortfall' }],
    });
  });

  it('gives the stock back when cancelled, and tells the platform why', async () => {
    const sku = await stockedSku(5);
    const orderId = newOrderId();
    await world.send(placed(orderId, [{ sku, quantity: 5 }]));
    await world.waitForStatus(orderId, 'RESERVED');

    await world.send(cancelled(orderId, 'customer changed their mind'));

    const order = await world.waitForStatus(orderId, 'CANCELLED');
    expect(order.releaseReason).toBe('cancelled');
    expect(await totalsOf(sku)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    const released = await eventually(async () =>
      world.eventsOf(orderId).find((e) => e.type === 'OrderReleased'),
    );
    expect(released.data).toEqual({ orderId, reason: 'cancelled', detail: 'customer changed their mind' });
  });

  it('expires when the platform says nothing within the hold, and the stock is released', async () => {
    const sku = await stockedSku(2);
    const orderId = newOrderId();
    process.env.ORDER_HOLD_SECONDS = '2';
    try {
      await world.send(placed(orderId, [{ sku, quantity: 2 }]));
      // RESERVED lasts only the 2 s hold: a slow poll may see EXPIRED already, so look at the history.
      await eventually(async () => (await world.order(orderId)).history.some((h) => h.status === 'RESERVED'));
    } finally {
      delete process.env.ORDER_HOLD_SECONDS;
    }

    const order = await world.waitForStatus(orderId, 'EXPIRED');

    expect(order.releaseReason).toBe('expired');
    expect(await totalsOf(sku)).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
    expect(order.timeline.find((s) => s.step === 'AwaitOutcome')).toMatchObject({
      status: 'failed',
      error: 'States.Timeout',
    });
    await eventually(async () =>
      world
        .eventsOf(orderId)
        .some((e) => e.type === 'OrderReleased' && (e.data as { reason: string }).reason === 'expired'),
    );
  });

  it('is rejected with per-line shortfalls when stock is short, holding nothing', async () => {
    const sku = await stockedSku(1);
    const other = await stockedSku(5);
    const orderId = newOrderId();

    await world.send(
      placed(orderId, [
        { sku, quantity: 2 },
        { sku: other, quantity: 1 },
      ]),
    );

    const order = await world.waitForStatus(orderId, 'REJECTED');
    expect(order.shortfalls).toEqual([{ sku, requested: 2, available: 1, reason: 'insufficient_stock' }]);
    expect(await totalsOf(other)).toMatchObject({ reserved: 0, available: 5 });
    const rejected = await eventually(async () =>
      world.eventsOf(orderId).find((e) => e.type === 'OrderRejected'),
    );
    expect(rejected.data).toEqual({ orderId, shortfalls: order.shortfalls });
  });

  it('is rejected for an unknown SKU, naming it', async () => {
    const orderId = newOrderId();

    await world.send(placed(orderId, [{ sku: 'NO-SUCH-SKU-1', quantity: 1 }]));

    const order = await world.waitForStatus(orderId, 'REJECTED');
    expect(order.shortfalls).toEqual([
      { sku: 'NO-SUCH-SKU-1', requested: 1, available: 0, reason: 'unknown_sku' },
    ]);
  });
});
