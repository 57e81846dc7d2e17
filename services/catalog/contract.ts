import { z } from 'zod';
import { defineEvent } from '../../lib/events.ts';

/**
 * The catalog's public contract: what other services may know of products. Other services
 * import this file only, never the catalog's internals.
 */

export const skuSchema = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9._-]{0,63}$/, 'SKU: 1-64 upper-case letters, digits, . _ -')
  .meta({ description: 'Stock keeping unit, unique', example: 'TSHIRT-BLUE-M' });

export const moneySchema = z
  .object({
    amount: z.number().int().nonnegative().meta({ description: 'Integer minor units (cents)' }),
    currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. USD'),
  })
  .meta({ id: 'Money' });

/** What stock and reporting need to know about a product. */
export const productSnapshotSchema = z
  .object({
    sku: skuSchema,
    name: z.string(),
    category: z.string(),
    price: moneySchema,
    cost: moneySchema,
    reorderPoint: z.number().int().nonnegative(),
    safetyStock: z.number().int().nonnegative(),
    allowBackorder: z.boolean(),
    status: z.enum(['active', 'archived']),
    /** Increases by one on every change: consumers ignore snapshots older than what they hold. */
    version: z.number().int().positive(),
  })
  .meta({ id: 'ProductSnapshot' });
export type ProductSnapshot = z.infer<typeof productSnapshotSchema>;

export const ProductCreated = defineEvent('ProductCreated', 1, productSnapshotSchema);
export const ProductUpdated = defineEvent('ProductUpdated', 1, productSnapshotSchema);
export const ProductDeleted = defineEvent(
  'ProductDeleted',
  1,
  z.object({ sku: skuSchema, version: z.number().int().positive() }),
);

export const catalogEvents = [ProductCreated, ProductUpdated, ProductDeleted] as const;
