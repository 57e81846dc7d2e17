import { encodeTime, monotonicFactory } from 'ulid';
import {
  ConflictError,
  NotFoundError,
  TransientError,
  UnprocessableError,
  ValidationError,
} from '../../../lib/errors.ts';
import type { Envelope } from '../../../lib/events.ts';
import {
  type AdjustmentReason,
  DEFAULT_LOCATION,
  type MovementKind,
  ReservationExpired,
  type ReservationLine,
  type Shortfall,
} from '../contract.ts';
import {
  applyDeltas,
  applySettings,
  emptyLevel,
  eventsFor,
  HeldReservationsFold,
  hasOverrides,
  type LedgerCheck,
  mergeLines,
  quantitiesOf,
  replay,
  requestHash,
  settingsDiffer,
  shortfallEvent,
  shortfallOf,
  shortfallsOf,
} from './calc.ts';
import { KeyedQueue } from './keyed-queue.ts';
import {
  type Change,
  type Deltas,
  type Level,
  type Location,
  levelKey,
  type Movement,
  type OperationContext,
  type Page,
  type ProductSettings,
  type Reservation,
  type ReservationStatus,
  type StockStore,
  type StoredReservationLine,
  type ThresholdOverrides,
} from './model.ts';

/** Not enough stock for one or more lines; `shortfalls` names each line. Nothing was written. */
export class InsufficientStockError extends UnprocessableError {
  readonly shortfalls: Shortfall[];
  constructor(shortfalls: Shortfall[]) {
    super(
      `Insufficient stock: ${shortfalls.map((s) => `${s.sku}@${s.locationId} (${s.reason})`).join(', ')}`,
      { shortfalls },
    );
    this.shortfalls = shortfalls;
  }
}

/**
 * A plain adjustment would take onHand below what is reserved for open orders. Nothing was
 * written. Stock that is really gone is recorded with a physical count, which shows the shortfall.
 */
export class ReservedStockError extends ConflictError {
  constructor(level: Pick<Level, 'sku' | 'locationId' | 'onHand' | 'reserved'>, delta: number) {
    const units = level.reserved === 1 ? '1 unit is' : `${level.reserved} units are`;
    super(
      `${units} reserved for open orders; onHand cannot go below ${level.reserved}. ` +
        `${level.sku} at ${level.locationId} has ${level.onHand} on hand, and an adjustment of ${delta} ` +
        `would leave ${level.onHand + delta}. If the stock is really gone, record a physical count.`,
      {
        sku: level.sku,
        locationId: level.locationId,
        reserved: level.reserved,
        onHand: level.onHand,
        delta,
      },
    );
  }
}

/**
 * A held reservation cannot be committed: a count found less on hand than it holds (a product
 * that does not allow backorders). `shortfalls` names each short line (reason
 * `stock_shortfall`, `available` = what is on hand). Nothing was written; the reservation is
 * still HELD, for the caller to release.
 */
export class CommitShortfallError extends UnprocessableError {
  readonly shortfalls: Shortfall[];
  constructor(reservationId: string, shortfalls: Shortfall[]) {
    super(
      `Reservation ${reservationId} cannot be committed, stock is short: ${shortfalls
        .map((s) => `${s.sku}@${s.locationId} holds ${s.requested}, ${s.available} on hand`)
        .join(', ')}`,
      { reservationId, shortfalls },
    );
    this.shortfalls = shortfalls;
  }
}

/**
 * DynamoDB transactions hold at most 100 items; a reservation line costs up to three, and the
 * reservation and its operation record one each.
 */
export const MAX_RESERVATION_LINES = 40;
const MAX_TRANSACTION_ITEMS = 100;
/** The operation record `run` adds to every change. */
const OPERATION_RECORD_ITEMS = 1;
export const DEFAULT_HOLD_SECONDS = 15 * 60;
/** The longest a reservation may be held (the order saga's contract allows up to 30 days). */
export const MAX_HOLD_SECONDS = 30 * 24 * 3600;
const FINAL_STATE_RETENTION_SECONDS = 30 * 24 * 3600;
/**
 * How long an operation record is kept (DynamoDB TTL on `ttl`, declared in service.ts). It must
 * outlive every retry of the same request, or a late retry would apply it again: a message
 * carrying the request may sit in SQS, and then in its DLQ until redriven, up to 14 days each
 * (SQS's longest retention), and the order saga holds and retries for up to 7 days. 35 days
 * covers 14 + 14 + 7. A record is a few hundred bytes, so the margin costs little. (A record
 * named by a generated key only has to outlive its own run's retry loop, seconds; one TTL
 * keeps it simple.)
 */
export const OPERATION_RETENTION_SECONDS = 35 * 24 * 3600;

export interface LevelView {
  locationId: string;
  onHand: number;
  reserved: number;
  incoming: number;
  safetyStock: number;
  available: number;
  /** reserved - onHand when a count found less than is reserved (see `shortfallOf`); else 0. */
  shortfall: number;
  reorderPoint: number;
  thresholds: 'product' | 'location';
  updatedAt: string;
}

