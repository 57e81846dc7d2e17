import { createHash } from 'node:crypto';
import type { Envelope } from '../../../lib/events.ts';
import {
  DEFAULT_LOCATION,
  OutOfStock,
  type Quantities,
  type ReservationLine,
  type Shortfall,
  StockLevelChanged,
  StockLow,
  StockShortfall,
} from '../contract.ts';
import {
  type Deltas,
  type Level,
  levelKey,
  type Movement,
  type ProductSettings,
  type StoredReservationLine,
} from './model.ts';

/** Pure stock arithmetic: no I/O, no clock, no AWS. Everything here is unit tested. */

export const availableOf = (q: { onHand: number; reserved: number; safetyStock: number }): number =>
  q.onHand - q.reserved - q.safetyStock;

/** A level that does not exist yet: zero quantities, the product's settings, version 0. */
export function emptyLevel(sku: string, locationId: string, product: ProductSettings): Level {
  return {
    sku,
    locationId,
    onHand: 0,
    reserved: 0,
    incoming: 0,
    safetyStock: product.safetyStock,
    available: -product.safetyStock,
    reorderPoint: product.reorderPoint,
    allowBackorder: product.allowBackorder,
    version: 0,
    updatedAt: '',
  };
}

/** The level after `deltas`: quantities moved, `available` re-derived, version bumped. */
export function applyDeltas(level: Level, deltas: Deltas, at: string): Level {
  const next = {
    ...level,
    onHand: level.onHand + deltas.onHand,
    reserved: level.reserved + deltas.reserved,
    incoming: level.incoming + deltas.incoming,
    version: level.version + 1,
    updatedAt: at,
  };
  return { ...next, available: availableOf(next) };
}

/** The thresholds in force at a level: its own overrides, else the product's. */
export const thresholdsOf = (
  level: Pick<Level, 'overrides'>,
  product: Pick<ProductSettings, 'reorderPoint' | 'safetyStock'>,
): { reorderPoint: number; safetyStock: number } => ({
  reorderPoint: level.overrides?.reorderPoint ?? product.reorderPoint,
  safetyStock: level.overrides?.safetyStock ?? product.safetyStock,
});

/** Whether a level carries any threshold of its own. */
export const hasOverrides = (level: Pick<Level, 'overrides'>): boolean =>
  level.overrides?.reorderPoint !== undefined || level.overrides?.safetyStock !== undefined;

/**
 * The level with the product's thresholds copied in (a `settings` movement), except those the
 * location overrides, which stay.
 */
export function applySettings(level: Level, product: ProductSettings, at: string): Level {
  const next = {
    ...level,
    ...thresholdsOf(level, product),
    allowBackorder: product.allowBackorder,
    version: level.version + 1,
    updatedAt: at,
  };
  return { ...next, available: availableOf(next) };
}

/**
 * Units reserved beyond what is on hand: held reservations that cannot all be committed. Always
 * 0 for a product that allows backorders (it may promise what it does not have).
 */
export const shortfallOf = (level: Pick<Level, 'onHand' | 'reserved' | 'allowBackorder'>): number =>
  level.allowBackorder ? 0 : Math.max(0, level.reserved - level.onHand);

/** Whether a level's thresholds are not those in force (the product's, or the location's own). */
export const settingsDiffer = (level: Level, product: ProductSettings): boolean => {
  const wanted = thresholdsOf(level, product);
  return (
    level.safetyStock !== wanted.safetyStock ||
    level.reorderPoint !== wanted.reorderPoint ||
    level.allowBackorder !== product.allowBackorder
  );
};

export const quantitiesOf = (level: Level): Quantities => ({
  onHand: level.onHand,
  reserved: level.reserved,
  incoming: level.incoming,
  safetyStock: level.safetyStock,
  available: level.available,
});

export interface Crossings {
  /** `available` went from above the reorder point to at or below it. */
  low: boolean;
  /** `available` went from positive to zero or below. */
  out: boolean;
}

/** Threshold crossings between two states of a level: once per crossing, never on every change. */
export function crossings(
  before: Pick<Level, 'available' | 'reorderPoint'>,
  after: Pick<Level, 'available' | 'reorderPoint'>,
): Crossings {
  return {
    low: before.available > before.reorderPoint && after.available <= after.reorderPoint,
    out: before.available > 0 && after.available <= 0,
  };
}

