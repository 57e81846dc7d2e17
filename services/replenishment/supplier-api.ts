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
  problemResponses,
} from '../../lib/http.ts';
import { skuSchema } from '../catalog/contract.ts';
import { DEFAULT_LOCATION, locationIdSchema } from '../stock/contract.ts';
import {
  createSupplierBodySchema,
  listReorderRulesQuerySchema,
  reorderRuleBodySchema,
  reorderRulePageSchema,
  reorderRuleSchema,
  rotatedSecretSchema,
  supplierIdSchema,
  supplierItemBodySchema,
  supplierItemPageSchema,
  supplierItemSchema,
  supplierPageSchema,
  supplierSchema,
  supplierWithSecretSchema,
  updateSupplierBodySchema,
} from './contract.ts';
import type { ReorderPlanner } from './domain/planner.ts';
import type { Suppliers } from './domain/suppliers.ts';
import { defaultPlanner, defaultSuppliers } from './wiring.ts';

const SUPPLIERS_TAG = 'Suppliers';
const RULES_TAG = 'Reorder rules';
const SUPPLIERS = '/api/v1/suppliers';
const RULES = '/api/v1/reorder-rules';

const postHeaders = idempotencyHeaders(
  'Makes the POST safe to retry: the same key (and body) within 24 h answers the first result again, done once. 1-128 of [A-Za-z0-9._:-]',
);
const supplierParams = z.object({ id: supplierIdSchema });
const itemParams = z.object({ id: supplierIdSchema, sku: skuSchema });
const ruleParams = z.object({ sku: skuSchema });
const noContent = { description: 'Done (also when there was nothing to delete)' };

const listSuppliersRoute = createRoute({
  method: 'get',
  path: SUPPLIERS,
  tags: [SUPPLIERS_TAG],
  summary: 'List suppliers, by id',
  responses: { 200: jsonResponse(supplierPageSchema, 'Every supplier'), ...problemResponses },
});

const createSupplierRoute = createRoute({
  method: 'post',
  path: SUPPLIERS,
  tags: [SUPPLIERS_TAG],
  summary: 'Create a supplier, and its webhook signing secret',
  description:
    'The answer carries the Standard Webhooks signing secret (`whsec_…`): store it, it is never shown again ' +
    '(GET does not return it; rotate-secret makes a new one). An existing id is a 409. The same request again with ' +
    'the same `Idempotency-Key` within 24 h (and before any rotation) answers the first 201 again, secret included.',
  request: { headers: postHeaders, body: jsonBody(createSupplierBodySchema, 'The new supplier') },
  responses: {
    201: jsonResponse(supplierWithSecretSchema, 'Created, with its secret (this once); `Location` names it'),
    ...problemResponses,
  },
});

const getSupplierRoute = createRoute({
  method: 'get',
  path: `${SUPPLIERS}/{id}`,
  tags: [SUPPLIERS_TAG],
  summary: 'A supplier, with its performance (observed against promised lead time, on-time rate)',
  request: { params: supplierParams },
  responses: { 200: jsonResponse(supplierSchema, 'The supplier (never its secret)'), ...problemResponses },
});

const updateSupplierRoute = createRoute({
  method: 'patch',
  path: `${SUPPLIERS}/{id}`,
  tags: [SUPPLIERS_TAG],
  summary: 'Change some fields of a supplier',
  description:
    'Send only the fields to change. Setting `webhookUrl` (even to the same URL) enables a webhook that was ' +
    'disabled because it answered 410 Gone.',
  request: { params: supplierParams, body: jsonBody(updateSupplierBodySchema, 'The fields to change') },
  responses: { 200: jsonResponse(supplierSchema, 'The updated supplier'), ...problemResponses },
});

const rotateSecretRoute = createRoute({
  method: 'post',
  path: `${SUPPLIERS}/{id}/rotate-secret`,
  tags: [SUPPLIERS_TAG],
  summary: "Replace a supplier's signing secret",
  description:
    'Purchase orders are signed with the new secret from now on; callbacks signed with the previous one keep ' +
    'verifying until `previousValidUntil` (24 h). A rotation racing another is a 409. With an `Idempotency-Key`, ' +
    'a retry answers the same new secret.',
  request: { params: supplierParams, headers: postHeaders },
  responses: {
    200: jsonResponse(rotatedSecretSchema, 'The new secret (shown this once)'),
    ...problemResponses,
  },
});

const listItemsRoute = createRoute({
  method: 'get',
  path: `${SUPPLIERS}/{id}/items`,
  tags: [SUPPLIERS_TAG],
  summary: "A supplier's items (what it sells us, at what cost), with performance per SKU",
  request: { params: supplierParams },
  responses: { 200: jsonResponse(supplierItemPageSchema, 'Every item of the supplier'), ...problemResponses },
});

const putItemRoute = createRoute({
  method: 'put',
  path: `${SUPPLIERS}/{id}/items/{sku}`,
  tags: [SUPPLIERS_TAG],
  summary: 'Create or replace what a supplier sells for a SKU',
  request: { params: itemParams, body: jsonBody(supplierItemBodySchema, 'The item') },
  responses: {
    200: jsonResponse(supplierItemSchema, 'Replaced'),
    201: jsonResponse(supplierItemSchema, 'Created'),
    ...problemResponses,
  },
});

