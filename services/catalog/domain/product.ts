import { ConflictError, ValidationError } from '../../../lib/errors.ts';
import type { Envelope } from '../../../lib/events.ts';
import type { StockLevelChanged } from '../../stock/contract.ts';
import {
  type CreateProduct,
  type Product,
  ProductCreated,
  ProductDeleted,
  type ProductSnapshot,
  ProductUpdated,
  type StockTotals,
  type UpdateProduct,
} from '../contract.ts';
import { PreconditionFailedError } from './errors.ts';

/**
 * The product aggregate: pure rules, no I/O. Every change returns the next state (version + 1)
 * and the events that describe it; the store writes both in one conditional write (outbox).
 */

/** One location's figures as last reported by the stock service, with the level version they came from. */
export interface LocationStock {
  onHand: number;
  reserved: number;
  available: number;
  incoming: number;
  levelVersion: number;
}
export type StockByLocation = Record<string, LocationStock>;

export interface ProductState extends Omit<Product, 'stock'> {
  /** Per-location projection of stock, kept by the stock-events consumer. */
  stockByLocation: StockByLocation;
  /** The latest few event envelopes written with this item (transactional outbox). */
  outbox: Envelope[];
}

/** Who and when: every command carries it. */
export interface CommandContext {
  actor: string;
  correlationId: string;
  now: string;
}

export interface Change {
  product: ProductState;
  events: Envelope[];
  /** The version the write is conditioned on; undefined means "the item must not exist yet". */
  expectedVersion: number | undefined;
}

/** How many envelopes the outbox keeps: the stream publisher only needs the newest one per write. */
export const OUTBOX_KEEP = 5;

export const EMPTY_STOCK: StockTotals = { onHand: 0, reserved: 0, available: 0, incoming: 0 };

export function stockTotals(byLocation: StockByLocation): StockTotals {
  const totals = { ...EMPTY_STOCK };
  for (const level of Object.values(byLocation)) {
    totals.onHand += level.onHand;
    totals.reserved += level.reserved;
    totals.available += level.available;
    totals.incoming += level.incoming;
  }
  return totals;
}

/** The public view of a product. */
export function toProduct(state: ProductState): Product {
  const { stockByLocation, outbox: _outbox, ...product } = state;
  return { ...product, stock: stockTotals(stockByLocation) };
}

export function snapshotOf(product: ProductState): ProductSnapshot {
  return {
    sku: product.sku,
    name: product.name,
    category: product.category,
    price: product.price,
    cost: product.cost,
    reorderPoint: product.reorderPoint,
    safetyStock: product.safetyStock,
    allowBackorder: product.allowBackorder,
    status: product.status,
    version: product.version,
  };
}

/** Lower-case text the listing searches in: name and SKU. */
export function searchTextOf(product: Pick<ProductState, 'name' | 'sku'>): string {
  return `${product.name.toLowerCase()} ${product.sku.toLowerCase()}`;
}

/** Rules that span fields (single fields are checked by the API schemas). */
export function checkRules(product: Omit<ProductState, 'stockByLocation' | 'outbox'>): void {
  if (product.cost.currency !== product.price.currency) {
    throw new ValidationError([
      { field: 'cost.currency', message: `must equal price.currency (${product.price.currency})` },
    ]);
  }
}

const eventId = (product: ProductState): string => `${product.sku}:v${product.version}`;

function withEvent(product: ProductState, event: Envelope): ProductState {
  return { ...product, outbox: [...product.outbox, event].slice(-OUTBOX_KEEP) };
}

/**
 * Creates a product. A SKU whose product is archived may be created again: the version then
 * continues from the archived one, so consumers that ignore older versions stay right, and the
 * stock projection (which belongs to the SKU) is kept.
 */