/**
 * The events of one level change: always StockLevelChanged, plus StockLow / OutOfStock on a
 * crossing. Ids are `<movementId>:<n>`, so a re-emitted change keeps its event ids.
 */
export function eventsFor(
  movement: Movement,
  before: Level,
  after: Level,
  correlationId: string,
  firstIndex: number,
): Envelope[] {
  const meta = (n: number) => ({
    id: `${movement.id}:${firstIndex + n}`,
    correlationId,
    occurredAt: movement.at,
  });
  const events: Envelope[] = [
    StockLevelChanged.create(
      {
        sku: after.sku,
        locationId: after.locationId,
        movementId: movement.id,
        kind: movement.kind,
        levelVersion: after.version,
        quantities: quantitiesOf(after),
        reorderPoint: after.reorderPoint,
        deltas: {
          onHand: after.onHand - before.onHand,
          reserved: after.reserved - before.reserved,
          incoming: after.incoming - before.incoming,
        },
        ...(movement.reason ? { reason: movement.reason } : {}),
        ...(movement.reference ? { reference: movement.reference } : {}),
        actor: movement.actor,
      },
      meta(0),
    ),
  ];
  const crossed = crossings(before, after);
  if (crossed.low) {
    events.push(
      StockLow.create(
        {
          sku: after.sku,
          locationId: after.locationId,
          available: after.available,
          incoming: after.incoming,
          reorderPoint: after.reorderPoint,
        },
        meta(events.length),
      ),
    );
  }
  if (crossed.out) {
    events.push(OutOfStock.create({ sku: after.sku, locationId: after.locationId }, meta(events.length)));
  }
  return events;
}

export interface HeldReservation {
  reservationId: string;
  quantity: number;
}

export interface HeldResult {
  reservations: HeldReservation[];
  unlisted: number;
  unaccounted: number;
}

/** How many reservations a StockShortfall event lists (see its schema). */
export const MAX_LISTED_RESERVATIONS = 500;

/**
 * Which reservations hold one level, folded from its ledger read NEWEST FIRST (its `reserve`,
 * `commit` and `release` movements): a reserve movement is still held unless a commit or
 * release of the same reservation (its `reference`) came after it. The held quantities add up
 * to the level's `reserved` (the ledger invariant), so once they do, nothing older can matter:
 * `add` then returns true and the caller stops reading.
 */
export class HeldReservationsFold {
  private readonly finished = new Set<string>();
  private readonly held: HeldReservation[] = [];
  private total = 0;

  constructor(private readonly reserved: number) {}

  get done(): boolean {
    return this.total >= this.reserved;
  }

  add(movement: Movement): boolean {
    const id = movement.reference;
    if (id === undefined || this.done) return this.done;
    if (movement.kind === 'commit' || movement.kind === 'release') this.finished.add(id);
    else if (movement.kind === 'reserve' && !this.finished.has(id) && movement.deltas.reserved > 0) {
      this.held.push({ reservationId: id, quantity: movement.deltas.reserved });
      this.total += movement.deltas.reserved;
    }
    return this.done;
  }

  /**
   * The held reservations oldest first (at most `limit`, and how many more), and the reserved
   * quantity none of them accounts for.
   */
  result(limit = MAX_LISTED_RESERVATIONS): HeldResult {
    const oldestFirst = [...this.held].reverse();
    return {
      reservations: oldestFirst.slice(0, limit),
      unlisted: Math.max(0, oldestFirst.length - limit),
      unaccounted: Math.max(0, this.reserved - this.total),
    };
  }
}

/** The StockShortfall event of a count movement that left less on hand than is reserved. */
export function shortfallEvent(
  movement: Movement,
  held: HeldResult,
  meta: { id: string; correlationId: string },
): Envelope {
  const { onHand, reserved } = movement.after;
  return StockShortfall.create(
    {
      sku: movement.sku,
      locationId: movement.locationId,
      movementId: movement.id,
      onHand,
      reserved,
      shortfall: reserved - onHand,
      reservations: held.reservations,
      unlisted: held.unlisted,
      unaccounted: held.unaccounted,
    },
    { ...meta, occurredAt: movement.at },
  );
}

