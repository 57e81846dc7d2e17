import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, UnprocessableError } from '../lib/errors.ts';
import {
  CommitShortfallError,
  InsufficientStockError,
  ReservedStockError,
  StockLedger,
} from '../services/stock/domain/stock.ts';
import { stockService } from '../services/stock/service.ts';
import { DynamoStockStore } from '../services/stock/store.ts';
import { outboxOf, seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { provisionFor } from './support/env.ts';

let ledger: StockLedger;
const actor = { actor: 'test' };

beforeAll(async () => {
  await provisionFor([stockService]);
  ledger = new StockLedger(new DynamoStockStore());
});

const levelAt = async (sku: string, locationId = 'main') =>
  (await ledger.getStock(sku)).locations.find((l) => l.locationId === locationId);

const movementCount = async (sku: string) => (await ledger.replayLedger(sku)).movements;

describe('reservations', () => {
  it('reserves all lines or none: a short line leaves levels and ledger unchanged and names the line', async () => {
    // Prepare
    const plenty = uniqueSku();
    const scarce = uniqueSku();
    await seedProduct(ledger, plenty, { onHand: 100 });
    await seedProduct(ledger, scarce, { onHand: 3 });
    const before = [await ledger.getStock(plenty), await ledger.getStock(scarce)];
    const movementsBefore = [await movementCount(plenty), await movementCount(scarce)];

    // Act
    const attempt = ledger.reserve('order-short', [
      { sku: plenty, quantity: 10 },
      { sku: scarce, quantity: 2 },
      { sku: scarce, quantity: 2 },
    ]);

    // Assess
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientStockError);
    expect((error as InsufficientStockError).shortfalls).toEqual([
      { sku: scarce, locationId: 'main', requested: 4, available: 3, reason: 'insufficient_stock' },
    ]);
    expect([await ledger.getStock(plenty), await ledger.getStock(scarce)]).toEqual(before);
    expect([await movementCount(plenty), await movementCount(scarce)]).toEqual(movementsBefore);
    expect(await ledger.getReservation('order-short')).toBeUndefined();
  });

  it('fails lines of unknown or archived SKUs with the unknown_sku reason', async () => {
    const archived = uniqueSku();
    await seedProduct(ledger, archived, { onHand: 5 });
    await ledger.markProductDeleted(archived, 2);
    const unknown = uniqueSku();

    const error = await ledger
      .reserve(uniqueSku('order'), [
        { sku: archived, quantity: 1 },
        { sku: unknown, quantity: 1 },
      ])
      .catch((e: unknown) => e);

    expect((error as InsufficientStockError).shortfalls.map((s) => [s.sku, s.reason])).toEqual([
      [archived, 'unknown_sku'],
      [unknown, 'unknown_sku'],
    ]);
  });

  it('returns the existing reservation when the same reservation id is reserved twice', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const orderId = uniqueSku('order');

    const first = await ledger.reserve(orderId, [{ sku, quantity: 4 }]);
    const second = await ledger.reserve(orderId, [{ sku, quantity: 4 }]);

    expect(second).toEqual(first);
    expect(await levelAt(sku)).toMatchObject({ reserved: 4, available: 6 });
    expect(await movementCount(sku)).toBe(2); // the receipt and one reservation
    await expect(ledger.reserve(orderId, [{ sku, quantity: 5 }])).rejects.toBeInstanceOf(ConflictError);
  });

  it('refuses a reservation of more than 40 lines before touching anything', async () => {
    const lines = Array.from({ length: 41 }, (_, i) => ({ sku: `MANY-${i}`, quantity: 1 }));

    await expect(ledger.reserve(uniqueSku('order'), lines)).rejects.toMatchObject({
      status: 400,
      errors: [{ field: 'lines' }],
    });
  });

  it('commits once: onHand and reserved go down, available is unchanged, and a second commit is a no-op', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const orderId = uniqueSku('order');
    await ledger.reserve(orderId, [{ sku, quantity: 3 }]);

    const first = await ledger.commit(orderId);
    const second = await ledger.commit(orderId);
    const release = await ledger.release(orderId);

    expect(first).toEqual({ reservationId: orderId, status: 'COMMITTED', changed: true });
    expect(second).toEqual({ reservationId: orderId, status: 'COMMITTED', changed: false });
    expect(release).toEqual({ reservationId: orderId, status: 'COMMITTED', changed: false });
    expect(await levelAt(sku)).toMatchObject({ onHand: 7, reserved: 0, available: 7 });
    expect((await ledger.replayLedger(sku)).consistent).toBe(true);
  });

  it('releases once, and refuses to commit a released reservation', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const orderId = uniqueSku('order');
    await ledger.reserve(orderId, [{ sku, quantity: 3 }]);

    expect(await ledger.release(orderId)).toMatchObject({ status: 'RELEASED', changed: true });
    expect(await ledger.release(orderId)).toMatchObject({ status: 'RELEASED', changed: false });
    await expect(ledger.commit(orderId)).rejects.toBeInstanceOf(ConflictError);
    expect(await ledger.release('never-reserved')).toMatchObject({ status: 'UNKNOWN', changed: false });
    await expect(ledger.commit('never-reserved')).rejects.toBeInstanceOf(NotFoundError);
    expect(await levelAt(sku)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    expect((await ledger.replayLedger(sku)).consistent).toBe(true);
  });

  it('expires a held reservation through the ledger in the sweeper, after which release and commit are safe', async () => {
    // Prepare
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const orderId = uniqueSku('order');
    await ledger.reserve(orderId, [{ sku, quantity: 4 }], 1);

    // Act
    const swept = await ledger.sweepExpired(new Date(Date.now() + 5_000));

    // Assess
    expect(swept.expired).toContain(orderId);
    expect(await ledger.getReservation(orderId)).toMatchObject({ status: 'EXPIRED' });
    expect(await levelAt(sku)).toMatchObject({ reserved: 0, available: 10 });
    const [latest] = (await ledger.listMovements(sku)).items;
    expect(latest).toMatchObject({
      kind: 'release',
      reason: 'expired',
      reference: orderId,
      deltas: { reserved: -4 },
    });
    const expired = (await outboxOf(sku)).filter((e) => e.type === 'ReservationExpired');
    expect(expired).toHaveLength(1);
    expect(expired[0]!.data).toEqual({
      reservationId: orderId,
      lines: [{ sku, locationId: 'main', quantity: 4 }],
    });
    expect(await ledger.release(orderId)).toMatchObject({ status: 'EXPIRED', changed: false });
    await expect(ledger.commit(orderId)).rejects.toBeInstanceOf(ConflictError);
    expect((await ledger.sweepExpired(new Date(Date.now() + 5_000))).expired).not.toContain(orderId);
    expect((await ledger.replayLedger(sku)).consistent).toBe(true);
  });

  it('does not expire a reservation before its expiry', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const orderId = uniqueSku('order');
    await ledger.reserve(orderId, [{ sku, quantity: 1 }], 600);

    const swept = await ledger.sweepExpired(new Date());

    expect(swept.expired).not.toContain(orderId);
    expect(await ledger.getReservation(orderId)).toMatchObject({ status: 'HELD' });
  });
});

