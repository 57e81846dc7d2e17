import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqs } from '../lib/aws.ts';
import { cancelled, fulfilled, placed } from '../services/orders/testing.ts';
import { newOrderId, type OrderWorld, startOrderWorld, stockedSku, totalsOf } from './order-support.ts';
import { eventually } from './support/env.ts';

// How the platform's messages may really arrive: twice, out of order, or malformed. Duplicates
// change nothing, a cancel before its placement wins, and garbage goes to the DLQ untouched.
describe('order messages delivered twice, out of order, or malformed', () => {
  let world: OrderWorld;
  beforeAll(async () => {
    world = await startOrderWorld();
  });
  afterAll(async () => {
    await world?.stop();
  });

  const dlqDepth = async () => {
    const { Attributes } = await sqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: world.inboundDlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  };
  /** Every message sent to orders-inbound so far was handled and deleted (or dead-lettered). */
  const inboundDrained = async () => {
    const counts = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] as const;
    const { Attributes = {} } = await sqs().send(
      new GetQueueAttributesCommand({ QueueUrl: world.inboundUrl, AttributeNames: [...counts] }),
    );
    return counts.every((name) => Attributes[name] === '0');
  };

  it('is reserved once and sagas once when the same OrderPlaced arrives three times', async () => {
    const sku = await stockedSku(10);
    const orderId = newOrderId();
    const message = placed(orderId, [{ sku, quantity: 2 }]);

    await Promise.all([world.send(message), world.send(message), world.send(message)]);

    await world.waitForStatus(orderId, 'RESERVED');
    // All three deliveries handled (so the duplicates had their chance to do damage) before counting.
    await eventually(inboundDrained);
    expect(await totalsOf(sku)).toMatchObject({ reserved: 2, available: 8 });
    expect(await world.executionsOf(orderId)).toBe(1);
    const order = await world.order(orderId);
    expect(order.history.map((h) => h.status)).toEqual(['PENDING', 'RESERVED']);
    // The platform hears of the reservation once (a redelivery of the same event keeps its id).
    const reservedEvents = () => world.eventsOf(orderId).filter((e) => e.type === 'OrderReserved');
    await eventually(async () => reservedEvents().length > 0);
    expect(new Set(reservedEvents().map((e) => e.id)).size).toBe(1);
  });

  it('ends CANCELLED without holding stock when its cancel arrived first', async () => {
    const sku = await stockedSku(3);
    const orderId = newOrderId();
    await world.send(cancelled(orderId, 'fraud check failed'));
    // The cancel was consumed (remembered for an order not yet known) before the placement is sent.
    await eventually(inboundDrained);
    expect((await world.api(`/api/v1/orders/${orderId}`)).status).toBe(404);

    await world.send(placed(orderId, [{ sku, quantity: 3 }]));

    const order = await world.waitForStatus(orderId, 'CANCELLED');
    expect(order.history.map((h) => h.status)).toEqual(['PENDING', 'CANCELLED']);
    expect(order.timeline).toEqual([]);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
    expect(await world.executionsOf(orderId)).toBe(0);
    const released = await eventually(async () =>
      world.eventsOf(orderId).find((e) => e.type === 'OrderReleased'),
    );
    expect(released.data).toMatchObject({ orderId, reason: 'cancelled' });
  });

  it('completes at once when its fulfilment arrived before the placement', async () => {
    const sku = await stockedSku(4);
    const orderId = newOrderId();
    await world.send(fulfilled(orderId));
    await eventually(inboundDrained);

    await world.send(placed(orderId, [{ sku, quantity: 1 }]));

    await world.waitForStatus(orderId, 'FULFILLED');
    expect(await totalsOf(sku)).toMatchObject({ onHand: 3, reserved: 0 });
  });

  it('lists orders newest placement first, filtered by status, page by page', async () => {
    const sku = await stockedSku(0);
    const ids = [newOrderId(), newOrderId(), newOrderId()];
    const base = Date.parse('2031-01-01T00:00:00Z');
    await Promise.all(
      ids.map((id, i) => world.send(placed(id, [{ sku, quantity: 1 }], new Date(base + i * 1000)))),
    );
    for (const id of ids) await world.waitForStatus(id, 'REJECTED');

    const first = await world.api<{ items: { orderId: string }[]; nextCursor: string | null }>(
      '/api/v1/orders?status=REJECTED&limit=2',
    );
    const second = await world.api<{ items: { orderId: string }[]; nextCursor: string | null }>(
      `/api/v1/orders?status=REJECTED&limit=2&cursor=${first.body.nextCursor}`,
    );

    expect(first.body.items.map((o) => o.orderId)).toEqual([ids[2], ids[1]]);
    expect(second.body.items[0]?.orderId).toBe(ids[0]);
    const all = await world.api<{ items: { orderId: string; status: string }[] }>('/api/v1/orders?limit=1');
    expect(all.body.items).toEqual([expect.objectContaining({ orderId: ids[2], status: 'REJECTED' })]);
  });

  it('moves a malformed message to orders-inbound-dlq after retries, changing nothing', async () => {
    const sku = await stockedSku(3);
    const orderId = newOrderId();
    const before = await dlqDepth();

    await world.send({ ...placed(orderId, [{ sku, quantity: 1 }]), lines: [{ sku, quantity: -1 }] });
    await world.send('{ not json');

    await eventually(async () => (await dlqDepth()) === before + 2);
    expect((await world.api(`/api/v1/orders/${orderId}`)).status).toBe(404);
    expect(await totalsOf(sku)).toMatchObject({ onHand: 3, reserved: 0 });
    expect(await world.executionsOf(orderId)).toBe(0);
  });

  it('answers 404 for an order never placed', async () => {
    const response = await world.api(`/api/v1/orders/${newOrderId()}`);

    expect(response.status).toBe(404);
  });
});
