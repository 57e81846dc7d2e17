import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import { localTokenFor } from '../local/auth.ts';
import type { Runtime } from '../local/runtime.ts';
import type { OrderStatus } from '../services/orders/contract.ts';
import { ordersService } from '../services/orders/service.ts';
import { cancelled, fulfilled, placed, sendMessage } from '../services/orders/testing.ts';
import { stockService } from '../services/stock/service.ts';
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
  afterAll(async () => {
    for (const runtime of runtimes) await runtime.stop().catch(() => undefined);
  });

  /** A runtime on the same emulators and resource prefix, as `npm start` is after a restart. */
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
});