const deleteItemRoute = createRoute({
  method: 'delete',
  path: `${SUPPLIERS}/{id}/items/{sku}`,
  tags: [SUPPLIERS_TAG],
  summary: 'Stop buying a SKU from a supplier',
  description: 'Reorder rules naming this supplier for the SKU then use their fallback supplier, if any.',
  request: { params: itemParams },
  responses: { 204: noContent, ...problemResponses },
});

const listRulesRoute = createRoute({
  method: 'get',
  path: RULES,
  tags: [RULES_TAG],
  summary: 'List reorder rules, with what each sees now',
  description:
    '`position` is what the rule sees now: `available`, `onOrder` (open PO quantity expected within the lead ' +
    'time: counted as cover), `onOrderLater` (expected after it: not counted) and `suggestedQuantity` (what a PO ' +
    'raised now would order). Pages are cursor-based: pass `nextCursor` back as `cursor`.',
  request: { query: listReorderRulesQuerySchema },
  responses: { 200: jsonResponse(reorderRulePageSchema, 'One page of rules'), ...problemResponses },
});

const putRuleRoute = createRoute({
  method: 'put',
  path: `${RULES}/{sku}`,
  tags: [RULES_TAG],
  summary: 'Create or replace the reorder rule of a SKU at a location',
  description:
    'The suppliers must exist and have an item for the SKU (422 naming the field otherwise); `approvalThreshold` ' +
    "is in the preferred supplier's currency. The rule is evaluated at once: if cover is already at or below " +
    '`min`, a PO is raised now.',
  request: { params: ruleParams, body: jsonBody(reorderRuleBodySchema, 'The rule') },
  responses: {
    200: jsonResponse(reorderRuleSchema, 'Replaced'),
    201: jsonResponse(reorderRuleSchema, 'Created'),
    ...problemResponses,
  },
});

const deleteRuleRoute = createRoute({
  method: 'delete',
  path: `${RULES}/{sku}`,
  tags: [RULES_TAG],
  summary: 'Delete the reorder rule of a SKU at a location',
  description: 'Open purchase orders it raised stay as they are.',
  request: {
    params: ruleParams,
    query: z.object({ locationId: locationIdSchema.optional().meta({ description: 'Default `main`' }) }),
  },
  responses: { 204: noContent, ...problemResponses },
});

/**
 * The suppliers' half of the replenishment HTTP API: suppliers, their items and secrets, and the
 * reorder rules (composed with the purchase orders' routes in handlers/api.ts).
 */
export function createSupplierApi(
  suppliers: () => Suppliers = defaultSuppliers,
  planner: () => ReorderPlanner = defaultPlanner,
): OpenAPIHono<ApiEnv> {
  const app = createApi('replenishment');
  const context = (c: Context<ApiEnv>) => {
    const key = idempotencyKey(c);
    return { actor: actorOf(c), ...(key !== undefined ? { idempotencyKey: key } : {}) };
  };

  app.openapi(listSuppliersRoute, async (c) => c.json(await suppliers().list(), 200));

  app.openapi(createSupplierRoute, async (c) => {
    const { supplier, secret } = await suppliers().create(c.req.valid('json'), context(c));
    return c.json({ ...supplier, secret }, 201, { location: `${SUPPLIERS}/${supplier.id}` });
  });

  app.openapi(getSupplierRoute, async (c) => c.json(await suppliers().get(c.req.valid('param').id), 200));

  app.openapi(updateSupplierRoute, async (c) =>
    c.json(await suppliers().update(c.req.valid('param').id, c.req.valid('json'), context(c)), 200),
  );

  app.openapi(rotateSecretRoute, async (c) =>
    c.json(await suppliers().rotateSecret(c.req.valid('param').id, context(c)), 200),
  );

  app.openapi(listItemsRoute, async (c) => c.json(await suppliers().listItems(c.req.valid('param').id), 200));

  app.openapi(putItemRoute, async (c) => {
    const { id, sku } = c.req.valid('param');
    const { item, created } = await suppliers().putItem(id, sku, c.req.valid('json'));
    return created ? c.json(item, 201) : c.json(item, 200);
  });

  app.openapi(deleteItemRoute, async (c) => {
    const { id, sku } = c.req.valid('param');
    await suppliers().deleteItem(id, sku);
    return c.body(null, 204);
  });

  app.openapi(listRulesRoute, async (c) => c.json(await planner().listRules(c.req.valid('query')), 200));

  app.openapi(putRuleRoute, async (c) => {
    const { sku } = c.req.valid('param');
    const body = c.req.valid('json');
    const { rule, created } = await planner().putRule(
      sku,
      { ...body, locationId: body.locationId ?? DEFAULT_LOCATION },
      { correlationId: c.get('requestId') },
    );
    return created ? c.json(rule, 201) : c.json(rule, 200);
  });

  app.openapi(deleteRuleRoute, async (c) => {
    const { sku } = c.req.valid('param');
    await planner().deleteRule(sku, c.req.valid('query').locationId ?? DEFAULT_LOCATION);
    return c.body(null, 204);
  });

  return app;
}
