import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { type ApiEnv, createApi, jsonResponse, problemResponses } from '../../lib/http.ts';
import { listOrdersQuerySchema, orderDetailSchema, orderIdSchema, orderPageSchema } from './contract.ts';
import type { Orders } from './domain/orders.ts';
import { defaultOrders } from './wiring.ts';

const TAG = 'Orders';
const BASE = '/api/v1/orders';

const listOrdersRoute = createRoute({
  method: 'get',
  path: BASE,
  tags: [TAG],
  summary: 'List orders, newest placement first',
  description:
    'Orders received from the order platform. `status` filters; pages are cursor-based: pass `nextCursor` back as `cursor`.',
  request: { query: listOrdersQuerySchema },
  responses: { 200: jsonResponse(orderPageSchema, 'One page of orders'), ...problemResponses },
});

const getOrderRoute = createRoute({
  method: 'get',
  path: `${BASE}/{orderId}`,
  tags: [TAG],
  summary: 'An order: lines, status and its history, shortfalls, and the saga’s step timeline',
  request: { params: z.object({ orderId: orderIdSchema }) },
  responses: { 200: jsonResponse(orderDetailSchema, 'The order'), ...problemResponses },
});

/** The orders HTTP API (read-only: orders arrive from the platform on SQS). */
export function createOrdersApi(orders: () => Orders = defaultOrders): OpenAPIHono<ApiEnv> {
  const app = createApi('orders');
  app.openapi(listOrdersRoute, async (c) => c.json(await orders().list(c.req.valid('query')), 200));
  app.openapi(getOrderRoute, async (c) => c.json(await orders().get(c.req.valid('param').orderId), 200));
  return app;
}
