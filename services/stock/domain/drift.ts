import { monotonicFactory } from 'ulid';
import { ConflictError, NotFoundError } from '../../../lib/errors.ts';
import {
  applyDeltas,
  availableOf,
  driftedLocations,
  emptyLevel,
  eventsFor,
  type LedgerCheck,
  quantitiesOf,
  type ReplayedQuantities,
  replay,
} from './calc.ts';
import {
  type Change,
  type Level,
  levelKey,
  type Movement,
  type OperationContext,
  type StockStore,
} from './model.ts';
import { operationTtl } from './stock.ts';

/**
 * The drift detector and its repair: one piece of code behind `npx azura ledger check|repair`
 * and the scheduled `drift-check` function.
 *
 * Drift is a level whose stored quantities differ from what its movements replay to (or whose
 * `available` is not `onHand - reserved - safetyStock`). Every legitimate change writes the level
 * and its movement in one transaction, so drift means something wrote a level outside the ledger
 * (a hand edit, a restore, a bug): the LEDGER is the truth, and a repair sets the level to its
 * replay (see `repairPlan`).
 *
 * Cost, and how it is bounded: the SKUs come from a Scan of the stock table (`scanLevelSkus`),
 * which reads every item, movements included — about the table's size in read units per full
 * pass — and each SKU is then checked with two Queries of its levels and one of its whole ledger
 * (the SKU's item collection). A full pass therefore reads the table about twice: at 1 GB that is
 * ~260k eventually consistent read units of the scan plus ~520k consistent ones of the queries,
 * roughly 0.2 USD on demand, and minutes of time. The pass goes a page (`pageSize` items) at a
 * time and stops at `deadline`, returning `nextCursor`; the schedule stores that cursor and the
 * next run carries on from it, so one run never outlives its Lambda timeout and the table is
 * covered over as many runs as it takes. When that grows too slow, check only the SKUs the stream
 * saw change since the last pass instead of scanning.
 */

export interface LevelDrift {
  locationId: string;
  /** The level as stored (absent: movements exist for a location that has no level item). */
  stored?: ReplayedQuantities & { safetyStock: number; available: number; version: number };
  /** What the movements of that location replay to. */
  replayed: ReplayedQuantities;
}

export interface SkuDrift {
  sku: string;
  movements: number;
  levels: LevelDrift[];
}

export interface DriftReport {
  /** SKUs checked in this run. */
  checked: number;
  drifted: SkuDrift[];
  /** SKUs that kept changing while being read (busy, not proven either way): checked again next time. */
  unsettled: string[];
  /** True when every SKU was checked; false when the time budget ran out first. */
  complete: boolean;
  /** Where to carry on (when not complete). */
  nextCursor: string | null;
}

export interface DriftCheckOptions {
  /** Only this SKU (no scan). */
  sku?: string;
  /** Carry on a pass from here. */
  cursor?: string;
  /** Stop starting new pages or SKUs at this time (epoch ms). */
  deadline?: number;
  /** Items read per Scan page (default: DynamoDB's, 1 MB of items). */
  pageSize?: number;
  now?: () => number;
}

type SkuCheck = { stable: true; drift?: SkuDrift; movements: number } | { stable: false };

const sameVersions = (a: readonly Level[], b: readonly Level[]): boolean => {
  const key = (levels: readonly Level[]) =>
    levels
      .map((l) => `${l.locationId}=${l.version}`)
      .sort()
      .join(',');
  return key(a) === key(b);
};

/**
 * One SKU, on a stable read: its levels, then its ledger, then its levels again. Movements are
 * written in the same transaction as their level's new version, so if no level version changed
 * across the read, the ledger read belongs to exactly those levels; otherwise a change was
 * committing meanwhile and the read is retried (a busy SKU is reported unsettled, never drifted).
 */
export async function checkSku(store: StockStore, sku: string, attempts = 5): Promise<SkuCheck> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const before = await store.levelsOf(sku);
    const movements = await store.allMovements(sku);
    const levels = await store.levelsOf(sku);
    if (!sameVersions(before, levels)) continue;
    const check = replay(sku, movements, levels);
    if (check.consistent) return { stable: true, movements: movements.length };
    return { stable: true, movements: movements.length, drift: driftOf(check, levels) };
  }
  return { stable: false };
}

function driftOf(check: LedgerCheck, levels: readonly Level[]): SkuDrift {
  const zero = { onHand: 0, reserved: 0, incoming: 0 };
  const stored = new Map(levels.map((l) => [l.locationId, l]));
  return {
    sku: check.sku,
    movements: check.movements,
    levels: driftedLocations(check).map((locationId) => {
      const s = stored.get(locationId);
      return {
        locationId,
        replayed: { ...(check.replayed[locationId] ?? zero) },
        ...(s
          ? {
              stored: {
                onHand: s.onHand,
                reserved: s.reserved,
                incoming: s.incoming,
                safetyStock: s.safetyStock,
                available: s.available,
                version: s.version,
              },
            }
          : {}),
      };
    }),
  };
}

