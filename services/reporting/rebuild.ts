import { type DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../../lib/dynamo-read.ts';
import type { Sql } from '../../lib/sql.ts';
import { ProductCreated, ProductDeleted, type ProductSnapshot } from '../catalog/contract.ts';
import { OrderCompleted, OrderRejected, OrderReleased, OrderReserved } from '../orders/contract.ts';
import type { Quantities } from '../stock/contract.ts';
import { ReservationExpired, StockLevelChanged } from '../stock/contract.ts';
import { ReadModel } from './projection.ts';

/**
 * Rebuilds the reporting read model from the services' own data (`npx azura reporting rebuild`):
 * for when the read model was lost, a migration changed a projection, or events were missed.
 *
 * 1. Reads, page by page, the catalog's products, the stock ledger (every level and its
 *    movements, and the expired reservations still kept) and the orders.
 * 2. Empties the read model in one transaction: `TRUNCATE` of the product, stock and order facts
 *    and dimensions, `order_close`, and their `processed_event` rows. `schema_migrations` stays;
 *    so do the purchase-order tables (`fact_po_line`, `fact_receipt`, `dim_supplier`) and their
 *    `processed_event` rows: nothing here can re-read purchase orders yet, and emptying them would
 *    lose them.
 * 3. Re-applies everything through the projection's own `ReadModel.apply`, as the events the
 *    services published would have been, built with the contracts' `.create(...)` and dated with
 *    the original times, in batches of {@link RebuildOptions.batchSize} per transaction. Ids are
 *    deterministic (`rebuild:<kind>:<key>`), so running it twice over the same data gives the
 *    same tables.
 *
 * What each synthetic event is made of:
 * - **ProductCreated** per catalog product: its snapshot (`snapshotOf`), at `updatedAt`. An
 *   archived product is its snapshot one version back, then **ProductDeleted** at its version,
 *   as the live events left it (kept, marked deleted).
 * - **StockLevelChanged** per movement (`SKU#<sku>` / `MOV#<id>`), with the movement's `kind`,
 *   `reason`, `reference`, `actor`, its `after` quantities and `at`. Movements do not store the
 *   level's version: per SKU × location they are ordered by (`at`, id) and numbered, so that the
 *   last one has the level item's `version` (every level change is exactly one movement, from
 *   version 1; if the level's version says otherwise the numbering is shifted to end on it, and
 *   the level is counted in `versionMismatches`). `deltas` are `after` − the previous movement's
 *   `after` (what the live event carried: level after − level before; a ledger-repair correction
 *   records zero deltas but moves the level), the movement's own deltas for the first one. The
 *   reorder point is the level's current one (only the newest version is kept of it).
 * - **ReservationExpired** per reservation with status `EXPIRED` still in the stock table (final
 *   reservations expire from it after their retention), at its `updatedAt`.
 * - Per order, from its `history`: **OrderReserved** (lines) at its RESERVED time, **OrderRejected**
 *   (shortfalls) at REJECTED, **OrderCompleted** at FULFILLED, **OrderReleased** (its
 *   `releaseReason`) at CANCELLED or EXPIRED. Placeholders (`placed: false`) are skipped.
 */

export const REBUILD_KINDS = [
  'ProductCreated',
  'ProductDeleted',
  'StockLevelChanged',
  'ReservationExpired',
  'OrderReserved',
  'OrderRejected',
  'OrderCompleted',
  'OrderReleased',
] as const;
export type RebuildKind = (typeof REBUILD_KINDS)[number];

/** The read model's tables a rebuild empties (everything but the purchase-order facts and schema_migrations). */
export const REBUILT_TABLES = [
  'fact_movement',
  'level_current',
  'fact_level_daily',
  'fact_order_line',
  'fact_reservation_event',
  'order_close',
  'dim_product',
  'dim_location',
  'dim_date',
] as const;

/** The event types whose `processed_event` rows a rebuild replaces (the purchase-order ones stay). */
const REBUILT_TYPES = REBUILD_KINDS;

export interface RebuildSources {
  client: DynamoDBDocumentClient;
  /** Physical table names; without `orders` (a system without the orders service) orders are skipped. */
  tables: { catalog: string; stock: string; orders?: string };
}

export interface RebuildOptions {
  /** Read and count only: the read model is not touched. */
  dryRun?: boolean;
  /** Events applied per read-model transaction (default 200). */
  batchSize?: number;
  /** Items per DynamoDB Scan page (default 500). */
  pageSize?: number;
  /** Told of progress (a line per phase). */
  log?: (line: string) => void;
}

export interface RebuildResult {
  dryRun: boolean;
  /** What was read from the services. */
  read: { products: number; levels: number; movements: number; reservations: number; orders: number };
  /** The events built (and, unless a dry run, applied), per kind. */
  events: Record<RebuildKind, number>;
  /** Events the projection applied (0 on a dry run). */
  applied: number;
  /** The read-model tables emptied (none on a dry run). */
  truncated: string[];
  /** Levels whose version did not equal their number of movements (see the module's doc). */
  versionMismatches: string[];
  durationMs: number;
}

type Envelope =
  | ReturnType<typeof ProductCreated.create>
  | ReturnType<typeof ProductDeleted.create>
  | ReturnType<typeof StockLevelChanged.create>
  | ReturnType<typeof ReservationExpired.create>
  | ReturnType<typeof OrderReserved.create>
  | ReturnType<typeof OrderRejected.create>
  | ReturnType<typeof OrderCompleted.create>
  | ReturnType<typeof OrderReleased.create>;

type Item = Record<string, unknown>;

const correlationId = 'reporting-rebuild';
const meta = (kind: RebuildKind, key: string, occurredAt: string) => ({
  id: `rebuild:${kind}:${key}`,
  correlationId,
  occurredAt,
});

/** Every item of a Scan, page by page (`pageSize` items read per request). */
async function* scanPages(
  client: DynamoDBDocumentClient,
  input: {
    TableName: string;
    FilterExpression: string;
    ExpressionAttributeValues: Item;
    ExpressionAttributeNames?: Record<string, string>;
  },
  pageSize: number,
): AsyncGenerator<Item[]> {
  let ExclusiveStartKey: Item | undefined;
  do {
    const page: ScanCommandOutput = await client.send(
      new ScanCommand({ ...input, Limit: pageSize, ConsistentRead: true, ExclusiveStartKey }),
    );
    yield page.Items ?? [];
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

// ------------------------------------------------------------------------------ catalog

function snapshotOf(item: Item, version: number, status: ProductSnapshot['status']): ProductSnapshot {
  return {
    sku: item.sku as string,
    name: item.name as string,
    category: item.category as string,
    price: item.price as ProductSnapshot['price'],
    cost: item.cost as ProductSnapshot['cost'],
    reorderPoint: item.reorderPoint as number,
    safetyStock: item.safetyStock as number,
    allowBackorder: Boolean(item.allowBackorder),
    status,
    version,
  };
}

/** The events of one catalog product item. */
export function productEvents(
  item: Item,
): (ReturnType<typeof ProductCreated.create> | ReturnType<typeof ProductDeleted.create>)[] {
  const sku = item.sku as string;
  const version = item.version as number;
  const at = (item.updatedAt ?? item.createdAt) as string;
  if (item.status !== 'archived' || version < 2) {
    const status = item.status === 'archived' ? 'archived' : 'active';
    return [ProductCreated.create(snapshotOf(item, version, status), meta('ProductCreated', sku, at))];
  }
  // Archiving bumps the version and changes nothing else: the live tables hold the snapshot before
  // it, then the deletion.
  return [
    ProductCreated.create(snapshotOf(item, version - 1, 'active'), meta('ProductCreated', sku, at)),
    ProductDeleted.create({ sku, version }, meta('ProductDeleted', sku, at)),
  ];
}

// ------------------------------------------------------------------------------ stock

interface StoredMovement {
  id: string;
  sku: string;
  locationId: string;
  kind: string;
  deltas: { onHand: number; reserved: number; incoming: number };
  after: Quantities;
  reason?: string;
  reference?: string;
  actor?: string;
  at: string;
}

const byAtThenId = (a: StoredMovement, b: StoredMovement) =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * The StockLevelChanged events of one level, from its movements (any order) and the level item:
 * numbered by (`at`, id) so that the last has the level's version.
 */
export function levelEvents(
  level: { sku: string; locationId: string; version: number; reorderPoint?: number },
  movements: readonly StoredMovement[],
): { events: ReturnType<typeof StockLevelChanged.create>[]; versionMatches: boolean } {
  const ordered = [...movements].sort(byAtThenId);
  const first = level.version - ordered.length + 1;
  const events = ordered.map((m, i) => {
    const prev = ordered[i - 1]?.after;
    const deltas = prev
      ? {
          onHand: m.after.onHand - prev.onHand,
          reserved: m.after.reserved - prev.reserved,
          incoming: m.after.incoming - prev.incoming,
        }
      : { onHand: m.deltas.onHand, reserved: m.deltas.reserved, incoming: m.deltas.incoming };
    return StockLevelChanged.create(
      {
        sku: m.sku,
        locationId: m.locationId,
        movementId: m.id,
        kind: m.kind as Parameters<typeof StockLevelChanged.create>[0]['kind'],
        levelVersion: Math.max(1, first + i),
        quantities: {
          onHand: m.after.onHand,
          reserved: m.after.reserved,
          incoming: m.after.incoming,
          safetyStock: m.after.safetyStock,
          available: m.after.available,
        },
        ...(typeof level.reorderPoint === 'number' ? { reorderPoint: level.reorderPoint } : {}),
        deltas,
        ...(m.reason ? { reason: m.reason } : {}),
        ...(m.reference ? { reference: m.reference } : {}),
        ...(m.actor ? { actor: m.actor } : {}),
      },
      meta('StockLevelChanged', `${m.id}:${m.sku}:${m.locationId}`, m.at),
    );
  });
  return { events, versionMatches: first === 1 };
}

// ------------------------------------------------------------------------------ orders

interface StoredOrder {
  orderId: string;
  placed?: boolean;
  status?: string;
  lines?: { sku: string; quantity: number }[];
  placedAt?: string;
  holdSeconds?: number;
  history?: { status: string; at: string }[];
  shortfalls?: { sku: string; requested: number; available: number; reason: string }[];
  releaseReason?: 'cancelled' | 'expired' | 'failed' | 'shortfall';
  pendingOutcome?: { outcome: string; at: string };
}

/** The events of one order, from its history (the times the live events carried). */
export function orderEvents(order: StoredOrder): Envelope[] {
  if (!order.placed) return [];
  const id = order.orderId;
  const lines = order.lines ?? [];
  const events: Envelope[] = [];
  for (const step of order.history ?? []) {
    switch (step.status) {
      case 'RESERVED':
        events.push(
          OrderReserved.create(
            {
              orderId: id,
              lines,
              expiresAt: new Date(Date.parse(step.at) + (order.holdSeconds ?? 0) * 1000).toISOString(),
            },
            meta('OrderReserved', id, step.at),
          ),
        );
        break;
      case 'REJECTED':
        events.push(
          OrderRejected.create(
            {
              orderId: id,
              shortfalls: (order.shortfalls ?? []).flatMap((s) =>
                s.reason === 'insufficient_stock' || s.reason === 'unknown_sku'
                  ? [{ sku: s.sku, requested: s.requested, available: s.available, reason: s.reason }]
                  : [],
              ),
            },
            meta('OrderRejected', id, step.at),
          ),
        );
        break;
      case 'FULFILLED':
        events.push(
          OrderCompleted.create(
            {
              orderId: id,
              lines,
              fulfilledAt: order.pendingOutcome?.outcome === 'FULFILLED' ? order.pendingOutcome.at : step.at,
            },
            meta('OrderCompleted', id, step.at),
          ),
        );
        break;
      case 'CANCELLED':
      case 'EXPIRED':
        events.push(
          OrderReleased.create(
            {
              orderId: id,
              reason: order.releaseReason ?? (step.status === 'EXPIRED' ? 'expired' : 'cancelled'),
            },
            meta('OrderReleased', id, step.at),
          ),
        );
        break;
    }
  }
  return events;
}

// ------------------------------------------------------------------------------ the rebuild

/** Every synthetic event, source by source, in bounded pages; counts what it read in `read`. */
async function* allEvents(
  sources: RebuildSources,
  pageSize: number,
  read: RebuildResult['read'],
  mismatches: string[],
): AsyncGenerator<Envelope> {
  const { client, tables } = sources;

  for await (const page of scanPages(
    client,
    {
      TableName: tables.catalog,
      FilterExpression: 'begins_with(pk, :p) AND sk = :sk',
      ExpressionAttributeValues: { ':p': 'PRODUCT#', ':sk': 'PRODUCT' },
    },
    pageSize,
  )) {
    for (const item of page) {
      read.products++;
      yield* productEvents(item);
    }
  }

  // One pass over the stock table: its levels (each SKU's items then read once, with its first
  // level seen) and its expired reservations.
  const done = new Set<string>();
  for await (const page of scanPages(
    client,
    {
      TableName: tables.stock,
      FilterExpression:
        '(begins_with(pk, :sku) AND begins_with(sk, :loc)) OR (begins_with(pk, :res) AND #status = :expired)',
      ExpressionAttributeValues: { ':sku': 'SKU#', ':loc': 'LOC#', ':res': 'RES#', ':expired': 'EXPIRED' },
      ExpressionAttributeNames: { '#status': 'status' },
    },
    pageSize,
  )) {
    for (const r of page.filter((i) => String(i.pk).startsWith('RES#'))) {
      read.reservations++;
      yield ReservationExpired.create(
        {
          reservationId: r.reservationId as string,
          lines: r.lines as { sku: string; locationId: string; quantity: number }[],
        },
        meta('ReservationExpired', r.reservationId as string, r.updatedAt as string),
      );
    }
    const skus = new Set(page.filter((i) => String(i.pk).startsWith('SKU#')).map((l) => l.sku as string));
    for (const sku of skus) {
      if (done.has(sku)) continue;
      done.add(sku);
      const items = await queryAll(client, {
        TableName: tables.stock,
        ConsistentRead: true,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `SKU#${sku}` },
      });
      const movements = items.filter((i) => String(i.sk).startsWith('MOV#')) as unknown as StoredMovement[];
      for (const level of items.filter((i) => String(i.sk).startsWith('LOC#'))) {
        read.levels++;
        const own = movements.filter((m) => m.locationId === level.locationId);
        read.movements += own.length;
        const { events, versionMatches } = levelEvents(
          {
            sku,
            locationId: level.locationId as string,
            version: level.version as number,
            reorderPoint: level.reorderPoint as number | undefined,
          },
          own,
        );
        if (!versionMatches) mismatches.push(`${sku}@${level.locationId as string}`);
        yield* events;
      }
    }
  }

  if (tables.orders) {
    for await (const page of scanPages(
      client,
      {
        TableName: tables.orders,
        FilterExpression: 'begins_with(pk, :p) AND sk = :sk',
        ExpressionAttributeValues: { ':p': 'ORDER#', ':sk': 'ORDER' },
      },
      pageSize,
    )) {
      for (const order of page as unknown as StoredOrder[]) {
        read.orders++;
        yield* orderEvents(order);
      }
    }
  }
}

/** Empties the rebuilt tables (and their processed_event rows) in one transaction. */
export async function emptyReadModel(sql: Sql): Promise<string[]> {
  await sql.transaction(async (tx) => {
    await tx.execute(`TRUNCATE ${REBUILT_TABLES.join(', ')}`);
    await tx.execute(
      `DELETE FROM processed_event WHERE type IN (${REBUILT_TYPES.map((t) => `'${t}'`).join(', ')})`,
    );
  });
  return [...REBUILT_TABLES, 'processed_event (product, stock and order events)'];
}

/** The rebuild (see the module's doc); `sql` is the reporting database. */
export async function rebuildReadModel(
  sql: Sql,
  sources: RebuildSources,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const started = Date.now();
  const dryRun = options.dryRun ?? false;
  const batchSize = options.batchSize ?? 200;
  const log = options.log ?? (() => undefined);
  const read = { products: 0, levels: 0, movements: 0, reservations: 0, orders: 0 };
  const events = Object.fromEntries(REBUILD_KINDS.map((k) => [k, 0])) as Record<RebuildKind, number>;
  const versionMismatches: string[] = [];
  let applied = 0;
  let truncated: string[] = [];

  if (!dryRun) {
    truncated = await emptyReadModel(sql);
    log(`emptied ${REBUILT_TABLES.length} read-model tables`);
  }
  let batch: Envelope[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const current = batch;
    batch = [];
    applied += await sql.transaction(async (tx) => {
      const model = new ReadModel(tx);
      let n = 0;
      for (const event of current) if (await model.apply(event)) n++;
      return n;
    });
  };
  for await (const event of allEvents(sources, options.pageSize ?? 500, read, versionMismatches)) {
    events[event.type]++;
    if (dryRun) continue;
    batch.push(event);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  log(
    `${dryRun ? 'would apply' : 'applied'} ${Object.values(events).reduce((a, b) => a + b, 0)} event(s) from ` +
      `${read.products} product(s), ${read.movements} movement(s) of ${read.levels} level(s), ${read.orders} order(s)`,
  );
  return { dryRun, read, events, applied, truncated, versionMismatches, durationMs: Date.now() - started };
}
