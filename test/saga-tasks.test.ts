import { beforeAll, describe, expect, it } from 'vitest';
import type { StockLedger } from '../services/stock/domain/stock.ts';
import { releaseHandler, reserveHandler } from '../services/stock/handlers/saga-tasks.ts';
import { stockService } from '../services/stock/service.ts';
import { defaultLedger } from '../services/stock/store.ts';
import { seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { provisionFor } from './support/env.ts';

// A saga re-driven after a crash (or a duplicate start) calls Reserve again for a reservation
// that may have moved on. Reserve used to answer RESERVED for ANY existing reservation, so a
// re-driven saga would wait for an outcome on stock that had already been released, expired or
// committed. It must answer the reservation's real state.
let ledger: StockLedger;
beforeAll(async () => {
  await provisionFor([stockService]);
  ledger = defaultLedger();
});

async function reservation(onHand = 5) {
  const sku = uniqueSku();
  await seedProduct(ledger, sku, { onHand });
  const reservationId = uniqueSku('order');
  const lines = [{ sku, quantity: 2 }];
  await reserveHandler({ reservationId, lines });
  return { sku, reservationId, lines };
}

describe('Reserve on a reservation that already exists', () => {
  it('answers RESERVED again while it is held, holding nothing more', async () => {
    const { sku, reservationId, lines } = await reservation();

    const again = await reserveHandler({ reservationId, lines });

    expect(again).toMatchObject({ status: 'RESERVED', reservationId, expiresAt: expect.any(String) });
    expect((await ledger.getStock(sku)).totals).toMatchObject({ reserved: 2, available: 3 });
  });

  it('answers RELEASED for a released one, and holds nothing again', async () => {
    const { sku, reservationId, lines } = await reservation();
    await releaseHandler({ reservationId, reason: 'cancelled' });

    const again = await reserveHandler({ reservationId, lines });

    expect(again).toEqual({ status: 'RELEASED', reservationId });
    expect((await ledger.getStock(sku)).totals).toMatchObject({ reserved: 0, available: 5 });
  });

  it('answers COMMITTED for a committed one', async () => {
    const { sku, reservationId, lines } = await reservation();
    await ledger.commit(reservationId);

    const again = await reserveHandler({ reservationId, lines });

    expect(again).toEqual({ status: 'COMMITTED', reservationId });
    expect((await ledger.getStock(sku)).totals).toMatchObject({ onHand: 3, reserved: 0 });
  });

  it('answers EXPIRED for one the sweeper expired', async () => {
    const { sku, reservationId, lines } = await reservation();
    const held = await ledger.getReservation(reservationId);
    await ledger.expire(reservationId, held!.expiresAt);

    const again = await reserveHandler({ reservationId, lines });

    expect(again).toEqual({ status: 'EXPIRED', reservationId });
    expect((await ledger.getStock(sku)).totals).toMatchObject({ reserved: 0, available: 5 });
  });
});
