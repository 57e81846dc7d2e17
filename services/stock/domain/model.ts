import type { Envelope } from '../../../lib/events.ts';
import type { MovementKind, Quantities } from '../contract.ts';

/**
 * The stock domain's vocabulary and its one port, `StockStore`. Nothing here knows DynamoDB:
 * the store adapter (`../store.ts`) implements the port, tests may hand in any implementation.
 */

/** What stock knows of a product, learned from catalog events. */
export interface ProductSettings {
  sku: string;
  reorderPoint: number;
  safetyStock: number;
  allowBackorder: boolean;
  status: 'active' | 'archived';
  /** The catalog snapshot version this was learned from. */
  version: number;
  /** Locations that have a level item for this SKU (grows only; guards settings vs. new levels). */
  locations: string[];
}

/** The stock of one SKU at one location, as stored. */
export interface Level {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  incoming: number;
  safetyStock: number;
  /** Materialized `onHand - reserved - safetyStock`. */
  available: number;
  reorderPoint: number;
  allowBackorder: boolean;
  /** This location's own thresholds (`PUT …/thresholds`), kept over the product's; absent = the product's. */
  overrides?: ThresholdOverrides;
  /** Optimistic-concurrency version; 0 for a level that does not exist yet. */
  version: number;
  updatedAt: string;
}

/** Per-location thresholds: each one set overrides the product's at this location. */
export interface ThresholdOverrides {
  reorderPoint?: number;
  safetyStock?: number;
}

export interface Deltas {
  onHand: number;
  reserved: number;
  incoming: number;
}

/** One immutable ledger entry. */
export interface Movement {
  id: string;
  sku: string;
  locationId: string;
  kind: MovementKind;
  deltas: Deltas;
  after: Quantities;
  reason?: string;
  note?: string;
  reference?: string;
  actor: string;
  at: string;
  idempotencyKey: string;
  correlationId: string;
}

export type ReservationStatus = 'HELD' | 'RELEASED' | 'COMMITTED' | 'EXPIRED';

export interface StoredReservationLine {
  sku: string;
  locationId: string;
  quantity: number;
}

export interface Reservation {
  reservationId: string;
  lines: StoredReservationLine[];
  status: ReservationStatus;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
}

export interface Location {
  id: string;
  name: string;
}

/**
 * The operation record of one mutation, written in the mutation's own transaction: the first
 * result, returned again for the same key, and the proof, after an ambiguous error, that the
 * mutation committed. `expiresAt` (epoch seconds) is when DynamoDB TTL may delete it.
 */
export interface OperationRecord {
  key: string;
  operation: string;
  requestHash: string;
  result: unknown;
  at: string;
  expiresAt: number;
}

/** Who does an operation, and which request/saga it belongs to. */
export interface OperationContext {
  /** Recorded on the movements (for the API: the caller's email). */
  actor: string;
  /**
   * Whose `idempotencyKey` it is (for the API: the caller's stable id). A caller-given key is
   * scoped to the principal and the operation, as Stripe and Shopify scope theirs: the same key
   * from two callers, or for two operations, names two operations. Default: `actor`.
   */
  principal?: string;
  correlationId?: string;
  /** The same key twice returns the first result and changes nothing. */
  idempotencyKey?: string;
}

/** A level write: the new state, conditioned on the version that was read. */
export interface LevelWrite {
  level: Level;
  /** The version read; 0 means the level must not exist yet. */
  expectedVersion: number;
}

/**
 * Everything one operation writes, committed by the store as ONE transaction, or not at all.
 * Each conditional part fails the whole change when its condition does not hold.
 */
export interface Change {
  levels: LevelWrite[];
  /** The last movement carries `outbox` (the events of the whole change). */
  movements: Movement[];
  outbox: Envelope[];
  /** Register new level locations on the product item, conditioned on its version. */
  productLocations?: { sku: string; add: string[]; expectedVersion: number }[];
  /** Upsert of product settings, conditioned on an older version and an unchanged location set. */
  product?: { settings: ProductSettings; expectedLocations: number };
  /** A new reservation (must not exist) or a transition (must still be in `expectedStatus`). */
  reservation?: { value: Reservation; expectedStatus?: ReservationStatus };
  /** A new location (must not exist). */
  location?: Location;
  /** The idempotency record (must not exist). */
  operation?: OperationRecord;
}

/**
 * What became of a commit. The store never guesses: an error after which the change may or may
 * not have landed (an internal server error, a timeout, a reset connection, the SDK's retries
 * exhausted on one of them) is `ambiguous`, and the ledger finds out from the operation record.
 */
export type CommitOutcome =
  | { status: 'committed' }
  /**
   * Certainly not committed: a condition failed or the transaction was refused. `contended`
   * tells a version or transaction conflict or throttling (back off) from a guard that simply
   * changed under us (an operation record, a reservation's status: re-decide at once).
   */
  | { status: 'rejected'; contended: boolean }
  /** May have committed: resolve by reading the operation record, never by applying again. */
  | { status: 'ambiguous'; error: Error };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The port through which the domain reads and writes stock. */
export interface StockStore {
  /** Consistent reads of product settings and levels (absent levels are not in the map). */
  read(keys: { sku: string; locationId: string }[]): Promise<{
    products: Map<string, ProductSettings>;
    levels: Map<string, Level>;
  }>;
  getProduct(sku: string): Promise<ProductSettings | undefined>;
  /** All levels of one SKU. */
  levelsOf(sku: string): Promise<Level[]>;
  getOperation(key: string): Promise<OperationRecord | undefined>;
  getReservation(reservationId: string): Promise<Reservation | undefined>;
  /**
   * The movements of one SKU at one location of the given kinds, newest first, back to
   * `sinceId` (a movement id, i.e. a ULID: time-ordered). Consistent; read lazily, page by page,
   * so a caller that stops early reads no more.
   */
  movementsBack(
    sku: string,
    locationId: string,
    kinds: readonly MovementKind[],
    sinceId: string,
  ): AsyncIterable<Movement>;
  getLocation(id: string): Promise<Location | undefined>;
  listLocations(): Promise<Location[]>;
  /** Commits a change atomically. Throws for errors that retrying cannot fix. */
  commit(change: Change): Promise<CommitOutcome>;
  /** Ledger of one SKU, newest first. */
  movements(sku: string, page: { cursor?: string; limit: number }): Promise<Page<Movement>>;
  /** The whole ledger of one SKU, oldest first. */
  allMovements(sku: string): Promise<Movement[]>;
  /** Held reservations whose expiry is at or before `now` (eventually consistent index). */
  dueReservations(now: string, limit: number): Promise<string[]>;
  /**
   * The SKUs that have levels, one page of the table at a time (the drift detector, `drift.ts`).
   * A Scan: it reads the whole table, ledger included, whatever it returns; `limit` bounds the
   * items read per page (default 1 MB of them), so a page may hold no SKU and still have a `nextCursor`.
   */
  scanLevelSkus(page: { cursor?: string; limit?: number }): Promise<Page<string>>;
  /** Where the scheduled drift check stopped when its time ran out (absent: start from the top). */
  getDriftCursor(): Promise<string | undefined>;
  setDriftCursor(cursor: string | undefined): Promise<void>;
}

export const levelKey = (sku: string, locationId: string): string => `${sku}@${locationId}`;