export interface StockView {
  sku: string;
  totals: { onHand: number; reserved: number; available: number; incoming: number; shortfall: number };
  locations: LevelView[];
}

/** The result of a single-level operation (adjust, count, receive, expect). */
export interface MovementResult {
  movement: Movement;
  level: LevelView;
}

export interface TransferResult {
  transferId: string;
  movements: Movement[];
  levels: LevelView[];
}

export interface ReservationResult {
  reservationId: string;
  status: ReservationStatus | 'UNKNOWN';
  /** False when the call found the reservation already in its final state (a no-op). */
  changed: boolean;
}

export interface StockOptions {
  now?: () => Date;
  /** Attempts before a contended operation gives up with a TransientError. */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

interface Decision<R> {
  result: R;
  /** Absent: nothing to write (a no-op, or an idempotent repeat). */
  change?: Change;
}

/** What a single-level operation decides: one movement, and optionally more events after its own. */
interface SingleStep {
  deltas: Deltas;
  kind: MovementKind;
  reason?: string;
  note?: string;
  reference?: string;
  extraEvents?: (lastMovement: Movement, nextIndex: number) => Envelope[];
}

interface RunEnv {
  at: string;
  idempotencyKey: string;
  correlationId: string;
  actor: string;
}

const toView = (level: Level): LevelView => ({
  locationId: level.locationId,
  onHand: level.onHand,
  reserved: level.reserved,
  incoming: level.incoming,
  safetyStock: level.safetyStock,
  available: level.available,
  shortfall: shortfallOf(level),
  reorderPoint: level.reorderPoint,
  thresholds: hasOverrides(level) ? 'location' : 'product',
  updatedAt: level.updatedAt,
});

/** A SKU's view from its levels (sorted by location), with totals. */
function stockViewOf(sku: string, levels: readonly Level[]): StockView {
  const sorted = [...levels].sort((a, b) =>
    a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0,
  );
  const sum = (f: (l: Level) => number) => sorted.reduce((total, l) => total + f(l), 0);
  return {
    sku,
    totals: {
      onHand: sum((l) => l.onHand),
      reserved: sum((l) => l.reserved),
      available: sum((l) => l.available),
      incoming: sum((l) => l.incoming),
      shortfall: sum(shortfallOf),
    },
    locations: sorted.map(toView),
  };
}

const sameLines = (a: readonly StoredReservationLine[], b: readonly StoredReservationLine[]): boolean => {
  const key = (lines: readonly StoredReservationLine[]) =>
    lines
      .map((l) => `${levelKey(l.sku, l.locationId)}=${l.quantity}`)
      .sort()
      .join(',');
  return key(a) === key(b);
};

/**
 * The stock ledger: every operation reads the levels it touches, decides in pure code
 * (`calc.ts`), and commits ONE transaction through the store: conditional level updates
 * (optimistic concurrency on `version`), immutable movements carrying the events (outbox),
 * and the idempotency record. A lost race is re-read and re-decided, so availability is always
 * checked against the latest committed level and concurrency can never oversell.
 *
 * Idempotency: EVERY mutation writes an operation record in the SAME transaction (condition
 * `attribute_not_exists`), keyed by the caller's idempotency key scoped to the caller and the
 * operation, or else by a key generated once per run and kept across its retries. So:
 * - the same caller key again returns the first result and changes nothing;
 * - after an ambiguous error (the transaction may or may not have landed), the record tells:
 *   present, it committed, and its result is returned; absent, it did not (the record is in the
 *   same transaction), so the operation is decided again, still under the same key, whose
 *   record condition stops a late landing of the first attempt from applying twice.
 * Powertools Idempotency is deliberately not used here: its record is written outside our
 * transaction, so a crash between the two could apply a change twice or record a result that
 * never committed.
 */
export class StockLedger {
  private readonly now: () => Date;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly newId = monotonicFactory();
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly store: StockStore,
    options: StockOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.maxAttempts = options.maxAttempts ?? 50;
    this.backoffBaseMs = options.backoffBaseMs ?? 5;
    this.backoffCapMs = options.backoffCapMs ?? 250;
  }

  // ---------------------------------------------------------------- reservations