/** Checks every level (or one SKU's), a Scan page at a time, within the time budget. */
export async function checkLedger(store: StockStore, options: DriftCheckOptions = {}): Promise<DriftReport> {
  const now = options.now ?? Date.now;
  const report: DriftReport = { checked: 0, drifted: [], unsettled: [], complete: true, nextCursor: null };
  const checkOne = async (sku: string) => {
    const result = await checkSku(store, sku);
    report.checked++;
    if (!result.stable) report.unsettled.push(sku);
    else if (result.drift) report.drifted.push(result.drift);
  };
  if (options.sku) {
    await checkOne(options.sku);
    return report;
  }
  const seen = new Set<string>();
  let cursor = options.cursor;
  do {
    if (options.deadline !== undefined && now() >= options.deadline) {
      return { ...report, complete: false, nextCursor: cursor ?? null };
    }
    const page = await store.scanLevelSkus({ cursor, limit: options.pageSize });
    // A SKU's items are contiguous in a scan, but a page boundary may cut through them.
    for (const sku of page.items) {
      if (seen.has(sku)) continue;
      seen.add(sku);
      await checkOne(sku);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return report;
}

/** One level's repair: set it to its replay, recorded as a zero-delta `correction` movement. */
export interface LevelCorrection {
  sku: string;
  locationId: string;
  /** The level version the repair was proposed on: the repair applies only to that version. */
  expectedVersion: number;
  from: ReplayedQuantities & { available: number };
  to: ReplayedQuantities & { available: number };
}

/**
 * The repairs of a drifted SKU. The ledger is the truth (movements are immutable and each was
 * written with its level; a drifted level was written outside the ledger), so each drifted level
 * is set to what its movements replay to — NOT a compensating adjustment: `adjust` moves the
 * level and the replay by the same delta, which leaves the drift exactly as it was. If the shelf
 * disagrees with the ledger too, record a physical count after the repair.
 */
export function repairPlan(
  drift: SkuDrift,
  safetyStockOf: (locationId: string) => number,
): LevelCorrection[] {
  return drift.levels.map((level) => {
    const safetyStock = level.stored?.safetyStock ?? safetyStockOf(level.locationId);
    const to = { ...level.replayed, available: availableOf({ ...level.replayed, safetyStock }) };
    const from = level.stored
      ? {
          onHand: level.stored.onHand,
          reserved: level.stored.reserved,
          incoming: level.stored.incoming,
          available: level.stored.available,
        }
      : { onHand: 0, reserved: 0, incoming: 0, available: 0 };
    return {
      sku: drift.sku,
      locationId: level.locationId,
      expectedVersion: level.stored?.version ?? 0,
      from,
      to,
    };
  });
}

const newId = monotonicFactory();

/**
 * Applies one correction through the ledger, in one transaction: the level set to its replay
 * (conditioned on the version the plan was made on), a `correction` movement of kind `adjust`
 * with zero deltas (so the replay stays what it was) whose `after` is the corrected level and
 * whose note names the stored values it replaced, its StockLevelChanged event (outbox), and an
 * operation record keyed by SKU, location and version, so applying the same plan twice (a retry
 * after an ambiguous error) changes nothing the second time.
 * @throws ConflictError when the level changed since the plan was made (re-run the check).
 */
export async function applyCorrection(
  store: StockStore,
  correction: LevelCorrection,
  ctx: OperationContext,
  now: () => Date = () => new Date(),
): Promise<Movement> {
  const { sku, locationId, expectedVersion } = correction;
  const key = `correction:${sku}:${locationId}:v${expectedVersion}`;
  const previous = await store.getOperation(key);
  if (previous) return previous.result as Movement;
  const { products, levels } = await store.read([{ sku, locationId }]);
  const product = products.get(sku);
  if (!product) throw new NotFoundError(`SKU ${sku} is not known to stock`);
  const before = levels.get(levelKey(sku, locationId)) ?? emptyLevel(sku, locationId, product);
  if (before.version !== expectedVersion) {
    throw new ConflictError(
      `Level ${sku}@${locationId} changed since the repair was proposed (version ${expectedVersion}, now ${before.version}): run the check again`,
    );
  }
  const at = now().toISOString();
  const moved = applyDeltas(before, { onHand: 0, reserved: 0, incoming: 0 }, at);
  const after: Level = {
    ...moved,
    onHand: correction.to.onHand,
    reserved: correction.to.reserved,
    incoming: correction.to.incoming,
    available: availableOf({ ...correction.to, safetyStock: moved.safetyStock }),
  };
  const correlationId = ctx.correlationId ?? key;
  const movement: Movement = {
    id: newId(),
    sku,
    locationId,
    kind: 'adjust',
    deltas: { onHand: 0, reserved: 0, incoming: 0 },
    after: quantitiesOf(after),
    reason: 'correction',
    note:
      `ledger repair: the stored level (onHand ${before.onHand}, reserved ${before.reserved}, ` +
      `incoming ${before.incoming}, version ${before.version}) did not match its ledger; set to the replay`,
    actor: ctx.actor,
    at,
    idempotencyKey: key,
    correlationId,
  };
  // The operation record expires with the others (longer than any retry of a repair).
  const operationRecord = {
    key,
    operation: 'correction',
    requestHash: key,
    result: movement,
    at,
    expiresAt: operationTtl(at),
  };
  const change: Change = {
    levels: [{ level: after, expectedVersion }],
    movements: [movement],
    outbox: eventsFor(movement, before, after, correlationId, 0),
    operation: operationRecord,
    ...(expectedVersion === 0
      ? { productLocations: [{ sku, add: [locationId], expectedVersion: product.version }] }
      : {}),
  };
  // Committed, or else (refused, or an ambiguous error that may have committed) the operation
  // record tells: present, the repair landed; absent, it did not and the level moved meanwhile.
  const outcome = await store.commit(change);
  if (outcome.status === 'committed') return movement;
  const recorded = await store.getOperation(key);
  if (recorded) return recorded.result as Movement;
  throw new ConflictError(`Level ${sku}@${locationId} changed while being repaired: run the check again`);
}