describe('adjustments, counts, receipts and transfers', () => {
  it('applies an adjustment once for the same idempotency key and refuses the key for a different request', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    const ctx = { actor: 'alice', idempotencyKey: uniqueSku('key') };

    const first = await ledger.adjust({ sku, delta: -2, reason: 'damaged', note: 'dropped' }, ctx);
    const second = await ledger.adjust({ sku, delta: -2, reason: 'damaged', note: 'dropped' }, ctx);

    expect(second).toEqual(first);
    expect(await levelAt(sku)).toMatchObject({ onHand: 8 });
    expect(await movementCount(sku)).toBe(2);
    await expect(ledger.adjust({ sku, delta: -3, reason: 'damaged' }, ctx)).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(first.movement).toMatchObject({
      actor: 'alice',
      kind: 'adjust',
      reason: 'damaged',
      note: 'dropped',
    });
  });

  it('refuses an adjustment that would make onHand negative, unless the product allows backorders', async () => {
    const sku = uniqueSku();
    const backorder = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 2 });
    await seedProduct(ledger, backorder, { onHand: 2, allowBackorder: true });

    await expect(ledger.adjust({ sku, delta: -3, reason: 'lost' }, actor)).rejects.toBeInstanceOf(
      UnprocessableError,
    );
    await ledger.adjust({ sku: backorder, delta: -3, reason: 'lost' }, actor);

    expect(await levelAt(sku)).toMatchObject({ onHand: 2 });
    expect(await levelAt(backorder)).toMatchObject({ onHand: -1 });
  });

  it('refuses operations on a SKU or location stock does not know', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);

    await expect(ledger.receive({ sku: uniqueSku(), quantity: 1 }, actor)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(ledger.receive({ sku, quantity: 1, locationId: 'nowhere' }, actor)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(ledger.getStock(uniqueSku())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('sets onHand through a count movement', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });

    const { movement, level } = await ledger.count({ sku, countedQuantity: 7 }, actor);

    expect(movement).toMatchObject({ kind: 'count', reason: 'cycle_count', deltas: { onHand: -3 } });
    expect(level).toMatchObject({ onHand: 7, available: 7 });
  });

  it('receive reduces incoming by what was expected, never below zero', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku);
    await ledger.expect({ sku, quantity: 10, reference: 'PO-1' }, actor);

    const partial = await ledger.receive({ sku, quantity: 4, reference: 'PO-1' }, actor);
    const rest = await ledger.receive({ sku, quantity: 10, reference: 'PO-1' }, actor);

    expect(partial.level).toMatchObject({ onHand: 4, incoming: 6 });
    expect(rest.level).toMatchObject({ onHand: 14, incoming: 0 });
    expect(rest.movement.deltas).toEqual({ onHand: 10, reserved: 0, incoming: -6 });
    expect((await ledger.replayLedger(sku)).consistent).toBe(true);
  });

  it('transfers stock between locations atomically, and refuses more than is available at the source', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    await ledger.createLocation({ id: 'east', name: 'East depot' }, actor);
    await ledger.reserve(uniqueSku('order'), [{ sku, quantity: 4 }]);

    const result = await ledger.transfer(
      { sku, fromLocationId: 'main', toLocationId: 'east', quantity: 5 },
      actor,
    );
    const tooMuch = ledger.transfer(
      { sku, fromLocationId: 'main', toLocationId: 'east', quantity: 2 },
      actor,
    );

    expect(result.movements.map((m) => [m.kind, m.locationId, m.deltas.onHand])).toEqual([
      ['transfer_out', 'main', -5],
      ['transfer_in', 'east', 5],
    ]);
    await expect(tooMuch).rejects.toBeInstanceOf(InsufficientStockError);
    expect(await levelAt(sku, 'main')).toMatchObject({ onHand: 5, reserved: 4, available: 1 });
    expect(await levelAt(sku, 'east')).toMatchObject({ onHand: 5, available: 5 });
    expect((await ledger.getStock(sku)).totals).toEqual({
      onHand: 10,
      reserved: 4,
      available: 6,
      incoming: 0,
      shortfall: 0,
    });
    expect((await ledger.replayLedger(sku)).consistent).toBe(true);
  });
});

