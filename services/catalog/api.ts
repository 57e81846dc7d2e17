import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { requireEnv } from '../../lib/aws.ts';
import {
  type ApiEnv,
  actorOf,
  createApi,
  idempotencyKey,
  jsonBody,
  jsonResponse,
  problemResponses,
} from '../../lib/http.ts';
import { tableEnvVar } from '../../lib/topology.ts';
import {
  confirmImageSchema,
  createProductSchema,
  imageUploadRequestSchema,
  imageUploadSchema,
  listProductsQuerySchema,
  type Product,
  productPageSchema,
  productSchema,
  skuSchema,
  updateProductSchema,
} from './contract.ts';
import { Catalog } from './domain/catalog.ts';
import { idempotentResponses } from './idempotency.ts';
import { S3ImageStore } from './images.ts';
import { DynamoProductStore } from './store.ts';

const TAG = 'Products';
const BASE = '/api/v1/products';

// Documented here; checked by lib/http.ts `idempotencyKey` (so every service names it the same way).
const idempotencyHeader = z.string().optional().meta({
  description:
    'Makes the POST safe to retry: same key and body → same response, done once. 1-128 of [A-Za-z0-9._:-]',
});
const postHeaders = z.object({ 'idempotency-key': idempotencyHeader });
const skuParams = z.object({ sku: skuSchema });
const imageParams = z.object({
  sku: skuSchema,
  imageId: z
    .string()
    .regex(/^[0-9A-Z]{26}\.(png|jpg|webp)$/, 'imageId: the last segment of an image key')
    .meta({ example: '01JD7S3Y2ZK8Q9W4V6B1N3M5P7.png' }),
});

const createProductRoute = createRoute({
  method: 'post',
  path: BASE,
  tags: [TAG],
  summary: 'Create a product',
  description:
    'The SKU is unique: creating an existing active SKU is a 409. An archived SKU can be created again.',
  request: { headers: postHeaders, body: jsonBody(createProductSchema, 'The new product') },
  responses: { 201: jsonResponse(productSchema, 'Created; `Location` names it'), ...problemResponses },
});

const listProductsRoute = createRoute({
  method: 'get',
  path: BASE,
  tags: [TAG],
  summary: 'List products',
  description:
    'Active products by default. `category` lists one category in name order; `search` matches name or SKU, ' +
    'case-insensitively. Pages are cursor-based: pass `nextCursor` back as `cursor`. A page may hold fewer ' +
    'than `limit` items and still have a `nextCursor`.',
  request: { query: listProductsQuerySchema },
  responses: { 200: jsonResponse(productPageSchema, 'One page of products'), ...problemResponses },
});

const getProductRoute = createRoute({
  method: 'get',
  path: `${BASE}/{sku}`,
  tags: [TAG],
  summary: 'Get a product (archived ones too), with its stock totals',
  request: { params: skuParams },
  responses: { 200: jsonResponse(productSchema, 'The product; `ETag` is its version'), ...problemResponses },
});

const updateProductRoute = createRoute({
  method: 'patch',
  path: `${BASE}/{sku}`,
  tags: [TAG],
  summary: 'Change some fields of a product',
  description:
    'Send only the fields to change. With `If-Match: "<version>"` the change applies only to that version (412 otherwise).',
  request: {
    params: skuParams,
    headers: z.object({
      'if-match': z
        .string()
        .regex(/^(W\/)?"?\d+"?$/, 'If-Match: a product version, e.g. "3"')
        .optional()
        .meta({ description: 'The version (ETag) you last read' }),
    }),
    body: jsonBody(updateProductSchema, 'The fields to change'),
  },
  responses: {
    200: jsonResponse(productSchema, 'The updated product'),
    ...problemResponses,
    412: { ...problemResponses[409], description: 'The product is no longer at the If-Match version' },
  },
});

const deleteProductRoute = createRoute({
  method: 'delete',
  path: `${BASE}/{sku}`,
  tags: [TAG],
  summary: 'Delete (archive) a product',
  description:
    'Archives the product (it leaves the default listing; GET still shows it). Refused with 409 while stock is on ' +
    'hand or reserved. The stock figures come from stock events, so the check is eventually consistent: a ' +
    'movement of the last moments may not be seen yet.',
  request: { params: skuParams },
  responses: { 200: jsonResponse(productSchema, 'The archived product'), ...problemResponses },
});

