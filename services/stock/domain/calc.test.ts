import { describe, expect, it } from 'vitest';
import {
  applyDeltas,
  applySettings,
  crossings,
  emptyLevel,
  eventsFor,
  HeldReservationsFold,
  mergeLines,
  replay,
  requestHash,
  shortfallEvent,
  shortfallOf,
  shortfallsOf,
} from './calc.ts';
import { type Level, levelKey, type Movement, type ProductSettings } from './model.ts';

const product = (over: Partial<ProductSettings> = {}): ProductSettings => ({
  sku: 'SKU-1',
  reorderPoint: 5,
  safetyStock: 2,
  allowBackorder: false,
  status: 'active',
  version: 1,
  locations: ['main'],
  ...over,
});

const level = (over: Partial<Level> = {}): Level => {
  const base = { ...emptyLevel('SKU-1', 'main', product()), version: 3, ...over };
  return { ...base, available: base.onHand - base.reserved - base.safetyStock };
};

const movement = (locationId: string, onHand: number, reserved = 0, incoming = 0): Movement => ({
  id: `m-${Math.random()}`,
  sku: 'SKU-1',
  locationId,
  kind: 'adjust',
  deltas: { onHand, reserved, incoming },
  after: { onHand: 0, reserved: 0, incoming: 0, safetyStock: 0, available: 0 },
  actor: 'test',
  at: '2026-01-01T00:00:00.000Z',
  idempotencyKey: 'k',
  correlationId: 'c',
});

describe('level arithmetic', () => {
  it('derives available as onHand minus reserved minus safety stock and bumps the version', () => {
    const after = applyDeltas(level({ onHand: 10 }), { onHand: 0, reserved: 3, incoming: 0 }, 'now');

    expect(after).toMatchObject({ onHand: 10, reserved: 3, safetyStock: 2, available: 5, version: 4 });
  });

  it('re-derives available when the safety stock changes', () => {
    const after = applySettings(level({ onHand: 10 }), product({ safetyStock: 6 }), 'now');

    expect(after).toMatchObject({ onHand: 10, safetyStock: 6, available: 4, version: 4 });
  });
});

describe('crossing detection', () => {
  it('reports StockLow only when available crosses down to the reorder point', () => {
    expect(crossings({ available: 6, reorderPoint: 5 }, { available: 5, reorderPoint: 5 }).low).toBe(true);
    expect(crossings({ available: 5, reorderPoint: 5 }, { available: 4, reorderPoint: 5 }).low).toBe(false);
    expect(crossings({ available: 4, reorderPoint: 5 }, { available: 9, reorderPoint: 5 }).low).toBe(false);
  });

  it('reports a crossing caused by a raised reorder point', () => {
    expect(crossings({ available: 8, reorderPoint: 5 }, { available: 8, reorderPoint: 10 }).low).toBe(true);
  });

  it('reports OutOfStock once, when available reaches zero from above', () => {
    expect(crossings({ available: 1, reorderPoint: 0 }, { available: 0, reorderPoint: 0 }).out).toBe(true);
    expect(crossings({ available: 0, reorderPoint: 0 }, { available: -1, reorderPoint: 0 }).out).toBe(false);
  });

  it('emits StockLevelChanged always and the crossing events with deterministic ids', () => {
    const before = level({ onHand: 10 });
    const after = applyDeltas(before, { onHand: 0, reserved: 8, incoming: 0 }, '2026-01-01T00:00:00.000Z');
    const m = { ...movement('main', 0, 8), id: 'MOV1' };

    const events = eventsFor(m, before, after, 'corr', 0);

    expect(events.map((e) => [e.type, e.id])).toEqual([
      ['StockLevelChanged', 'MOV1:0'],
      ['StockLow', 'MOV1:1'],
      ['OutOfStock', 'MOV1:2'],
    ]);
    expect(events[0]!.data).toMatchObject({ levelVersion: 4, quantities: { available: 0 } });
  });
});

describe('shortfall computation', () => {
  it('sums lines of the same SKU and location and defaults the location to main', () => {
    expect(
      mergeLines([
        { sku: 'A', quantity: 2 },
        { sku: 'A', quantity: 3, locationId: 'main' },
        { sku: 'A', quantity: 1, locationId: 'east' },
      ]),
    ).toEqual([
      { sku: 'A', locationId: 'main', quantity: 5 },
      { sku: 'A', locationId: 'east', quantity: 1 },
    ]);
  });

  it('names each short line with what is available, and unknown or archived SKUs', () => {
    const products = new Map([
      ['SKU-1', product()],
      ['OLD', product({ sku: 'OLD', status: 'archived' })],
    ]);
    const levels = new Map([[levelKey('SKU-1', 'main'), level({ onHand: 6 })]]);

    const shortfalls = shortfallsOf(
      [
        { sku: 'SKU-1', locationId: 'main', quantity: 5 },
        { sku: 'OLD', locationId: 'main', quantity: 1 },
        { sku: 'NOPE', locationId: 'main', quantity: 1 },
      ],
      products,
      levels,
    );

    expect(shortfalls).toEqual([
      { sku: 'SKU-1', locationId: 'main', requested: 5, available: 4, reason: 'insufficient_stock' },
      { sku: 'OLD', locationId: 'main', requested: 1, available: 0, reason: 'unknown_sku' },
      { sku: 'NOPE', locationId: 'main', requested: 1, available: 0, reason: 'unknown_sku' },
    ]);
  });

  it('lets a backorderable product reserve beyond what is available', () => {
    const products = new Map([['SKU-1', product({ allowBackorder: true })]]);

    expect(shortfallsOf([{ sku: 'SKU-1', locationId: 'main', quantity: 50 }], products, new Map())).toEqual(
      [],
    );
  });
});

