import { ulid } from 'ulid';
import { afterEach, describe, expect, it } from 'vitest';
import { localTokenFor } from '../local/auth.ts';
import type { Runtime } from '../local/runtime.ts';
import type { OrderStatus } from '../services/orders/contract.ts';
import { ordersService } from '../services/orders/service.ts';
import { cancelled, fulfilled, placed, sendMessage } from '../services/orders/testing.ts';
import { stockService } from '../services/stock/service.ts';
import { defaultLedger } from '../services/stock/store.ts';
import { ledgerConsistent, newOrderId, stockedSku, totalsOf } from './order-support.ts';
import { eventually } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// The bug this guards: the local Step Functions engine keeps its executions in memory, so after
// `npm start` restarts, an order that was RESERVED has no saga waiting for the platform any
// more — its OrderFulfilled would be recorded and never acted on, its stock held until the
// sweeper's expiry. On start the runtime re-drives every order not in a final state.
describe('orders whose runtime restarted while they waited for the platform', () => {
  const prefix = `t${ulid().slice(-8).toLowerCase()}`;
  const services = [stockService, ordersService];
  const runtimes: Runtime[] = [];
  const stopAll = async () => {
    for (const runtime of runtimes.splice(0)) await runtime.stop().catch(() => undefined);
  };
  afterEach(stopAll);
  // (In one process the SDK keeps the Step Functions endpoint it first read: every runtime after
  // the first keeps its port.)
  const sfnPort = () =>
    process.env.AWS_ENDPOINT_URL_SFN ? Number(new URL(process.env.AWS_ENDPOINT_URL_SFN).port) : undefined;

  /**
   * A runtime on the same emulators and resource prefix, as `npm start` is after a restart. The
   * previous test's runtimes are stopped first, so no other runtime consumes this one's queues.
   */
  const start = async (stepFunctionsPort?: number) => {
    const runtime = await startTestRuntime(services, { prefix, stepFunctionsPort });
    runtimes.push(runtime);
    return runtime;
  };
  const statusOf = async (runtime: Runtime, orderId: string): Promise<OrderStatus> => {
    const response = await fetch(`${runtime.url}/api/v1/orders/${orderId}`, {
      headers: { authorization: `Bearer ${await localTokenFor('viewer')}` },
    });
    return ((await response.json()) as { status: OrderStatus }).status;
  };
  const waitForStatus = (runtime: Runtime, orderId: string, status: OrderStatus) =>
    eventually(async () => (await statusOf(runtime, orderId)) === status, 15_000);

  it('are fulfilled or cancelled by the new runtime, and the stock follows', async () => {
    // Prepare: two reserved orders, then the runtime stops; a cancel arrives while it is down.
    const first = await start();
    const inbound = first.provisioned.queues.find((q) => q.name === 'orders-inbound')!.url;
    const sku = await stockedSku(10);
    const [toFulfil, toCancel] = [newOrderId(), newOrderId()];
    await sendMessage(inbound, placed(toFulfil, [{ sku, quantity: 2 }]));
    await sendMessage(inbound, placed(toCancel, [{ sku, quantity: 3 }]));
    await waitForStatus(first, toFulfil, 'RESERVED');
    await waitForStatus(first, toCancel, 'RESERVED');
    // (In one process the SDK keeps the Step Functions endpoint it first read: keep its port.)
    const stepFunctionsPort = Number(new URL(process.env.AWS_ENDPOINT_URL_SFN!).port);
    await first.stop();
    await sendMessage(inbound, cancelled(toCancel, 'customer changed their mind'));

    // Act: the runtime starts again.
    const second = await start(stepFunctionsPort);

    // Assess: the cancel sent while it was down released the stock.
    await waitForStatus(second, toCancel, 'CANCELLED');
    expect(await totalsOf(sku)).toMatchObject({ onHand: 10, reserved: 2, available: 8 });

    // Act: the platform fulfils the other order.
    await sendMessage(inbound, fulfilled(toFulfil));

    // Assess: its re-driven saga commits the reservation.
    await waitForStatus(second, toFulfil, 'FULFILLED');
    expect(await totalsOf(sku)).toMatchObject({ onHand: 8, reserved: 0, available: 8 });
    expect(await ledgerConsistent(sku)).toBe(true);
  }, 60_000);

  // A re-driven saga used to answer RESERVED for any existing reservation (Reserve did not report
  // its real state), so an order whose stock had already been released, expired or committed by
  // the run that died was told to the platform as still reserved, and waited out its whole hold.
  it('end at once from what happened to their stock before the crash', async () => {
    // Prepare: three reserved orders; while the runtime is down, the stock of each moves on
    // as the dead run (or the sweeper) had moved it.
    const first = await start(sfnPort());
    const inbound = first.provisioned.queues.find((q) => q.name === 'orders-inbound')!.url;
    const sku = await stockedSku(10);
    const [committed, released, expired] = [newOrderId(), newOrderId(), newOrderId()];
    for (const orderId of [committed, released, expired]) {
      await sendMessage(inbound, placed(orderId, [{ sku, quantity: 2 }]));
      await waitForStatus(first, orderId, 'RESERVED');
    }
    await first.stop();
    const ledger = defaultLedger();
    await ledger.commit(committed, { actor: 'order-saga' });
    await ledger.release(released, 'failed', { actor: 'order-saga' });
    await ledger.expire(expired, (await ledger.getReservation(expired))!.expiresAt);

    // Act: the runtime starts again and re-drives the three sagas.
    const second = await start(sfnPort());

    // Assess: each order ends as its stock did, without waiting for the platform or the hold.
    await waitForStatus(second, committed, 'FULFILLED');
    await waitForStatus(second, released, 'CANCELLED');
    await waitForStatus(second, expired, 'EXPIRED');
    expect(await totalsOf(sku)).toMatchObject({ onHand: 8, reserved: 0, available: 8 });
    expect(await ledgerConsistent(sku)).toBe(true);
  }, 60_000);
});