/** Reservation lines with the default location filled in and same SKU+location lines summed. */
export function mergeLines(lines: readonly ReservationLine[]): StoredReservationLine[] {
  const merged = new Map<string, StoredReservationLine>();
  for (const line of lines) {
    const locationId = line.locationId ?? DEFAULT_LOCATION;
    const key = levelKey(line.sku, locationId);
    const existing = merged.get(key);
    if (existing) existing.quantity += line.quantity;
    else merged.set(key, { sku: line.sku, locationId, quantity: line.quantity });
  }
  return [...merged.values()];
}

/**
 * What stands in the way of reserving every line: unknown or archived SKUs, and lines whose
 * `available` is below the quantity (unless the product allows backorders). Empty = reservable.
 */
export function shortfallsOf(
  lines: readonly StoredReservationLine[],
  products: ReadonlyMap<string, ProductSettings>,
  levels: ReadonlyMap<string, Level>,
): Shortfall[] {
  const shortfalls: Shortfall[] = [];
  for (const line of lines) {
    const product = products.get(line.sku);
    const base = { sku: line.sku, locationId: line.locationId, requested: line.quantity };
    if (product?.status !== 'active') {
      shortfalls.push({ ...base, available: 0, reason: 'unknown_sku' });
      continue;
    }
    const level =
      levels.get(levelKey(line.sku, line.locationId)) ?? emptyLevel(line.sku, line.locationId, product);
    if (!level.allowBackorder && level.available < line.quantity) {
      shortfalls.push({ ...base, available: Math.max(0, level.available), reason: 'insufficient_stock' });
    }
  }
  return shortfalls;
}

export interface ReplayedQuantities {
  onHand: number;
  reserved: number;
  incoming: number;
}

/** The ledger check: movements replayed per location, compared with the stored levels. */
export interface LedgerCheck {
  sku: string;
  consistent: boolean;
  movements: number;
  /** Stored levels per location. */
  levels: Record<string, ReplayedQuantities & { safetyStock: number; available: number }>;
  /** Sums of the movements' deltas per location. */
  replayed: Record<string, ReplayedQuantities>;
}

/**
 * Replays movements (any order) into per-location quantities and compares them with the stored
 * levels: every quantity must match, and each level's `available` must equal its derivation.
 */
export function replay(sku: string, movements: readonly Movement[], levels: readonly Level[]): LedgerCheck {
  const replayed: Record<string, ReplayedQuantities> = {};
  for (const m of movements) {
    const q = replayed[m.locationId] ?? { onHand: 0, reserved: 0, incoming: 0 };
    replayed[m.locationId] = q;
    q.onHand += m.deltas.onHand;
    q.reserved += m.deltas.reserved;
    q.incoming += m.deltas.incoming;
  }
  const stored: LedgerCheck['levels'] = {};
  for (const l of levels) {
    stored[l.locationId] = {
      onHand: l.onHand,
      reserved: l.reserved,
      incoming: l.incoming,
      safetyStock: l.safetyStock,
      available: l.available,
    };
  }
  const check = { levels: stored, replayed };
  return { sku, consistent: driftedLocations(check).length === 0, movements: movements.length, ...check };
}

/**
 * The locations, sorted, whose stored level is not what its movements replay to, or whose
 * `available` is not its derivation. A location without a level item counts as a level of zeros.
 */
export function driftedLocations(check: Pick<LedgerCheck, 'levels' | 'replayed'>): string[] {
  const zero = { onHand: 0, reserved: 0, incoming: 0 };
  const locations = [...new Set([...Object.keys(check.replayed), ...Object.keys(check.levels)])].sort();
  return locations.filter((loc) => {
    const r = check.replayed[loc] ?? zero;
    const s = check.levels[loc] ?? { ...zero, safetyStock: 0, available: 0 };
    return !(
      r.onHand === s.onHand &&
      r.reserved === s.reserved &&
      r.incoming === s.incoming &&
      s.available === availableOf(s)
    );
  });
}

/** A stable hash of an operation's request, to tell a retry from a different request under the same key. */
export function requestHash(operation: string, input: unknown): string {
  return createHash('sha256').update(operation).update('\0').update(stableJson(input)).digest('base64url');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
