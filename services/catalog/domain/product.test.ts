import { describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../../lib/errors.ts';
import type { CreateProduct } from '../contract.ts';
import { PreconditionFailedError } from './errors.ts';
import {
  addImage,
  applyStockLevel,
  archiveProduct,
  createProduct,
  OUTBOX_KEEP,
  type ProductState,
  stockTotals,
  toProduct,
  updateProduct,
} from './product.ts';

const ctx = { actor: 'ana@azura.example', correlationId: 'req-1', now: '2026-01-02T03:04:05.000Z' };
const input: CreateProduct = {
  sku: 'TEE-1',
  name: 'Tee',
  description: '',
  category: 'shirts',
  price: { amount: 1000, currency: 'USD' },
  cost: { amount: 400, currency: 'USD' },
  reorderPoint: 5,
  safetyStock: 1,
  allowBackorder: false,
  attributes: {},
};
const created = (): ProductState => createProduct(input, undefined, ctx).product;
const withStock = (p: ProductState, onHand: number, reserved = 0): ProductState => ({
  ...p,
  stockByLocation: { main: { onHand, reserved, available: onHand - reserved, incoming: 0, levelVersion: 1 } },
});

describe('product aggregate', () => {
  it('creates version 1 with a ProductCreated event whose id names the SKU and version', () => {
    const { product, events, expectedVersion } = createProduct(input, undefined, ctx);

    expect(product).toMatchObject({ version: 1, status: 'active', updatedBy: ctx.actor, createdAt: ctx.now });
    expect(expectedVersion).toBeUndefined();
    expect(events.map((e) => [e.type, e.id])).toEqual([['ProductCreated', 'TEE-1:v1']]);
    expect(events[0]!.data).toMatchObject({ sku: 'TEE-1', reorderPoint: 5, version: 1 });
    expect(product.outbox).toEqual(events);
  });

  it('refuses to create a SKU that is active, and continues the versions of an archived one', () => {
    const archived = archiveProduct(created(), ctx).product;

    expect(() => createProduct(input, created(), ctx)).toThrow(ConflictError);
    expect(createProduct(input, archived, ctx)).toMatchObject({
      product: { version: 3 },
      expectedVersion: 2,
    });
  });

  it('refuses a cost in another currency than the price, naming cost.currency', () => {
    const error = (() => {
      try {
        createProduct({ ...input, cost: { amount: 1, currency: 'EUR' } }, undefined, ctx);
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors[0]?.field).toBe('cost.currency');
  });

  it('bumps the version once per real change and emits nothing for a patch that changes nothing', () => {
    const changed = updateProduct(created(), { name: 'Better tee' }, ctx);
    const unchanged = updateProduct(changed.product, { name: 'Better tee', category: 'shirts' }, ctx);

    expect(changed.product.version).toBe(2);
    expect(changed.events.map((e) => e.id)).toEqual(['TEE-1:v2']);
    expect(unchanged.events).toEqual([]);
    expect(unchanged.product.version).toBe(2);
  });

  it('applies If-Match only to the current version and never changes the SKU', () => {
    expect(() => updateProduct(created(), { name: 'x' }, { ...ctx, ifMatch: 7 })).toThrow(
      PreconditionFailedError,
    );
    expect(() => updateProduct(created(), { sku: 'TEE-2', name: 'x' }, ctx)).toThrow(ValidationError);
    expect(updateProduct(created(), { sku: 'TEE-1', name: 'x' }, { ...ctx, ifMatch: 1 }).product.name).toBe(
      'x',
    );
  });

  it('archives only without stock on hand or reserved, once', () => {
    expect(() => archiveProduct(withStock(created(), 2), ctx)).toThrow(ConflictError);
    expect(() => archiveProduct(withStock(created(), 0, 1), ctx)).toThrow(ConflictError);

    const archived = archiveProduct(withStock(created(), 0), ctx);
    const again = archiveProduct(archived.product, ctx);

    expect(archived.events.map((e) => [e.type, e.data])).toEqual([
      ['ProductDeleted', { sku: 'TEE-1', version: 2 }],
    ]);
    expect(again.events).toEqual([]);
  });

  it('keeps only the latest envelopes in the outbox', () => {
    let product = created();
    for (let i = 0; i < OUTBOX_KEEP + 3; i++)
      product = updateProduct(product, { reorderPoint: i + 100 }, ctx).product;

    expect(product.outbox).toHaveLength(OUTBOX_KEEP);
    expect(product.outbox.at(-1)?.id).toBe(`TEE-1:v${product.version}`);
  });

  it('adds an image once', () => {
    const once = addImage(created(), 'products/TEE-1/a.png', ctx);
    const twice = addImage(once.product, 'products/TEE-1/a.png', ctx);

    expect(once.product.imageKeys).toEqual(['products/TEE-1/a.png']);
    expect(twice.events).toEqual([]);
  });
});

describe('stock projection', () => {
  const level = (locationId: string, levelVersion: number, onHand: number) => ({
    sku: 'TEE-1',
    locationId,
    movementId: 'm',
    kind: 'adjust' as const,
    levelVersion,
    quantities: { onHand, reserved: 1, incoming: 2, safetyStock: 0, available: onHand - 1 },
  });

  it('takes a newer level version and ignores an older or repeated one', () => {
    const v2 = applyStockLevel({}, level('main', 2, 8))!;

    expect(applyStockLevel(v2, level('main', 1, 3))).toBeUndefined();
    expect(applyStockLevel(v2, level('main', 2, 8))).toBeUndefined();
    expect(applyStockLevel(v2, level('main', 3, 5))?.main?.onHand).toBe(5);
  });

  it('sums every location into the totals the API shows', () => {
    const byLocation = applyStockLevel(applyStockLevel({}, level('main', 1, 8))!, level('east', 1, 4))!;

    expect(stockTotals(byLocation)).toEqual({ onHand: 12, reserved: 2, available: 10, incoming: 4 });
    expect(toProduct({ ...created(), stockByLocation: byLocation }).stock.onHand).toBe(12);
  });
});