  /**
   * Holds `lines` for `reservationId` (e.g. the order id), all or none. Lines of the same SKU and
   * location are summed. Reserving an existing reservation id again returns it unchanged.
   * @throws InsufficientStockError (422) with the per-line shortfalls; nothing is written.
   * @throws ValidationError for more than 40 lines; ConflictError for an id reused with other lines.
   */
  async reserve(
    reservationId: string,
    lines: readonly ReservationLine[],
    holdSeconds: number = DEFAULT_HOLD_SECONDS,
    ctx: OperationContext = { actor: 'system' },
  ): Promise<Reservation> {
    if (lines.length === 0) throw new ValidationError([{ field: 'lines', message: 'at least one line' }]);
    if (!Number.isInteger(holdSeconds) || holdSeconds <= 0 || holdSeconds > MAX_HOLD_SECONDS) {
      throw new ValidationError([
        { field: 'holdSeconds', message: `a positive integer of at most ${MAX_HOLD_SECONDS}` },
      ]);
    }
    if (lines.length > MAX_RESERVATION_LINES) {
      throw new ValidationError([
        { field: 'lines', message: `at most ${MAX_RESERVATION_LINES} lines per reservation` },
      ]);
    }
    const merged = mergeLines(lines);
    return this.run<Reservation>(
      'reserve',
      { reservationId, lines: merged },
      { ...ctx, idempotencyKey: ctx.idempotencyKey ?? `reserve:${reservationId}` },
      false,
      async (env) => {
        const [existing, { products, levels }] = await Promise.all([
          this.store.getReservation(reservationId),
          this.store.read(merged),
        ]);
        if (existing) {
          if (!sameLines(existing.lines, merged)) {
            throw new ConflictError(`Reservation ${reservationId} exists with different lines`);
          }
          return { result: existing };
        }
        const shortfalls = shortfallsOf(merged, products, levels);
        if (shortfalls.length) throw new InsufficientStockError(shortfalls);
        const steps = merged.map((line) => ({
          before:
            levels.get(levelKey(line.sku, line.locationId)) ??
            emptyLevel(line.sku, line.locationId, products.get(line.sku)!),
          deltas: { onHand: 0, reserved: line.quantity, incoming: 0 },
          kind: 'reserve' as const,
          reference: reservationId,
        }));
        const reservation: Reservation = {
          reservationId,
          lines: merged,
          status: 'HELD',
          expiresAt: new Date(Date.parse(env.at) + holdSeconds * 1000).toISOString(),
          createdAt: env.at,
          updatedAt: env.at,
        };
        const change = this.changeOf(env, steps, products);
        change.reservation = { value: reservation };
        if (itemCount(change) + OPERATION_RECORD_ITEMS > MAX_TRANSACTION_ITEMS) {
          throw new ValidationError([
            { field: 'lines', message: 'too many distinct lines for one reservation' },
          ]);
        }
        return { result: reservation, change };
      },
      merged.map((l) => levelKey(l.sku, l.locationId)),
    );
  }

  /**
   * Releases a held reservation (its stock becomes available again). Idempotent: a reservation
   * already released, committed or expired, or an unknown one, is a no-op returning its status.
   */
  release(
    reservationId: string,
    reason = 'released',
    ctx: OperationContext = { actor: 'system' },
  ): Promise<ReservationResult> {
    return this.finishReservation(reservationId, 'RELEASED', reason, ctx);
  }

  /**
   * Commits a held reservation: onHand and reserved go down by each line (available unchanged).
   * Committing twice is a no-op.
   * @throws ConflictError when the reservation was released or expired; NotFoundError when unknown;
   * CommitShortfallError (422) when a count found less on hand than a line holds (onHand would go
   * negative, for a product that does not allow backorders): nothing is written, the reservation
   * stays HELD for the caller to release.
   */
  commit(reservationId: string, ctx: OperationContext = { actor: 'system' }): Promise<ReservationResult> {
    return this.finishReservation(reservationId, 'COMMITTED', 'committed', ctx);
  }

  /** Expires one held reservation whose expiry has passed (the sweeper's step). */
  expire(
    reservationId: string,
    now: string,
    ctx: OperationContext = { actor: 'sweeper' },
  ): Promise<ReservationResult> {
    return this.finishReservation(reservationId, 'EXPIRED', 'expired', ctx, now);
  }

  /**
   * Releases, through the ledger, every held reservation whose expiry is at or before `now`
   * (movement kind `release`, reason `expired`, status EXPIRED, event ReservationExpired).
   */
  async sweepExpired(now: Date = this.now(), limit = 200): Promise<{ expired: string[] }> {
    const iso = now.toISOString();
    const due = await this.store.dueReservations(iso, limit);
    const expired: string[] = [];
    for (const id of due) {
      const result = await this.expire(id, iso, { actor: 'sweeper', correlationId: `sweep:${iso}` });
      if (result.changed) expired.push(id);
    }
    return { expired };
  }