const requestImageUploadRoute = createRoute({
  method: 'post',
  path: `${BASE}/{sku}/images`,
  tags: [TAG],
  summary: 'Get a presigned URL to upload a product image',
  description: 'PUT the file to `uploadUrl` (10 minutes) with the same Content-Type, then confirm the `key`.',
  request: {
    params: skuParams,
    headers: postHeaders,
    body: jsonBody(imageUploadRequestSchema, 'The image to upload'),
  },
  responses: { 201: jsonResponse(imageUploadSchema, 'Where to upload'), ...problemResponses },
});

const confirmImageRoute = createRoute({
  method: 'post',
  path: `${BASE}/{sku}/images/confirm`,
  tags: [TAG],
  summary: 'Add an uploaded image to the product',
  request: {
    params: skuParams,
    headers: postHeaders,
    body: jsonBody(confirmImageSchema, 'The uploaded key'),
  },
  responses: { 200: jsonResponse(productSchema, 'The product with the image'), ...problemResponses },
});

const getImageRoute = createRoute({
  method: 'get',
  path: `${BASE}/{sku}/images/{imageId}`,
  tags: [TAG],
  summary: 'Redirect to a short-lived URL of a product image',
  request: { params: imageParams },
  responses: { 302: { description: 'Redirect to a presigned GET URL (5 minutes)' }, ...problemResponses },
});

const productHeaders = (product: Product): Record<string, string> => ({ etag: `"${product.version}"` });

/** Wiring, made on first use: Lambda reads its environment at cold start, tests after provisioning. */
function defaultCatalog(): () => Catalog {
  let catalog: Catalog | undefined;
  return () => {
    catalog ??= new Catalog(new DynamoProductStore(), new S3ImageStore());
    return catalog;
  };
}

/** The catalog's HTTP routes, under /api/v1/products. */
export function createCatalogApi(catalog: () => Catalog = defaultCatalog()): OpenAPIHono<ApiEnv> {
  const app = createApi('catalog');
  const idempotent = idempotentResponses(() => requireEnv(tableEnvVar('catalog')));
  const context = (c: Context<ApiEnv>) => ({ actor: actorOf(c), correlationId: c.get('requestId') });

  app.openapi(createProductRoute, async (c) => {
    const body = c.req.valid('json');
    const stored = await idempotent(idempotencyKey(c), 'create-product', body, async () => {
      const product = await catalog().create(body, context(c));
      return {
        status: 201,
        body: product,
        headers: { location: `${BASE}/${product.sku}`, ...productHeaders(product) },
      };
    });
    return c.json(stored.body, 201, stored.headers);
  });

  app.openapi(listProductsRoute, async (c) => c.json(await catalog().list(c.req.valid('query')), 200));

  app.openapi(getProductRoute, async (c) => {
    const product = await catalog().get(c.req.valid('param').sku);
    return c.json(product, 200, productHeaders(product));
  });

  app.openapi(updateProductRoute, async (c) => {
    const { sku } = c.req.valid('param');
    const ifMatch = c.req.valid('header')['if-match'];
    const product = await catalog().update(sku, c.req.valid('json'), {
      ...context(c),
      ...(ifMatch ? { ifMatch: Number(ifMatch.replace(/\D/g, '')) } : {}),
    });
    return c.json(product, 200, productHeaders(product));
  });

  app.openapi(deleteProductRoute, async (c) => {
    const product = await catalog().archive(c.req.valid('param').sku, context(c));
    return c.json(product, 200, productHeaders(product));
  });

  app.openapi(requestImageUploadRoute, async (c) => {
    const { sku } = c.req.valid('param');
    const body = c.req.valid('json');
    const stored = await idempotent(idempotencyKey(c), 'request-image-upload', { sku, body }, async () => ({
      status: 201,
      body: await catalog().requestImageUpload(sku, body),
    }));
    return c.json(stored.body, 201);
  });

  app.openapi(confirmImageRoute, async (c) => {
    const { sku } = c.req.valid('param');
    const { key } = c.req.valid('json');
    const stored = await idempotent(idempotencyKey(c), 'confirm-image', { sku, key }, async () => {
      const product = await catalog().confirmImage(sku, key, context(c));
      return { status: 200, body: product, headers: productHeaders(product) };
    });
    return c.json(stored.body, 200, stored.headers);
  });

  app.openapi(getImageRoute, async (c) => {
    const { sku, imageId } = c.req.valid('param');
    return c.redirect(await catalog().imageUrl(sku, imageId), 302);
  });

  return app;
}