export function createProduct(
  input: CreateProduct,
  previous: ProductState | undefined,
  ctx: CommandContext,
): Change {
  if (previous?.status === 'active') {
    throw new ConflictError(`A product with SKU ${input.sku} already exists`, { sku: input.sku });
  }
  const base: ProductState = {
    ...input,
    imageKeys: [],
    status: 'active',
    version: (previous?.version ?? 0) + 1,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    updatedBy: ctx.actor,
    stockByLocation: previous?.stockByLocation ?? {},
    outbox: previous?.outbox ?? [],
  };
  checkRules(base);
  const event = ProductCreated.create(snapshotOf(base), {
    id: eventId(base),
    correlationId: ctx.correlationId,
    occurredAt: ctx.now,
  });
  return { product: withEvent(base, event), events: [event], expectedVersion: previous?.version };
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Applies a partial update. `ifMatch` is the version the client last saw (optimistic lock);
 * the SKU cannot change. A patch that changes nothing is not a change: no new version, no event.
 */
export function updateProduct(
  current: ProductState,
  patch: UpdateProduct,
  ctx: CommandContext & { ifMatch?: number },
): Change {
  if (ctx.ifMatch !== undefined && ctx.ifMatch !== current.version) {
    throw new PreconditionFailedError(
      `Product ${current.sku} is at version ${current.version}, not ${ctx.ifMatch}`,
      { currentVersion: current.version },
    );
  }
  const { sku, ...changes } = patch;
  if (sku !== undefined && sku !== current.sku) {
    throw new ValidationError([{ field: 'sku', message: 'cannot be changed' }]);
  }
  if (current.status === 'archived') {
    throw new ConflictError(`Product ${current.sku} is archived; create it again to reactivate it`);
  }
  const changed = Object.entries(changes).filter(
    ([key, value]) => value !== undefined && !sameValue(value, current[key as keyof ProductState]),
  );
  if (changed.length === 0) return { product: current, events: [], expectedVersion: current.version };
  return bump(current, Object.fromEntries(changed), ctx);
}

function bump(current: ProductState, changes: Partial<ProductState>, ctx: CommandContext): Change {
  const next: ProductState = {
    ...current,
    ...changes,
    version: current.version + 1,
    updatedAt: ctx.now,
    updatedBy: ctx.actor,
  };
  checkRules(next);
  const event = ProductUpdated.create(snapshotOf(next), {
    id: eventId(next),
    correlationId: ctx.correlationId,
    occurredAt: ctx.now,
  });
  return { product: withEvent(next, event), events: [event], expectedVersion: current.version };
}

/**
 * Deletes a product by archiving it, refused while stock is on hand or reserved. The stock
 * figures are the projection of StockLevelChanged events, so the check is eventually
 * consistent: a movement committed in the stock service a moment ago may not be seen yet.
 * Archiving an archived product changes nothing (DELETE is idempotent).
 */
export function archiveProduct(current: ProductState, ctx: CommandContext): Change {
  if (current.status === 'archived')
    return { product: current, events: [], expectedVersion: current.version };
  const stock = stockTotals(current.stockByLocation);
  if (stock.onHand > 0 || stock.reserved > 0) {
    throw new ConflictError(
      `Product ${current.sku} still has stock (on hand ${stock.onHand}, reserved ${stock.reserved}); ` +
        'adjust or transfer it to zero first',
      { stock },
    );
  }
  const next: ProductState = {
    ...current,
    status: 'archived',
    version: current.version + 1,
    updatedAt: ctx.now,
    updatedBy: ctx.actor,
  };
  const event = ProductDeleted.create(
    { sku: next.sku, version: next.version },
    { id: eventId(next), correlationId: ctx.correlationId, occurredAt: ctx.now },
  );
  return { product: withEvent(next, event), events: [event], expectedVersion: current.version };
}

/** Adds a confirmed image; adding one already there changes nothing. */
export function addImage(current: ProductState, key: string, ctx: CommandContext): Change {
  if (current.imageKeys.includes(key))
    return { product: current, events: [], expectedVersion: current.version };
  if (current.status === 'archived') throw new ConflictError(`Product ${current.sku} is archived`);
  if (current.imageKeys.length >= 20) throw new ConflictError(`Product ${current.sku} already has 20 images`);
  return bump(current, { imageKeys: [...current.imageKeys, key] }, ctx);
}

type StockLevel = ReturnType<typeof StockLevelChanged.create>['data'];

/**
 * Folds one StockLevelChanged into the per-location projection. Returns undefined when the
 * event is not newer than what we hold (a redelivery or an out-of-order older event), so
 * applying events twice or in any order gives the same result.
 */
export function applyStockLevel(byLocation: StockByLocation, level: StockLevel): StockByLocation | undefined {
  const held = byLocation[level.locationId];
  if (held && held.levelVersion >= level.levelVersion) return undefined;
  const { onHand, reserved, available, incoming } = level.quantities;
  return {
    ...byLocation,
    [level.locationId]: { onHand, reserved, available, incoming, levelVersion: level.levelVersion },
  };
}