  private async finishReservation(
    reservationId: string,
    target: 'RELEASED' | 'COMMITTED' | 'EXPIRED',
    reason: string,
    ctx: OperationContext,
    expiredBy?: string,
  ): Promise<ReservationResult> {
    const kind: MovementKind = target === 'COMMITTED' ? 'commit' : 'release';
    const known = await this.store.getReservation(reservationId);
    return this.run<ReservationResult>(
      kind,
      { reservationId },
      { ...ctx, idempotencyKey: ctx.idempotencyKey ?? `${target.toLowerCase()}:${reservationId}` },
      false,
      async (env) => {
        const reservation = await this.store.getReservation(reservationId);
        if (!reservation) {
          if (target === 'COMMITTED') throw new NotFoundError(`Reservation ${reservationId} not found`);
          return { result: { reservationId, status: 'UNKNOWN', changed: false } };
        }
        const noop = { result: { reservationId, status: reservation.status, changed: false } };
        if (reservation.status !== 'HELD') {
          if (target === 'COMMITTED' && reservation.status !== 'COMMITTED') {
            throw new ConflictError(
              `Reservation ${reservationId} is ${reservation.status}, it cannot be committed`,
            );
          }
          return noop;
        }
        if (expiredBy && reservation.expiresAt > expiredBy) return noop;
        const { products, levels } = await this.store.read(reservation.lines);
        if (target === 'COMMITTED') {
          const short = reservation.lines.flatMap((line): Shortfall[] => {
            const level = levels.get(levelKey(line.sku, line.locationId));
            if (!level || level.allowBackorder || level.onHand >= line.quantity) return [];
            return [
              {
                sku: line.sku,
                locationId: line.locationId,
                requested: line.quantity,
                available: Math.max(0, level.onHand),
                reason: 'stock_shortfall',
              },
            ];
          });
          if (short.length) throw new CommitShortfallError(reservationId, short);
        }
        const steps = reservation.lines.map((line) => {
          const before = levels.get(levelKey(line.sku, line.locationId));
          if (!before)
            throw new Error(`Level ${line.sku}@${line.locationId} of a held reservation is missing`);
          const q = line.quantity;
          const deltas: Deltas =
            target === 'COMMITTED'
              ? { onHand: -q, reserved: -q, incoming: 0 }
              : { onHand: 0, reserved: -q, incoming: 0 };
          return { before, deltas, kind, reason, reference: reservationId };
        });
        const change = this.changeOf(env, steps, products, (last, n) =>
          target === 'EXPIRED'
            ? [
                ReservationExpired.create(
                  { reservationId, lines: reservation.lines },
                  { id: `${last.id}:${n}`, correlationId: env.correlationId, occurredAt: env.at },
                ),
              ]
            : [],
        );
        const final: Reservation = { ...reservation, status: target, updatedAt: env.at };
        change.reservation = { value: final, expectedStatus: 'HELD' };
        return { result: { reservationId, status: target, changed: true }, change };
      },
      // A reservation's lines never change: queue behind other work on the same levels.
      (known?.lines ?? []).map((l) => levelKey(l.sku, l.locationId)),
    );
  }

  // ---------------------------------------------------------------- single-level operations

  /**
   * Adjusts onHand by `delta` (non-zero) for a reason. onHand may not go below what is reserved
   * for open orders, nor negative, unless the product allows backorders. (Stock that is really
   * gone is recorded with `count`, which shows the shortfall.)
   * @throws NotFoundError for an unknown SKU or location; ReservedStockError (409) below reserved;
   * UnprocessableError (422) below zero.
   */
  adjust(
    input: { sku: string; locationId?: string; delta: number; reason: AdjustmentReason; note?: string },
    ctx: OperationContext,
  ): Promise<MovementResult> {
    if (!Number.isInteger(input.delta) || input.delta === 0) {
      throw new ValidationError([{ field: 'delta', message: 'a non-zero integer' }]);
    }
    const locationId = input.locationId ?? DEFAULT_LOCATION;
    return this.single('adjust', { ...input, locationId }, ctx, (level) => {
      const cutsIntoReserved =
        input.delta < 0 &&
        !level.allowBackorder &&
        level.reserved > 0 &&
        level.onHand + input.delta < level.reserved;
      if (cutsIntoReserved) throw new ReservedStockError(level, input.delta);
      return {
        deltas: { onHand: input.delta, reserved: 0, incoming: 0 },
        kind: 'adjust',
        reason: input.reason,
        note: input.note,
      };
    });
  }

  /**
   * Records a physical count: onHand becomes `countedQuantity` through a `count` movement. A
   * count records reality even below what is reserved: the level then shows the shortfall, and
   * a StockShortfall event (in the count's outbox) names the held reservations at risk.
   */
  count(
    input: { sku: string; locationId?: string; countedQuantity: number; note?: string },
    ctx: OperationContext,
  ): Promise<MovementResult> {
    const locationId = input.locationId ?? DEFAULT_LOCATION;
    return this.single('count', { ...input, locationId }, ctx, async (level, env) => {
      const short = shortfallOf({ ...level, onHand: input.countedQuantity }) > 0;
      const held = short ? await this.heldAt(level) : undefined;
      return {
        deltas: { onHand: input.countedQuantity - level.onHand, reserved: 0, incoming: 0 },
        kind: 'count',
        reason: 'cycle_count',
        note: input.note ?? `counted ${input.countedQuantity}`,
        extraEvents: held
          ? (movement, next) => [
              shortfallEvent(movement, held, {
                id: `${movement.id}:${next}`,
                correlationId: env.correlationId,
              }),
            ]
          : undefined,
      };
    });
  }

