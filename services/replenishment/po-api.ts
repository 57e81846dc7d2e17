import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import {
  type ApiEnv,
  actorOf,
  createApi,
  idempotencyHeaders,
  idempotencyKey,
  jsonBody,
  jsonResponse,
  optionalJsonBody,
  problemResponses,
} from '../../lib/http.ts';
import { parseOrThrow } from '../../lib/parse.ts';
import {
  callbackResultSchema,
  createPurchaseOrderBodySchema,
  decisionBodySchema,
  listPurchaseOrdersQuerySchema,
  purchaseOrderDetailSchema,
  purchaseOrderIdSchema,
  purchaseOrderPageSchema,
  purchaseOrderSchema,
  receiptBodySchema,
  supplierCallbackSchema,
  supplierIdSchema,
  WEBHOOK_HEADERS,
  WEBHOOK_TOLERANCE_SECONDS,
} from './contract.ts';
import type { PurchaseOrders } from './domain/purchase-orders.ts';

const TAG = 'Purchase orders';
const CALLBACK_TAG = 'Supplier callbacks';
const BASE = '/api/v1/purchase-orders';

const postHeaders = idempotencyHeaders();
const idParams = z.object({ id: purchaseOrderIdSchema });

const listRoute = createRoute({
  method: 'get',
  path: BASE,
  tags: [TAG],
  summary: 'List purchase orders, newest first',
  description:
    '`status`, `supplierId` and `sku` filter. Pages are cursor-based: pass `nextCursor` back as `cursor`; a page may hold fewer than `limit` items and still have a `nextCursor`.',
  request: { query: listPurchaseOrdersQuerySchema },
  responses: {
    200: jsonResponse(purchaseOrderPageSchema, 'One page of purchase orders'),
    ...problemResponses,
  },
});

const createPoRoute = createRoute({
  method: 'post',
  path: BASE,
  tags: [TAG],
  summary: 'Create a purchase order by hand',
  description:
    "Priced from the supplier's items (price breaks included); every SKU needs an item of that supplier (422 naming the line), the supplier must be active. A SKU already on an open PO with that supplier at that location is a 409 naming it. Needs no approval (a manager made it); it is sent at once.",
  request: { headers: postHeaders, body: jsonBody(createPurchaseOrderBodySchema, 'The lines to order') },
  responses: { 201: jsonResponse(purchaseOrderSchema, 'Created; `Location` names it'), ...problemResponses },
});

const getRoute = createRoute({
  method: 'get',
  path: `${BASE}/{id}`,
  tags: [TAG],
  summary: 'A purchase order: lines, status history, receipts, and its saga’s step timeline',
  request: { params: idParams },
  responses: { 200: jsonResponse(purchaseOrderDetailSchema, 'The purchase order'), ...problemResponses },
});

const decisionRoute = (action: 'approve' | 'reject' | 'cancel', summary: string, description: string) =>
  createRoute({
    method: 'post',
    path: `${BASE}/{id}/${action}`,
    tags: [TAG],
    summary,
    description,
    request: { params: idParams, body: optionalJsonBody(decisionBodySchema, 'An optional note') },
    responses: {
      200: jsonResponse(purchaseOrderSchema, 'The purchase order as it stands'),
      ...problemResponses,
    },
  });

const approveRoute = decisionRoute(
  'approve',
  'Approve a purchase order awaiting approval',
  'It is sent to the supplier at once. Approving again changes nothing.',
);
const rejectRoute = decisionRoute(
  'reject',
  'Reject a purchase order awaiting approval',
  'It ends REJECTED and is never sent; the SKU may be ordered again.',
);
const cancelRoute = decisionRoute(
  'cancel',
  'Cancel a purchase order',
  'Any time before it is RECEIVED. What was expected and has not arrived is taken off the incoming stock.',
);

const receiptRoute = createRoute({
  method: 'post',
  path: `${BASE}/{id}/receipts`,
  tags: [TAG],
  summary: 'Record goods received against a purchase order',
  description:
    "The PO must be SENT, ACKNOWLEDGED or PARTIALLY_RECEIVED. More than ordered is a 422 naming the lines unless `confirmOverReceipt`. A short delivery keeps the PO open, or closes it when the supplier's backorder policy is close_short (`closeShort` overrides). The stock ledger books it shortly after (`applied`). Send an `Idempotency-Key`: the same key books once.",
  request: { params: idParams, headers: postHeaders, body: jsonBody(receiptBodySchema, 'What arrived') },
  responses: {
    201: jsonResponse(purchaseOrderSchema, 'The purchase order with the receipt'),
    ...problemResponses,
  },
});