describe('shortfall of a level', () => {
  it('is what is reserved beyond what is on hand, and never for a product that allows backorders', () => {
    expect(shortfallOf(level({ onHand: 9, reserved: 12 }))).toBe(3);
    expect(shortfallOf(level({ onHand: 12, reserved: 12 }))).toBe(0);
    expect(shortfallOf(level({ onHand: 2, reserved: 12, allowBackorder: true }))).toBe(0);
  });

  it('finds the held reservations from the ledger newest first, and stops once they add up to reserved', () => {
    // Prepare: newest first, as the store reads them
    const held = (kind: 'reserve' | 'commit' | 'release', reference: string, reserved: number): Movement => ({
      ...movement('main', 0, reserved),
      kind,
      reference,
    });
    const newestFirst = [
      held('reserve', 'order-4', 2),
      held('release', 'order-3', -1),
      held('reserve', 'order-3', 1),
      held('commit', 'order-2', -5),
      held('reserve', 'order-1', 4),
      held('reserve', 'order-2', 5),
      held('reserve', 'order-0', 9), // older than anything still held: never read
    ];
    const fold = new HeldReservationsFold(6);

    // Act
    const read = newestFirst.findIndex((m) => fold.add(m)) + 1;

    // Assess
    expect(read).toBe(5);
    expect(fold.result()).toEqual({
      reservations: [
        { reservationId: 'order-1', quantity: 4 },
        { reservationId: 'order-4', quantity: 2 },
      ],
      unlisted: 0,
      unaccounted: 0,
    });
    expect(fold.result(1)).toMatchObject({ reservations: [{ reservationId: 'order-1' }], unlisted: 1 });
  });

  it('says how much reserved quantity the ledger did not account for', () => {
    const fold = new HeldReservationsFold(5);
    fold.add({ ...movement('main', 0, 2), kind: 'reserve', reference: 'order-1' });

    expect(fold.result()).toEqual({
      reservations: [{ reservationId: 'order-1', quantity: 2 }],
      unlisted: 0,
      unaccounted: 3,
    });
  });

  it('builds a StockShortfall event from the count movement, with a deterministic id', () => {
    const count: Movement = {
      ...movement('main', -6),
      id: 'MOV1',
      kind: 'count',
      after: { onHand: 4, reserved: 6, incoming: 0, safetyStock: 0, available: -2 },
    };

    const event = shortfallEvent(
      count,
      { reservations: [{ reservationId: 'order-1', quantity: 6 }], unlisted: 0, unaccounted: 0 },
      { id: 'MOV1:1', correlationId: 'c' },
    );

    expect(event).toMatchObject({
      id: 'MOV1:1',
      type: 'StockShortfall',
      version: 1,
      occurredAt: count.at,
      data: { sku: 'SKU-1', locationId: 'main', movementId: 'MOV1', onHand: 4, reserved: 6, shortfall: 2 },
    });
  });
});

describe('ledger replay', () => {
  it('is consistent when the deltas sum to the stored levels', () => {
    const stored = [level({ onHand: 7, reserved: 2 }), level({ locationId: 'east', onHand: 3 })];

    const check = replay(
      'SKU-1',
      [movement('main', 10), movement('main', -3, 2), movement('east', 3)],
      stored,
    );

    expect(check.consistent).toBe(true);
    expect(check.replayed).toEqual({
      main: { onHand: 7, reserved: 2, incoming: 0 },
      east: { onHand: 3, reserved: 0, incoming: 0 },
    });
  });

  it('is inconsistent when a level was changed without a movement', () => {
    const check = replay('SKU-1', [movement('main', 10)], [level({ onHand: 11 })]);

    expect(check.consistent).toBe(false);
  });

  it('is inconsistent when the materialized available is wrong', () => {
    const check = replay('SKU-1', [movement('main', 10)], [{ ...level({ onHand: 10 }), available: 10 }]);

    expect(check.consistent).toBe(false);
  });
});

describe('request hashing', () => {
  it('ignores key order and undefined members but not values', () => {
    expect(requestHash('adjust', { a: 1, b: 2, c: undefined })).toBe(requestHash('adjust', { b: 2, a: 1 }));
    expect(requestHash('adjust', { a: 1 })).not.toBe(requestHash('adjust', { a: 2 }));
    expect(requestHash('adjust', { a: 1 })).not.toBe(requestHash('receive', { a: 1 }));
  });
});