  /**
   * The held reservations of one level, from its ledger: its reserve/commit/release movements,
   * newest first, until the held quantities add up to `reserved`. What it costs: one consistent
   * Query of the SKU's movements (filtered to this location and those kinds on the server, but
   * every movement read is paid for, ~1 RCU per 4 KB), back to the oldest reservation still
   * held — typically hours of movements — and never further back than the longest hold plus a
   * day. No extra item is written on the reserve/commit path for it. Only a count that finds
   * a shortfall calls it. Runs inside the count's decision: if a reservation changes the level
   * meanwhile, the count's version condition fails and it is decided (and read) again.
   */
  private async heldAt(level: Level) {
    const fold = new HeldReservationsFold(level.reserved);
    // Movement ids are ULIDs stamped by the real clock: the lower bound is a ULID of that clock.
    const since = `${encodeTime(Date.now() - (MAX_HOLD_SECONDS + 24 * 3600) * 1000, 10)}${'0'.repeat(16)}`;
    if (!fold.done) {
      for await (const movement of this.store.movementsBack(
        level.sku,
        level.locationId,
        ['reserve', 'commit', 'release'],
        since,
      )) {
        if (fold.add(movement)) break;
      }
    }
    return fold.result();
  }

  /** Receives goods: onHand += quantity, incoming -= min(incoming, quantity). */
  receive(
    input: { sku: string; locationId?: string; quantity: number; reference?: string },
    ctx: OperationContext,
  ): Promise<MovementResult> {
    positive(input.quantity);
    const locationId = input.locationId ?? DEFAULT_LOCATION;
    return this.single('receive', { ...input, locationId }, ctx, (level) => ({
      deltas: {
        onHand: input.quantity,
        reserved: 0,
        incoming: -Math.min(Math.max(level.incoming, 0), input.quantity),
      },
      kind: 'receive',
      reference: input.reference,
    }));
  }

  /**
   * Records expected goods (a purchase order sent): incoming += quantity. A negative quantity
   * compensates (incoming never goes below zero).
   */
  expect(
    input: { sku: string; locationId?: string; quantity: number; reference?: string },
    ctx: OperationContext,
  ): Promise<MovementResult> {
    if (!Number.isInteger(input.quantity) || input.quantity === 0) {
      throw new ValidationError([{ field: 'quantity', message: 'a non-zero integer' }]);
    }
    const locationId = input.locationId ?? DEFAULT_LOCATION;
    return this.single('expect', { ...input, locationId }, ctx, (level) => ({
      deltas: { onHand: 0, reserved: 0, incoming: Math.max(input.quantity, -Math.max(level.incoming, 0)) },
      kind: 'expect',
      reference: input.reference,
    }));
  }

  /**
   * Moves `quantity` from one location to another in one transaction (two movements).
   * The source's `available` must cover it. @throws InsufficientStockError, NotFoundError.
   */
  transfer(
    input: { sku: string; fromLocationId: string; toLocationId: string; quantity: number },
    ctx: OperationContext,
  ): Promise<TransferResult> {
    positive(input.quantity);
    if (input.fromLocationId === input.toLocationId) {
      throw new ValidationError([{ field: 'toLocationId', message: 'must differ from fromLocationId' }]);
    }
    const { sku, fromLocationId, toLocationId, quantity } = input;
    return this.run<TransferResult>(
      'transfer',
      input,
      ctx,
      true,
      async (env) => {
        const [{ products, levels }] = await Promise.all([
          this.store.read([
            { sku, locationId: fromLocationId },
            { sku, locationId: toLocationId },
          ]),
          this.requireLocations([fromLocationId, toLocationId]),
        ]);
        const product = requireProduct(products, sku);
        const from = levels.get(levelKey(sku, fromLocationId)) ?? emptyLevel(sku, fromLocationId, product);
        const to = levels.get(levelKey(sku, toLocationId)) ?? emptyLevel(sku, toLocationId, product);
        if (from.available < quantity || from.onHand < quantity) {
          throw new InsufficientStockError([
            {
              sku,
              locationId: fromLocationId,
              requested: quantity,
              available: Math.max(0, Math.min(from.available, from.onHand)),
              reason: 'insufficient_stock',
            },
          ]);
        }
        const transferId = this.newId();
        const reference = `transfer:${transferId}`;
        const change = this.changeOf(
          env,
          [
            {
              before: from,
              deltas: { onHand: -quantity, reserved: 0, incoming: 0 },
              kind: 'transfer_out',
              reference,
            },
            {
              before: to,
              deltas: { onHand: quantity, reserved: 0, incoming: 0 },
              kind: 'transfer_in',
              reference,
            },
          ],
          products,
        );
        return {
          result: {
            transferId,
            movements: change.movements,
            levels: change.levels.map((w) => toView(w.level)),
          },
          change,
        };
      },
      [levelKey(sku, fromLocationId), levelKey(sku, toLocationId)],
    );
  }

  private single(
    operation: string,
    input: { sku: string; locationId: string },
    ctx: OperationContext,
    decide: (level: Level, env: RunEnv) => SingleStep | Promise<SingleStep>,
  ): Promise<MovementResult> {
    const { sku, locationId } = input;
    return this.run<MovementResult>(
      operation,
      input,
      ctx,
      true,
      async (env) => {
        const [{ products, levels }] = await Promise.all([
          this.store.read([{ sku, locationId }]),
          this.requireLocations([locationId]),
        ]);
        const product = requireProduct(products, sku);
        const before = levels.get(levelKey(sku, locationId)) ?? emptyLevel(sku, locationId, product);
        const { extraEvents, ...step } = await decide(before, env);
        const change = this.changeOf(env, [{ before, ...step }], products, extraEvents);
        return { result: { movement: change.movements[0]!, level: toView(change.levels[0]!.level) }, change };
      },
      [levelKey(sku, locationId)],
    );
  }