const callbackParams = z.object({ supplierId: supplierIdSchema });
const callbackRoute = createRoute({
  method: 'post',
  path: '/api/v1/supplier-callbacks/{supplierId}',
  tags: [CALLBACK_TAG],
  summary: "A supplier's answer to a purchase order: acknowledged, shipped or rejected",
  description: `Public (no bearer token): signed per Standard Webhooks with the supplier's secret (headers \`${WEBHOOK_HEADERS.id}\`, \`${WEBHOOK_HEADERS.timestamp}\`, \`${WEBHOOK_HEADERS.signature}\`; the timestamp within ${WEBHOOK_TOLERANCE_SECONDS / 60} minutes). A signature that does not verify, or a purchase order the supplier does not have, is a 401 that changes nothing; a \`${WEBHOOK_HEADERS.id}\` seen before answers 200 with \`duplicate: true\`.`,
  request: {
    params: callbackParams,
    headers: z.object({
      [WEBHOOK_HEADERS.id]: z.string().meta({ description: 'Unique per message; a repeat is a duplicate' }),
      [WEBHOOK_HEADERS.timestamp]: z.string().meta({ description: 'Unix seconds' }),
      [WEBHOOK_HEADERS.signature]: z
        .string()
        .meta({ description: '`v1,<base64 HMAC-SHA256 of id.timestamp.body>`' }),
    }),
    body: jsonBody(supplierCallbackSchema, 'The answer, signed'),
  },
  responses: { 200: jsonResponse(callbackResultSchema, 'Recorded (or a duplicate)'), ...problemResponses },
});

const ctxOf = (c: Context<ApiEnv>) => ({ actor: actorOf(c), correlationId: c.get('requestId') });

/** The purchase-order routes and the suppliers' callback route. */
export function createPurchaseOrderApi(orders: () => PurchaseOrders): OpenAPIHono<ApiEnv> {
  const app = createApi('replenishment');
  app.openapi(listRoute, async (c) => c.json(await orders().list(c.req.valid('query')), 200));
  app.openapi(createPoRoute, async (c) => {
    const { purchaseOrder } = await orders().create(c.req.valid('json'), {
      ...ctxOf(c),
      idempotencyKey: idempotencyKey(c),
    });
    c.header('Location', `${BASE}/${purchaseOrder.id}`);
    return c.json(purchaseOrder, 201);
  });
  app.openapi(getRoute, async (c) => c.json(await orders().get(c.req.valid('param').id), 200));
  for (const [route, decide] of [
    [approveRoute, 'approve'],
    [rejectRoute, 'reject'],
    [cancelRoute, 'cancel'],
  ] as const) {
    app.openapi(route, async (c) => {
      const note = c.req.valid('json')?.note;
      return c.json(await orders()[decide](c.req.valid('param').id, note, ctxOf(c)), 200);
    });
  }
  app.openapi(receiptRoute, async (c) => {
    const po = await orders().receive(c.req.valid('param').id, c.req.valid('json'), {
      ...ctxOf(c),
      idempotencyKey: idempotencyKey(c),
    });
    return c.json(po, 201);
  });
  // Documented with its body, but not validated by the route: the signature covers the exact bytes,
  // so the raw text is verified first and parsed only then (nothing is said to an unsigned caller).
  app.openAPIRegistry.registerPath(callbackRoute);
  app.post('/api/v1/supplier-callbacks/:supplierId', async (c) => {
    const { supplierId } = parseOrThrow(callbackParams, c.req.param());
    const raw = await c.req.text();
    const result = await orders().callback(supplierId, raw, {
      [WEBHOOK_HEADERS.id]: c.req.header(WEBHOOK_HEADERS.id),
      [WEBHOOK_HEADERS.timestamp]: c.req.header(WEBHOOK_HEADERS.timestamp),
      [WEBHOOK_HEADERS.signature]: c.req.header(WEBHOOK_HEADERS.signature),
    });
    return c.json(result, 200);
  });
  return app;
}
