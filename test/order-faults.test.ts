import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamo } from '../lib/aws.ts';
import { fulfilled, placed } from '../services/orders/testing.ts';
import { calls, faults } from './order-fixtures/faulty-stock-tasks.ts';
import {
  ledgerConsistent,
  newOrderId,
  type OrderWorld,
  startOrderWorld,
  stockedSku,
  totalsOf,
} from './order-support.ts';
import { eventually } from './support/env.ts';

// Faults at the stock boundary (the real stock handler behind a test-only hook): the saga must
// ride out transient ones with its Retry, and turn a permanent one into a compensation that puts
// the stock back.
describe('the order saga when a stock step fails', () => {
  let world: OrderWorld;
  beforeAll(async () => {
    world = await startOrderWorld();
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('retries a reservation that fails transiently twice, then reserves', async () => {
    const sku = await stockedSku(5);
    const orderId = newOrderId();
    faults.set(orderId, { action: 'reserve', transient: 2 });

    await world.send(placed(orderId, [{ sku, quantity: 2 }]));

    const order = await world.waitForStatus(orderId, 'RESERVED');
    expect(calls.get(`${orderId}/reserve`)).toBe(3);
    expect(order.timeline[0]).toMatchObject({ step: 'Reserve', status: 'succeeded', attempts: 3 });
    expect(await totalsOf(sku)).toMatchObject({ reserved: 2, available: 3 });
  });

  it('retries a commit that fails transiently twice, and completes the order', async () => {
    const sku = await stockedSku(5);
    const orderId = newOrderId();
    faults.set(orderId, { action: 'commit', transient: 2 });
    await world.send(placed(orderId, [{ sku, quantity: 2 }]));
    await world.waitForStatus(orderId, 'RESERVED');

    await world.send(fulfilled(orderId));

    await world.waitForStatus(orderId, 'FULFILLED');
    expect(calls.get(`${orderId}/commit`)).toBe(3);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 3, reserved: 0 });
  });

  it('compensates a commit that fails permanently: the stock is back and the order CANCELLED', async () => {
    const sku = await stockedSku(5);
    const orderId = newOrderId();
    faults.set(orderId, { action: 'commit', permanent: true });
    await world.send(placed(orderId, [{ sku, quantity: 4 }]));
    await world.waitForStatus(orderId, 'RESERVED');

    await world.send(fulfilled(orderId));

    const order = await world.waitForStatus(orderId, 'CANCELLED');
    expect(order.releaseReason).toBe('failed');
    expect(calls.get(`${orderId}/commit`)).toBe(4); // Commit is idempotent: retried on any error, 3 more times
    expect(await totalsOf(sku)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    expect(await ledgerConsistent(sku)).toBe(true);
    expect(order.timeline.map((s) => [s.step, s.status])).toEqual([
      ['Reserve', 'succeeded'],
      ['MarkReserved', 'succeeded'],
      ['AwaitOutcome', 'succeeded'],
      ['Commit', 'failed'],
      ['Release', 'succeeded'],
      ['MarkReleased', 'succeeded'],
    ]);
    expect(order.timeline.find((s) => s.step === 'Commit')?.error).toBe('PermanentFault');
    const released = await eventually(async () =>
      world.eventsOf(orderId).find((e) => e.type === 'OrderReleased'),
    );
    expect(released.data).toEqual({ orderId, reason: 'failed', detail: 'a step failed: PermanentFault' });
  });

  // Hole: Commit's Retry covered only TransientError and its Catch went to Release. A commit
  // whose transaction landed but whose answer was lost (Lambda timeout, crash) was "compensated"
  // by a Release that is a no-op on a COMMITTED reservation, and the platform was told the order
  // was released although its stock had left.
  it('retries a commit whose answer was lost after the write, and completes the order', async () => {
    const sku = await stockedSku(5);
    const orderId = newOrderId();
    faults.set(orderId, { action: 'commit', lostAfterWrite: 1 });
    await world.send(placed(orderId, [{ sku, quantity: 2 }]));
    await world.waitForStatus(orderId, 'RESERVED');

    await world.send(fulfilled(orderId));

    await world.waitForStatus(orderId, 'FULFILLED');
    expect(calls.get(`${orderId}/commit`)).toBe(2);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 3, reserved: 0 });
    expect(await ledgerConsistent(sku)).toBe(true);
    const outcomes = await eventually(async () => {
      const types = world.eventsOf(orderId).map((e) => e.type);
      return types.includes('OrderCompleted') && types;
    });
    expect(outcomes).not.toContain('OrderReleased');
  });

  it('reports a committed order as fulfilled, never released, when every commit answer is lost', async () => {
    const sku = await stockedSku(5);
    const orderId = newOrderId();
    faults.set(orderId, { action: 'commit', lostAfterWrite: 'always' });
    await world.send(placed(orderId, [{ sku, quantity: 2 }]));
    await world.waitForStatus(orderId, 'RESERVED');

    await world.send(fulfilled(orderId));

    const order = await world.waitForStatus(orderId, 'FULFILLED', 30_000);
    expect(order.releaseReason).toBeUndefined();
    expect(await totalsOf(sku)).toMatchObject({ onHand: 3, reserved: 0 });
    expect(order.timeline.map((s) => [s.step, s.status])).toEqual([
      ['Reserve', 'succeeded'],
      ['MarkReserved', 'succeeded'],
      ['AwaitOutcome', 'succeeded'],
      ['Commit', 'failed'],
      ['Release', 'succeeded'],
      ['MarkFulfilled', 'succeeded'],
    ]);
    const completed = await eventually(async () =>
      world.eventsOf(orderId).find((e) => e.type === 'OrderCompleted'),
    );
    expect(completed.data).toMatchObject({ orderId, lines: [{ sku, quantity: 2 }] });
    expect(world.eventsOf(orderId).map((e) => e.type)).not.toContain('OrderReleased');
  });

  // Found by the chaos bench: the orders steps let an SDK error out under its own name
  // (ProvisionedThroughputExceededException), which no Retry matched, so a throttled MarkFulfilled
  // ended the saga in MarkFulfilledFailed: stock committed, order left RESERVED, platform never told.
  it('rides out a throttled MarkFulfilled: the committed order is reported fulfilled', async () => {
    const sku = await stockedSku(5);
    const orderId = newOrderId();
    let throttles = 2;
    const throttle = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      const item = (args as { input?: { Item?: { orderId?: string; status?: string } } }).input?.Item;
      if (item?.orderId === orderId && item.status === 'FULFILLED' && throttles > 0) {
        throttles--;
        throw new ProvisionedThroughputExceededException({ message: 'throttled (injected)', $metadata: {} });
      }
      return next(args);
    };
    dynamo().middlewareStack.add(throttle as never, { step: 'initialize', name: 'throttleMarkFulfilled' });
    try {
      await world.send(placed(orderId, [{ sku, quantity: 2 }]));
      await world.waitForStatus(orderId, 'RESERVED');

      await world.send(fulfilled(orderId));

      const order = await world.waitForStatus(orderId, 'FULFILLED', 30_000);
      expect(throttles).toBe(0);
      expect(order.timeline.find((s) => s.step === 'MarkFulfilled')).toMatchObject({
        status: 'succeeded',
        attempts: 3,
      });
      expect(await totalsOf(sku)).toMatchObject({ onHand: 3, reserved: 0 });
    } finally {
      dynamo().middlewareStack.remove('throttleMarkFulfilled');
    }
  });

  it('retries a compensation that fails transiently until the stock is back', async () => {
    const sku = await stockedSku(5);
    const orderId = newOrderId();
    faults.set(orderId, { action: 'release', transient: 3 });
    await world.send(placed(orderId, [{ sku, quantity: 5 }]));
    await world.waitForStatus(orderId, 'RESERVED');

    await world.send({ type: 'OrderCancelled', version: 1, orderId });

    await world.waitForStatus(orderId, 'CANCELLED');
    expect(calls.get(`${orderId}/release`)).toBe(4);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 5, reserved: 0 });
  });
});