  // ---------------------------------------------------------------- product settings (from catalog events)

  /**
   * Learns a product's thresholds from a catalog snapshot. Applied only when newer than what is
   * stored (idempotent, safe out of order); changed thresholds are copied to every level of the
   * SKU through `settings` movements, so `available` stays right.
   */
  applyProductSnapshot(
    snapshot: Pick<
      ProductSettings,
      'sku' | 'reorderPoint' | 'safetyStock' | 'allowBackorder' | 'status' | 'version'
    >,
    ctx: OperationContext = { actor: 'catalog' },
  ): Promise<{ applied: boolean; levelsUpdated: number }> {
    return this.upsertProduct(snapshot.sku, snapshot.version, ctx, (stored) => ({
      sku: snapshot.sku,
      reorderPoint: snapshot.reorderPoint,
      safetyStock: snapshot.safetyStock,
      allowBackorder: snapshot.allowBackorder,
      status: snapshot.status,
      version: snapshot.version,
      locations: stored?.locations ?? [],
    }));
  }

  /** Marks a product deleted in the catalog (archived): it can no longer be reserved. */
  markProductDeleted(
    sku: string,
    version: number,
    ctx: OperationContext = { actor: 'catalog' },
  ): Promise<{ applied: boolean; levelsUpdated: number }> {
    return this.upsertProduct(sku, version, ctx, (stored) => ({
      sku,
      reorderPoint: stored?.reorderPoint ?? 0,
      safetyStock: stored?.safetyStock ?? 0,
      allowBackorder: stored?.allowBackorder ?? false,
      status: 'archived',
      version,
      locations: stored?.locations ?? [],
    }));
  }

  private upsertProduct(
    sku: string,
    version: number,
    ctx: OperationContext,
    next: (stored: ProductSettings | undefined) => ProductSettings,
  ): Promise<{ applied: boolean; levelsUpdated: number }> {
    return this.run<{ applied: boolean; levelsUpdated: number }>(
      'product',
      { sku, version },
      { ...ctx, idempotencyKey: ctx.idempotencyKey ?? `product:${sku}:${version}` },
      false,
      async (env) => {
        const stored = await this.store.getProduct(sku);
        if (stored && stored.version >= version) return { result: { applied: false, levelsUpdated: 0 } };
        const settings = next(stored);
        const { levels } = await this.store.read(
          settings.locations.map((locationId) => ({ sku, locationId })),
        );
        const stale = [...levels.values()].filter((level) => settingsDiffer(level, settings));
        const change = this.changeOf(
          env,
          stale.map((before) => ({
            before,
            settings,
            deltas: { onHand: 0, reserved: 0, incoming: 0 },
            kind: 'settings' as const,
            reason: 'catalog',
            reference: `catalog:${sku}:v${version}`,
          })),
          new Map(),
        );
        change.product = { settings, expectedLocations: stored?.locations.length ?? 0 };
        return { result: { applied: true, levelsUpdated: stale.length }, change };
      },
    );
  }

  // ---------------------------------------------------------------- per-location thresholds

  /**
   * Sets this location's own reorder point and/or safety stock (a number overrides the product's
   * here, `null` goes back to the product's) through a `settings` movement, so the level is
   * re-evaluated at once (its StockLevelChanged, and StockLow / OutOfStock on a crossing). A level
   * that does not exist yet is created with zero quantities. The same thresholds again change nothing.
   * @throws NotFoundError for an unknown SKU or location.
   */
  setLocationThresholds(
    input: { sku: string; locationId: string; reorderPoint: number | null; safetyStock: number | null },
    ctx: OperationContext,
  ): Promise<StockView> {
    const { sku, locationId } = input;
    const overrides: ThresholdOverrides = compact({
      reorderPoint: input.reorderPoint ?? undefined,
      safetyStock: input.safetyStock ?? undefined,
    });
    return this.run<StockView>(
      'thresholds',
      input,
      ctx,
      true,
      async (env) => {
        const [{ products, levels }] = await Promise.all([
          this.store.read([{ sku, locationId }]),
          this.requireLocations([locationId]),
        ]);
        const product = requireProduct(products, sku);
        const stored = levels.get(levelKey(sku, locationId));
        const same =
          stored &&
          stored.overrides?.reorderPoint === overrides.reorderPoint &&
          stored.overrides?.safetyStock === overrides.safetyStock &&
          !settingsDiffer(stored, product);
        if (same) return { result: await this.getStock(sku) };
        const before = stored ?? emptyLevel(sku, locationId, product);
        const change = this.changeOf(
          env,
          [
            {
              before,
              overrides,
              settings: product,
              deltas: { onHand: 0, reserved: 0, incoming: 0 },
              kind: 'settings',
              reason: 'location_thresholds',
            },
          ],
          products,
        );
        const after = change.levels[0]!.level;
        const others = (await this.store.levelsOf(sku)).filter((l) => l.locationId !== locationId);
        return { result: stockViewOf(sku, [...others, after]), change };
      },
      [levelKey(sku, locationId)],
    );
  }

