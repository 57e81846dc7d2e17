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

// ---------------------------------------------------------------------------------------------
// HTTP API bodies (/api/v1/products). Validated at the boundary; named for the OpenAPI document.
// ---------------------------------------------------------------------------------------------

export const productStatusSchema = z.enum(['active', 'archived']).meta({ id: 'ProductStatus' });

export const attributesSchema = z
  .record(z.string().min(1).max(64), z.union([z.string().max(500), z.number(), z.boolean()]))
  .refine((a) => Object.keys(a).length <= 50, 'at most 50 attributes')
  .meta({ id: 'ProductAttributes', description: 'Free-form attributes (colour, size, ...)' });

const productFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000),
  category: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[^#]+$/, 'category: must not contain #'),
  price: moneySchema,
  cost: moneySchema,
  reorderPoint: z.number().int().nonnegative().max(1_000_000_000),
  safetyStock: z.number().int().nonnegative().max(1_000_000_000),
  allowBackorder: z.boolean(),
  attributes: attributesSchema,
};

export const createProductSchema = z
  .strictObject({
    sku: skuSchema,
    name: productFields.name,
    description: productFields.description.default(''),
    category: productFields.category,
    price: productFields.price,
    cost: productFields.cost,
    reorderPoint: productFields.reorderPoint.default(0),
    safetyStock: productFields.safetyStock.default(0),
    allowBackorder: productFields.allowBackorder.default(false),
    attributes: productFields.attributes.default({}),
  })
  .meta({ id: 'CreateProduct' });
export type CreateProduct = z.infer<typeof createProductSchema>;

export const updateProductSchema = z
  .strictObject({
    sku: skuSchema
      .optional()
      .meta({ description: 'Immutable: if present it must equal the SKU in the path' }),
    name: productFields.name.optional(),
    description: productFields.description.optional(),
    category: productFields.category.optional(),
    price: productFields.price.optional(),
    cost: productFields.cost.optional(),
    reorderPoint: productFields.reorderPoint.optional(),
    safetyStock: productFields.safetyStock.optional(),
    allowBackorder: productFields.allowBackorder.optional(),
    attributes: productFields.attributes.optional(),
  })
  .refine((body) => Object.keys(body).some((k) => k !== 'sku'), 'at least one field to change')
  .meta({ id: 'UpdateProduct' });
export type UpdateProduct = z.infer<typeof updateProductSchema>;

/** Stock totals over every location, as last reported by the stock service (eventually consistent). */
export const stockTotalsSchema = z
  .object({
    onHand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int(),
    incoming: z.number().int(),
  })
  .meta({ id: 'StockTotals' });
export type StockTotals = z.infer<typeof stockTotalsSchema>;

export const productSchema = z
  .object({
    sku: skuSchema,
    name: z.string(),
    description: z.string(),
    category: z.string(),
    price: moneySchema,
    cost: moneySchema,
    reorderPoint: z.number().int(),
    safetyStock: z.number().int(),
    allowBackorder: z.boolean(),
    attributes: attributesSchema,
    imageKeys: z.array(z.string()).meta({ description: 'S3 keys of confirmed images' }),
    status: productStatusSchema,
    version: z.number().int().positive(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    updatedBy: z.string(),
    stock: stockTotalsSchema,
  })
  .meta({ id: 'Product' });
export type Product = z.infer<typeof productSchema>;

export const productPageSchema = z
  .object({
    items: z.array(productSchema),
    nextCursor: z.string().optional().meta({ description: 'Pass as `cursor` to get the next page' }),
  })
  .meta({ id: 'ProductPage' });

export const listProductsQuerySchema = z.object({
  search: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .meta({ description: 'Case-insensitive, in name or SKU' }),
  category: productFields.category.optional(),
  status: z.enum(['active', 'archived', 'all']).default('active'),
  cursor: z.string().max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type ListProductsQuery = z.infer<typeof listProductsQuerySchema>;

export const IMAGE_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;

export const imageUploadRequestSchema = z
  .strictObject({
    contentType: z.enum(IMAGE_CONTENT_TYPES),
    fileName: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^/\\]+$/, 'fileName: no path separators'),
  })
  .meta({ id: 'ImageUploadRequest' });

export const imageUploadSchema = z
  .object({
    uploadUrl: z
      .url()
      .meta({ description: 'Presigned PUT URL, valid 10 minutes; send the same Content-Type' }),
    key: z.string().meta({ description: 'S3 key of the image; confirm it once uploaded' }),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'ImageUpload' });

export const confirmImageSchema = z
  .strictObject({ key: z.string().min(1).max(300) })
  .meta({ id: 'ConfirmImage' });
