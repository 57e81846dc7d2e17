import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import {
  type ApiEnv,
  actorOf,
  createApi,
  idempotencyKey,
  jsonBody,
  jsonResponse,
  problemResponses,
} from '../../lib/http.ts';
import { skuSchema } from '../catalog/contract.ts';
import {
  adjustmentBodySchema,
  countBodySchema,
  ledgerCheckSchema,
  locationIdSchema,
  locationSchema,
  locationThresholdsBodySchema,
  movementPageSchema,
  movementResultSchema,
  receiptBodySchema,
  stockViewSchema,
  transferBodySchema,
  transferResultSchema,
} from './contract.ts';
import type { OperationContext } from './domain/model.ts';
import type { StockLedger } from './domain/stock.ts';
import { defaultLedger } from './store.ts';

const TAG = 'Stock';
const BASE = '/api/v1/stock/{sku}';

const postHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\w.:-]{1,128}$/)
    .optional()
    .meta({
      description:
        'Makes the POST safe to retry: same key and body → the first response, applied once. A key is ' +
        "scoped to the caller and the route: another user's key, or the same key on another route, is " +
        'another request. Kept 35 days. Without a key, a retry by the client is a new request (the ' +
        "service's own retries are still applied once).",
    }),
});
const skuParams = z.object({ sku: skuSchema });
const movementsQuery = z
  .object({
    cursor: z.string().max(2048).optional().meta({ description: 'nextCursor of the previous page' }),
    limit: z.coerce.number().int().min(1).max(200).optional().meta({ description: 'Default 50' }),
  })
  .meta({ id: 'MovementsQuery' });
const locationListSchema = z.object({ items: z.array(locationSchema) }).meta({ id: 'LocationList' });

const getStockRoute = createRoute({
  method: 'get',
  path: BASE,
  tags: [TAG],
  summary: 'Stock of a SKU per location, with totals',
  description: '`shortfall` (per location and in total): units reserved beyond what a count found on hand.',
  request: { params: skuParams },
  responses: { 200: jsonResponse(stockViewSchema, 'Levels and totals'), ...problemResponses },
});

const adjustRoute = createRoute({
  method: 'post',
  path: `${BASE}/adjustments`,
  tags: [TAG],
  summary: 'Adjust onHand for a reason',
  description:
    'onHand may not go below what is reserved for open orders (409, naming `reserved`), nor negative ' +
    '(422), unless the product allows backorders. Stock that is really gone is recorded with a count, ' +
    'which shows the shortfall. Location defaults to `main`.',
  request: {
    params: skuParams,
    headers: postHeaders,
    body: jsonBody(adjustmentBodySchema, 'The adjustment'),
  },
  responses: {
    201: jsonResponse(movementResultSchema, 'The movement and the new level'),
    ...problemResponses,
    409: {
      ...problemResponses[409],
      description:
        'The adjustment would take onHand below what is reserved for open orders (`reserved`, `onHand`, ' +
        '`delta` in the body), or the Idempotency-Key was used for another request. Nothing changed.',
    },
  },
});

const countRoute = createRoute({
  method: 'post',
  path: `${BASE}/counts`,
  tags: [TAG],
  summary: 'Record a physical count',
  description:
    'onHand becomes the counted quantity through a `count` movement (reason `cycle_count`), even below ' +
    'what is reserved: the level then shows a `shortfall`, and a StockShortfall event names the held ' +
    'reservations at risk.',
  request: { params: skuParams, headers: postHeaders, body: jsonBody(countBodySchema, 'The count') },
  responses: {
    201: jsonResponse(movementResultSchema, 'The movement and the new level'),
    ...problemResponses,
  },
});

const receiveRoute = createRoute({
  method: 'post',
  path: `${BASE}/receipts`,
  tags: [TAG],
  summary: 'Receive goods',
  description: 'onHand += quantity; incoming goes down by what was expected (never below zero).',
  request: { params: skuParams, headers: postHeaders, body: jsonBody(receiptBodySchema, 'The receipt') },
  responses: {
    201: jsonResponse(movementResultSchema, 'The movement and the new level'),
    ...problemResponses,
  },
});

const transferRoute = createRoute({
  method: 'post',
  path: `${BASE}/transfers`,
  tags: [TAG],
  summary: 'Move stock between locations',
  description: 'Both levels change in one transaction. The source must have the quantity available (422).',
  request: { params: skuParams, headers: postHeaders, body: jsonBody(transferBodySchema, 'The transfer') },
  responses: { 201: jsonResponse(transferResultSchema, 'Both movements and levels'), ...problemResponses },
});

const movementsRoute = createRoute({
  method: 'get',
  path: `${BASE}/movements`,
  tags: [TAG],
  summary: 'The ledger of a SKU, newest first',
  request: { params: skuParams, query: movementsQuery },
  responses: { 200: jsonResponse(movementPageSchema, 'One page of movements'), ...problemResponses },
});