  // ---------------------------------------------------------------- locations

  /** Creates a location; creating an existing one with the same name is a no-op. */
  createLocation(input: Location, ctx: OperationContext): Promise<Location> {
    return this.run<Location>('createLocation', input, ctx, true, async () => {
      const existing = input.id === DEFAULT_LOCATION ? MAIN_LOCATION : await this.store.getLocation(input.id);
      if (existing) {
        if (existing.name !== input.name)
          throw new ConflictError(`Location ${input.id} exists as "${existing.name}"`);
        return { result: existing };
      }
      return {
        result: { id: input.id, name: input.name },
        change: { levels: [], movements: [], outbox: [], location: { id: input.id, name: input.name } },
      };
    });
  }

  /** Every location, `main` included. */
  async listLocations(): Promise<Location[]> {
    const stored = await this.store.listLocations();
    return stored.some((l) => l.id === DEFAULT_LOCATION) ? stored : [MAIN_LOCATION, ...stored];
  }

  // ---------------------------------------------------------------- reads

  /** The levels of a SKU per location, with totals. @throws NotFoundError when stock does not know the SKU. */
  async getStock(sku: string): Promise<StockView> {
    const [product, levels] = await Promise.all([this.store.getProduct(sku), this.store.levelsOf(sku)]);
    if (!product && levels.length === 0) throw new NotFoundError(`SKU ${sku} is not known to stock`);
    return stockViewOf(sku, levels);
  }

  /** The ledger of a SKU, newest first, with an opaque cursor. */
  listMovements(sku: string, page: { cursor?: string; limit?: number } = {}): Promise<Page<Movement>> {
    return this.store.movements(sku, { cursor: page.cursor, limit: page.limit ?? 50 });
  }

  /** A reservation as stored, or undefined. */
  getReservation(reservationId: string): Promise<Reservation | undefined> {
    return this.store.getReservation(reservationId);
  }

  /** THE invariant: replaying a SKU's movements gives its stored levels. */
  async replayLedger(sku: string): Promise<LedgerCheck> {
    const movements = await this.store.allMovements(sku);
    const levels = await this.store.levelsOf(sku);
    return replay(sku, movements, levels);
  }

  // ---------------------------------------------------------------- machinery

  private async requireLocations(ids: string[]): Promise<void> {
    for (const id of new Set(ids)) {
      if (id === DEFAULT_LOCATION) continue;
      if (!(await this.store.getLocation(id))) throw new NotFoundError(`Location ${id} not found`);
    }
  }

  /** Builds the change of some level steps: new levels, one movement each, and their events. */
  private changeOf(
    env: RunEnv,
    steps: {
      before: Level;
      deltas: Deltas;
      kind: MovementKind;
      settings?: ProductSettings;
      /** With `settings`: the location's own thresholds after this step (replacing any before). */
      overrides?: ThresholdOverrides;
      reason?: string;
      note?: string;
      reference?: string;
    }[],
    products: ReadonlyMap<string, ProductSettings>,
    extraEvents?: (lastMovement: Movement, nextIndex: number) => Envelope[],
  ): Change {
    const change: Change = { levels: [], movements: [], outbox: [] };
    const newLocations = new Map<string, string[]>();
    for (const step of steps) {
      const { before } = step;
      const after = step.settings
        ? applySettings(
            step.overrides ? withOverrides(before, step.overrides) : before,
            step.settings,
            env.at,
          )
        : applyDeltas(before, step.deltas, env.at);
      if (step.deltas.onHand < 0 && after.onHand < 0 && !after.allowBackorder) {
        throw new UnprocessableError(`onHand of ${after.sku}@${after.locationId} would become negative`, {
          sku: after.sku,
          locationId: after.locationId,
          onHand: before.onHand,
          delta: step.deltas.onHand,
        });
      }
      const movement: Movement = compact({
        id: this.newId(),
        sku: after.sku,
        locationId: after.locationId,
        kind: step.kind,
        deltas: step.deltas,
        after: quantitiesOf(after),
        reason: step.reason,
        note: step.note,
        reference: step.reference,
        actor: env.actor,
        at: env.at,
        idempotencyKey: env.idempotencyKey,
        correlationId: env.correlationId,
      });
      change.levels.push({ level: after, expectedVersion: before.version });
      change.movements.push(movement);
      change.outbox.push(...eventsFor(movement, before, after, env.correlationId, 0));
      if (before.version === 0) {
        const list = newLocations.get(after.sku) ?? [];
        list.push(after.locationId);
        newLocations.set(after.sku, list);
      }
    }
    const last = change.movements.at(-1);
    if (last && extraEvents) {
      const index = change.outbox.filter((e) => e.id.startsWith(`${last.id}:`)).length;
      change.outbox.push(...extraEvents(last, index));
    }
    if (newLocations.size) {
      change.productLocations = [...newLocations].map(([sku, add]) => ({
        sku,
        add,
        expectedVersion: products.get(sku)!.version,
      }));
    }
    return change;
  }