describe('reserved stock', () => {
  /*
   * Guards the "reserved stock adjusted away" bug: 12 units reserved for open orders, an
   * adjustment of -10 on 15 on hand was accepted (onHand 5 is not negative), and the orders
   * that had been promised those units failed at commit, long after anyone could fix it.
   */
  it('refuses an adjustment that would take onHand below what is reserved, changing nothing', async () => {
    // Prepare
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 15 });
    await ledger.reserve(uniqueSku('order'), [{ sku, quantity: 12 }]);
    const before = await ledger.getStock(sku);

    // Act
    const error = await ledger.adjust({ sku, delta: -10, reason: 'lost' }, actor).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ReservedStockError);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ReservedStockError).message).toContain(
      '12 units are reserved for open orders; onHand cannot go below 12',
    );
    expect((error as ReservedStockError).extensions).toMatchObject({
      sku,
      locationId: 'main',
      reserved: 12,
      onHand: 15,
      delta: -10,
    });
    expect(await ledger.getStock(sku)).toEqual(before);
    expect(await movementCount(sku)).toBe(2);
  });

  it('still accepts an adjustment down to exactly what is reserved, and any adjustment up', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 15 });
    await ledger.reserve(uniqueSku('order'), [{ sku, quantity: 12 }]);

    await ledger.adjust({ sku, delta: -3, reason: 'damaged' }, actor);
    await ledger.count({ sku, countedQuantity: 10 }, actor); // a shortfall of 2
    await ledger.adjust({ sku, delta: 1, reason: 'found' }, actor);

    expect(await levelAt(sku)).toMatchObject({ onHand: 11, reserved: 12, shortfall: 1 });
    expect((await ledger.replayLedger(sku)).consistent).toBe(true);
  });

  it('records a count below what is reserved, shows the shortfall, and names the reservations at risk', async () => {
    // Prepare: four orders at main (one released, one committed) and one at another location
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    await ledger.createLocation({ id: 'east', name: 'East depot' }, actor);
    await ledger.receive({ sku, locationId: 'east', quantity: 5 }, actor);
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((n) => uniqueSku(`order-${n}`));
    await ledger.reserve(a!, [{ sku, quantity: 4 }]);
    await ledger.reserve(b!, [
      { sku, quantity: 2 },
      { sku, quantity: 1 },
    ]);
    await ledger.reserve(c!, [{ sku, quantity: 2 }]);
    await ledger.reserve(d!, [{ sku, quantity: 1 }]);
    await ledger.reserve(e!, [{ sku, quantity: 2, locationId: 'east' }]);
    await ledger.release(c!);
    await ledger.commit(d!); // main: onHand 9, reserved 7

    // Act
    const { movement, level } = await ledger.count({ sku, countedQuantity: 5 }, actor);

    // Assess
    expect(level).toMatchObject({ onHand: 5, reserved: 7, available: -2, shortfall: 2 });
    const stock = await ledger.getStock(sku);
    expect(stock.totals).toMatchObject({ onHand: 10, reserved: 9, shortfall: 2 });
    expect(stock.locations.find((l) => l.locationId === 'east')).toMatchObject({ shortfall: 0 });
    const shortfalls = (await outboxOf(sku)).filter((event) => event.type === 'StockShortfall');
    expect(shortfalls).toHaveLength(1);
    expect(shortfalls[0]).toMatchObject({
      version: 1,
      id: expect.stringMatching(new RegExp(`^${movement.id}:`)),
    });
    expect(shortfalls[0]!.data).toEqual({
      sku,
      locationId: 'main',
      movementId: movement.id,
      onHand: 5,
      reserved: 7,
      shortfall: 2,
      reservations: [
        { reservationId: a, quantity: 4 },
        { reservationId: b, quantity: 3 },
      ],
      unlisted: 0,
      unaccounted: 0,
    });
    expect((await ledger.replayLedger(sku)).consistent).toBe(true);
  });

  it('emits no StockShortfall for a count that covers what is reserved', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    await ledger.reserve(uniqueSku('order'), [{ sku, quantity: 4 }]);

    const { level } = await ledger.count({ sku, countedQuantity: 4 }, actor);

    expect(level).toMatchObject({ onHand: 4, reserved: 4, shortfall: 0 });
    expect((await outboxOf(sku)).filter((event) => event.type === 'StockShortfall')).toEqual([]);
  });

  it('commits reservations while the stock lasts, then refuses the one that meets the shortfall, writing nothing', async () => {
    // Prepare
    const sku = uniqueSku();
    const other = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10 });
    await seedProduct(ledger, other, { onHand: 10 });
    const first = uniqueSku('order');
    const second = uniqueSku('order');
    await ledger.reserve(first, [{ sku, quantity: 4 }]);
    await ledger.reserve(second, [
      { sku, quantity: 3 },
      { sku: other, quantity: 1 },
    ]);
    await ledger.count({ sku, countedQuantity: 5 }, actor);
    const movementsBefore = [await movementCount(sku), await movementCount(other)];

    // Act
    await ledger.commit(first); // onHand 5 → 1
    const error = await ledger.commit(second).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(CommitShortfallError);
    expect(error).toBeInstanceOf(UnprocessableError);
    expect((error as CommitShortfallError).shortfalls).toEqual([
      { sku, locationId: 'main', requested: 3, available: 1, reason: 'stock_shortfall' },
    ]);
    expect(await ledger.getReservation(second)).toMatchObject({ status: 'HELD' });
    expect(await levelAt(sku)).toMatchObject({ onHand: 1, reserved: 3, shortfall: 2 });
    expect(await levelAt(other)).toMatchObject({ onHand: 10, reserved: 1 });
    expect([await movementCount(sku), await movementCount(other)]).toEqual([
      movementsBefore[0]! + 1,
      movementsBefore[1]!,
    ]);
    expect(await ledger.release(second, 'shortfall')).toMatchObject({ status: 'RELEASED', changed: true });
    expect(await levelAt(sku)).toMatchObject({ onHand: 1, reserved: 0, shortfall: 0 });
  });

  it('lets a product that allows backorders go below what is reserved, without a shortfall', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 5, allowBackorder: true });
    await ledger.reserve(uniqueSku('order'), [{ sku, quantity: 8 }]);

    await ledger.adjust({ sku, delta: -2, reason: 'damaged' }, actor);

    expect(await levelAt(sku)).toMatchObject({ onHand: 3, reserved: 8, shortfall: 0 });
  });
});