const ledgerCheckRoute = createRoute({
  method: 'get',
  path: `${BASE}/ledger-check`,
  tags: [TAG],
  summary: 'Replay the ledger of a SKU and compare it with the stored levels',
  request: { params: skuParams },
  responses: {
    200: jsonResponse(ledgerCheckSchema, 'consistent = the ledger gives the levels'),
    ...problemResponses,
  },
});

const thresholdsRoute = createRoute({
  method: 'put',
  path: `${BASE}/locations/{locationId}/thresholds`,
  tags: [TAG],
  summary: 'Set the reorder point and safety stock of a SKU at one location',
  description:
    "A number overrides the product's threshold at this location (a catalog change of the product " +
    "then keeps it); `null` goes back to the product's. The level is re-evaluated at once through a " +
    '`settings` movement (StockLevelChanged, and StockLow / OutOfStock when it crosses). The same body ' +
    'again changes nothing. A location without a level yet gets one, with zero quantities. Managers.',
  request: {
    params: skuParams.extend({ locationId: locationIdSchema }),
    headers: postHeaders,
    body: jsonBody(locationThresholdsBodySchema, 'The thresholds at this location'),
  },
  responses: { 200: jsonResponse(stockViewSchema, 'The stock of the SKU'), ...problemResponses },
});

const listLocationsRoute = createRoute({
  method: 'get',
  path: '/api/v1/locations',
  tags: ['Locations'],
  summary: 'List locations (`main` always exists)',
  responses: { 200: jsonResponse(locationListSchema, 'Every location'), ...problemResponses },
});

const createLocationRoute = createRoute({
  method: 'post',
  path: '/api/v1/locations',
  tags: ['Locations'],
  summary: 'Create a location',
  description: 'Creating an existing id with the same name returns it; with another name is a 409.',
  request: { headers: postHeaders, body: jsonBody(locationSchema, 'The location') },
  responses: { 201: jsonResponse(locationSchema, 'The location'), ...problemResponses },
});

/** Who calls, and their Idempotency-Key: the ledger scopes the key to the caller (`principal`) and the route. */
const contextOf = (c: Context<ApiEnv>): OperationContext => ({
  actor: actorOf(c),
  principal: c.get('caller')?.id,
  correlationId: c.get('requestId'),
  idempotencyKey: idempotencyKey(c),
});

/**
 * The stock HTTP API: levels, adjustments, counts, receipts, transfers, the ledger and locations.
 * Every POST honours `Idempotency-Key`; errors are problem+json (400 naming fields, 404, 409, 422).
 */
export function createStockApi(ledger: () => StockLedger = defaultLedger): OpenAPIHono<ApiEnv> {
  const app = createApi('stock');

  app.openapi(getStockRoute, async (c) => c.json(await ledger().getStock(c.req.valid('param').sku), 200));

  app.openapi(adjustRoute, async (c) => {
    const { sku } = c.req.valid('param');
    return c.json(await ledger().adjust({ sku, ...c.req.valid('json') }, contextOf(c)), 201);
  });

  app.openapi(countRoute, async (c) => {
    const { sku } = c.req.valid('param');
    return c.json(await ledger().count({ sku, ...c.req.valid('json') }, contextOf(c)), 201);
  });

  app.openapi(receiveRoute, async (c) => {
    const { sku } = c.req.valid('param');
    return c.json(await ledger().receive({ sku, ...c.req.valid('json') }, contextOf(c)), 201);
  });

  app.openapi(transferRoute, async (c) => {
    const { sku } = c.req.valid('param');
    return c.json(await ledger().transfer({ sku, ...c.req.valid('json') }, contextOf(c)), 201);
  });

  app.openapi(movementsRoute, async (c) => {
    const { sku } = c.req.valid('param');
    const { cursor, limit } = c.req.valid('query');
    return c.json(await ledger().listMovements(sku, { cursor, limit }), 200);
  });

  app.openapi(ledgerCheckRoute, async (c) =>
    c.json(await ledger().replayLedger(c.req.valid('param').sku), 200),
  );

  app.openapi(thresholdsRoute, async (c) => {
    const { sku, locationId } = c.req.valid('param');
    const body = c.req.valid('json');
    return c.json(await ledger().setLocationThresholds({ sku, locationId, ...body }, contextOf(c)), 200);
  });

  app.openapi(listLocationsRoute, async (c) => c.json({ items: await ledger().listLocations() }, 200));

  app.openapi(createLocationRoute, async (c) =>
    c.json(await ledger().createLocation(c.req.valid('json'), contextOf(c)), 201),
  );

  return app;
}