  /**
   * Runs one operation to completion: idempotency check, decide, commit; re-decide on a lost
   * race with jittered exponential backoff, at most `maxAttempts` times. `dedupe`: a
   * caller-given `ctx.idempotencyKey` names the operation record (scoped to the caller and the
   * operation), so the same key again replays; otherwise (no key, or operations whose own item
   * is their natural guard: reservations, product snapshots) the record key is generated.
   */
  private run<R>(
    operation: string,
    request: unknown,
    ctx: OperationContext,
    dedupe: boolean,
    decide: (env: RunEnv) => Promise<Decision<R>>,
    serializeOn: readonly string[] = [],
  ): Promise<R> {
    const attempt = () => this.attempt(operation, request, ctx, dedupe, decide);
    return serializeOn.length ? this.queue.run(serializeOn, attempt) : attempt();
  }

  private async attempt<R>(
    operation: string,
    request: unknown,
    ctx: OperationContext,
    dedupe: boolean,
    decide: (env: RunEnv) => Promise<Decision<R>>,
  ): Promise<R> {
    const given = dedupe ? ctx.idempotencyKey : undefined;
    // One record key per run, kept across all its attempts: its record proves this run committed.
    const recordKey =
      given === undefined ? this.newId() : scopedKey(operation, ctx.principal ?? ctx.actor, given);
    const idempotencyKey = ctx.idempotencyKey ?? recordKey;
    const hash = requestHash(operation, request);
    // A caller's key may have been used already; a generated one only by this run, once unsure.
    let unsure = given !== undefined;
    let ambiguity: Error | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (unsure) {
        const previous = await this.store.getOperation(recordKey);
        if (previous) {
          if (previous.requestHash !== hash || previous.operation !== operation) {
            throw new ConflictError(`Idempotency key ${given} was already used for a different request`, {
              idempotencyKey: given,
            });
          }
          return previous.result as R;
        }
      }
      const at = this.now().toISOString();
      const decision = await decide({
        at,
        idempotencyKey,
        correlationId: ctx.correlationId ?? idempotencyKey,
        actor: ctx.actor,
      });
      if (!decision.change) return decision.result;
      const result = JSON.parse(JSON.stringify(decision.result)) as R;
      decision.change.operation = {
        key: recordKey,
        operation,
        requestHash: hash,
        result,
        at,
        expiresAt: operationTtl(at),
      };
      const outcome = await this.store.commit(decision.change);
      if (outcome.status === 'committed') return result;
      if (outcome.status === 'ambiguous') {
        // It may have landed: from now on, the record decides before anything is decided again.
        unsure = true;
        ambiguity = outcome.error;
        await this.backoff(attempt);
      } else if (outcome.contended) await this.backoff(attempt);
    }
    if (ambiguity) {
      throw new TransientError(
        `${operation}: gave up after ${this.maxAttempts} attempts; whether it committed is told by operation record ${recordKey}`,
        { cause: ambiguity },
      );
    }
    throw new TransientError(`${operation}: gave up after ${this.maxAttempts} contended attempts`);
  }

  private backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** Math.min(attempt, 16));
    return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }
}

export const MAIN_LOCATION: Location = { id: DEFAULT_LOCATION, name: 'Main warehouse' };

/** TTL (epoch seconds) of an operation record written at `at`. */
export const operationTtl = (at: string): number =>
  Math.floor(Date.parse(at) / 1000) + OPERATION_RETENTION_SECONDS;

/**
 * The record key of a caller-given idempotency key: scoped to who sent it and the operation
 * (Stripe scopes keys to the account, Shopify to the shop and the mutation). `|` cannot occur in
 * a key (lib/http.ts) nor in an encoded principal, so two different scopes never collide.
 */
const scopedKey = (operation: string, principal: string, key: string): string =>
  `${operation}|${encodeURIComponent(principal)}|${key}`;

/** TTL (epoch seconds) of a reservation that reached a final state at `at`. */
export const finalStateTtl = (at: string): number =>
  Math.floor(Date.parse(at) / 1000) + FINAL_STATE_RETENTION_SECONDS;

function requireProduct(products: ReadonlyMap<string, ProductSettings>, sku: string): ProductSettings {
  const product = products.get(sku);
  if (!product) throw new NotFoundError(`SKU ${sku} is not known to stock`);
  return product;
}

function positive(quantity: number): void {
  if (!Number.isInteger(quantity) || quantity <= 0) {
    throw new ValidationError([{ field: 'quantity', message: 'a positive integer' }]);
  }
}

function itemCount(change: Change): number {
  return (
    change.levels.length +
    change.movements.length +
    (change.productLocations?.length ?? 0) +
    (change.reservation ? 1 : 0) +
    (change.operation ? 1 : 0) +
    (change.product ? 1 : 0) +
    (change.location ? 1 : 0)
  );
}

/** The level with its own thresholds replaced (none set: no `overrides` at all). */
function withOverrides(level: Level, overrides: ThresholdOverrides): Level {
  const { overrides: _old, ...rest } = level;
  return hasOverrides({ overrides }) ? { ...rest, overrides } : rest;
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