describe('product settings and events', () => {
  it('learns thresholds in version order and copies a changed safety stock into levels through the ledger', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 20 });
    const snapshot = { sku, reorderPoint: 5, allowBackorder: false, status: 'active' as const };

    const newer = await ledger.applyProductSnapshot({ ...snapshot, safetyStock: 4, version: 3 });
    const older = await ledger.applyProductSnapshot({ ...snapshot, safetyStock: 9, version: 2 });
    const again = await ledger.applyProductSnapshot({ ...snapshot, safetyStock: 4, version: 3 });

    expect(newer).toEqual({ applied: true, levelsUpdated: 1 });
    expect(older.applied).toBe(false);
    expect(again.applied).toBe(false);
    expect(await levelAt(sku)).toMatchObject({ onHand: 20, safetyStock: 4, available: 16 });
    expect((await ledger.listMovements(sku)).items[0]).toMatchObject({
      kind: 'settings',
      after: { available: 16 },
    });
    expect((await ledger.replayLedger(sku)).consistent).toBe(true);
  });

  it('emits StockLow once per crossing of the reorder point, and OutOfStock when available reaches zero', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 10, reorderPoint: 5 });

    await ledger.reserve(uniqueSku('order'), [{ sku, quantity: 5 }]); // 10 → 5: crosses
    await ledger.reserve(uniqueSku('order'), [{ sku, quantity: 1 }]); // 5 → 4: already low
    await ledger.reserve(uniqueSku('order'), [{ sku, quantity: 4 }]); // 4 → 0: out of stock

    const events = await outboxOf(sku);
    expect(events.filter((e) => e.type === 'StockLow')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'OutOfStock')).toHaveLength(1);
    const changes = events.filter((e) => e.type === 'StockLevelChanged');
    expect(changes.map((e) => (e.data as { levelVersion: number }).levelVersion)).toEqual([1, 2, 3, 4]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('lists the ledger newest first with a cursor', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 1 });
    for (const delta of [1, 2, 3]) await ledger.adjust({ sku, delta, reason: 'found' }, actor);

    const first = await ledger.listMovements(sku, { limit: 2 });
    const second = await ledger.listMovements(sku, { limit: 2, cursor: first.nextCursor! });

    expect(first.items.map((m) => m.deltas.onHand)).toEqual([3, 2]);
    expect(second.items.map((m) => m.deltas.onHand)).toEqual([1, 1]);
    expect(second.nextCursor).toBeNull();
  });
});
