import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../lib/errors.ts';
import type { ListOrdersQuery } from '../contract.ts';
import type { Order, OutcomeSignal, SagaInput } from './model.ts';
import { type OrderSaga, type OrderStore, Orders, StaleOrderError } from './orders.ts';

/** The OrderStore port in memory, with the same conditional-write rule as DynamoDB's. */
class MemoryStore implements OrderStore {
  readonly items = new Map<string, Order>();
  async get(orderId: string) {
    await new Promise((r) => setImmediate(r)); // let racing callers interleave, as over a network
    const item = this.items.get(orderId);
    return item && structuredClone(item);
  }
  async save(order: Order, expectedRev: number | undefined) {
    await new Promise((r) => setImmediate(r));
    if (this.items.get(order.orderId)?.rev !== expectedRev) throw new StaleOrderError('stale');
    this.items.set(order.orderId, structuredClone(order));
  }
  async list(_query: ListOrdersQuery) {
    return { items: [...this.items.values()], nextCursor: null };
  }
}

/** The OrderSaga port: records what the domain asked of Step Functions. */
class RecordingSaga implements OrderSaga {
  readonly starts: SagaInput[] = [];
  readonly signals: { taskToken: string; output: OutcomeSignal }[] = [];
  executionArnOf(orderId: string) {
    return `arn:aws:states:us-east-1:000000000000:execution:order-saga:${orderId}`;
  }
  async start(input: SagaInput) {
    this.starts.push(input);
  }
  async signal(taskToken: string, output: OutcomeSignal) {
    this.signals.push({ taskToken, output });
    return true;
  }
  async history() {
    return [];
  }
}

const setup = () => {
  const store = new MemoryStore();
  const saga = new RecordingSaga();
  const orders = new Orders(store, saga, { holdSeconds: () => 60 });
  return { store, saga, orders };
};
const placed = (orderId: string) => ({
  type: 'OrderPlaced' as const,
  version: 1 as const,
  orderId,
  placedAt: '2026-05-04T12:15:00+02:00',
  lines: [{ sku: 'SKU-1', quantity: 2 }],
});
const cancelled = (orderId: string) => ({ type: 'OrderCancelled' as const, version: 1 as const, orderId });
const fulfilled = (orderId: string) => ({
  type: 'OrderFulfilled' as const,
  version: 1 as const,
  orderId,
  fulfilledAt: '2026-05-04T13:00:00Z',
});

describe('Orders', () => {
  it('records a placed order once and starts its saga with the same input on every delivery', async () => {
    const { store, saga, orders } = setup();

    await Promise.all([orders.handle(placed('A')), orders.handle(placed('A')), orders.handle(placed('A'))]);

    const order = store.items.get('A')!;
    expect(order).toMatchObject({ status: 'PENDING', placedAt: '2026-05-04T10:15:00.000Z', holdSeconds: 60 });
    expect(order.history).toHaveLength(1);
    expect(saga.starts).toHaveLength(3);
    expect(new Set(saga.starts.map((s) => JSON.stringify(s))).size).toBe(1);
    expect(saga.starts[0]).toEqual({
      orderId: 'A',
      lines: [{ sku: 'SKU-1', quantity: 2 }],
      holdSeconds: 60,
      stockHoldSeconds: 360,
    });
  });

  it('ends an order CANCELLED without a saga when its cancel came first', async () => {
    const { store, saga, orders } = setup();

    await orders.handle(cancelled('B'));
    await orders.handle(placed('B'));

    const order = store.items.get('B')!;
    expect(order.status).toBe('CANCELLED');
    expect(order.history.map((h) => h.status)).toEqual(['PENDING', 'CANCELLED']);
    expect(order.executionArn).toBeUndefined();
    expect(order.outbox.map((e) => [e.type, e.data])).toEqual([
      [
        'OrderReleased',
        { orderId: 'B', reason: 'cancelled', detail: 'cancelled before it was placed; no stock was held' },
      ],
    ]);
    expect(saga.starts).toEqual([]);
  });

  it('resumes the saga exactly once when the outcome and the wait race each other', async () => {
    for (let n = 0; n < 20; n++) {
      const { store, saga, orders } = setup();
      await orders.handle(placed('C'));
      await orders.markStatus({ orderId: 'C', transition: 'RESERVED' });

      await Promise.all([orders.handle(fulfilled('C')), orders.awaitOutcome('C', `token-${n}`)]);

      expect(saga.signals).toEqual([
        { taskToken: `token-${n}`, output: { outcome: 'FULFILLED', at: '2026-05-04T13:00:00.000Z' } },
      ]);
      expect(store.items.get('C')!.taskToken).toBe(`token-${n}`);
    }
  });

  it('keeps the first outcome: a cancel after a fulfilment changes nothing', async () => {
    const { store, saga, orders } = setup();
    await orders.handle(placed('D'));
    await orders.markStatus({ orderId: 'D', transition: 'RESERVED' });
    await orders.awaitOutcome('D', 'token');

    await orders.handle(fulfilled('D'));
    await orders.handle(cancelled('D'));

    expect(store.items.get('D')!.pendingOutcome?.outcome).toBe('FULFILLED');
    expect(saga.signals.map((s) => s.output.outcome)).toEqual(['FULFILLED']);
  });

  it('makes a transition once, and never changes a final status', async () => {
    const { store, orders } = setup();
    await orders.handle(placed('E'));
    await orders.markStatus({ orderId: 'E', transition: 'RESERVED' });
    await orders.markStatus({ orderId: 'E', transition: 'FULFILLED' });

    await orders.markStatus({ orderId: 'E', transition: 'FULFILLED' });
    const release = orders.markStatus({
      orderId: 'E',
      transition: 'RELEASED',
      release: { reason: 'expired' },
    });

    await expect(release).rejects.toBeInstanceOf(ConflictError);
    const order = store.items.get('E')!;
    expect(order.history.map((h) => h.status)).toEqual(['PENDING', 'RESERVED', 'FULFILLED']);
    expect(order.outbox.map((e) => e.id)).toEqual(['E:OrderCompleted']);
  });

  it('re-announces the outcome of a finished order when the platform sends its messages again', async () => {
    const published: string[] = [];
    const store = new MemoryStore();
    const orders = new Orders(store, new RecordingSaga(), {
      holdSeconds: () => 60,
      announcer: { publish: async (events) => void published.push(...events.map((e) => e.id)) },
    });
    await orders.handle(placed('F'));
    await orders.markStatus({ orderId: 'F', transition: 'RESERVED' });
    await orders.handle(placed('F')); // not finished yet: nothing to re-announce
    await orders.handle(fulfilled('F'));
    await orders.markStatus({ orderId: 'F', transition: 'FULFILLED' });

    await orders.handle(placed('F'));
    await orders.handle(fulfilled('F'));
    await orders.handle(cancelled('F'));

    expect(published).toEqual(['F:OrderCompleted', 'F:OrderCompleted', 'F:OrderCompleted']);
    expect(store.items.get('F')!.status).toBe('FULFILLED');
  });
});
