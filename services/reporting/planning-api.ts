import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { NotFoundError } from '../../lib/errors.ts';
import { type ApiEnv, createApi, jsonResponse, problemResponses } from '../../lib/http.ts';
import type { Sql } from '../../lib/sql.ts';
import { skuSchema } from '../catalog/contract.ts';
import {
  DEFAULT_LEAD_TIME_DAYS,
  Planning,
  reorderSuggestionSchema,
  reorderSuggestionsQuerySchema,
  reorderSuggestionsSchema,
} from './planning.ts';
import { Reports, toCsv } from './reports.ts';

const TAG = 'Forecasts';
const BASE = '/api/v1/reorder-suggestions';
const CSV = 'text/csv; charset=utf-8';

const how =
  'Per SKU with demand history: the demand forecast (as `GET /api/v1/forecasts/{sku}`), the lead time (the average of the SKU’s receipts; else its supplier’s average over all receipts; else ' +
  `${DEFAULT_LEAD_TIME_DAYS} days — \`leadTimeSource\` says which), and the reorder point that covers the lead time at the service level: ` +
  'demand over the lead time + z·σ·√L (z = Φ⁻¹(serviceLevel), σ the forecast’s one-day error), rounded up. ' +
  '`currentReorderPoint` is the catalog’s (the stock service’s low-stock threshold); accept a suggestion with `PATCH /api/v1/products/{sku}` `{ "reorderPoint": … }`. ' +
  'The replenishment service’s reorder rules (order quantities per supplier) are not visible to reporting (no event carries them) and are not compared. ' +
  '`daysOfCover`: how long the stock available now (all locations) lasts at the forecast demand.';

const listRoute = createRoute({
  method: 'get',
  path: BASE,
  tags: [TAG],
  summary: 'SKUs whose forecast-based reorder point differs from the current one',
  description: `${how} Filters: \`category\`, \`sku\`; \`serviceLevel\` 0.5–0.999 (default 0.95). Largest change first. \`?format=csv\` answers CSV (RFC 4180, formula-safe).`,
  request: { query: reorderSuggestionsQuerySchema },
  responses: {
    200: {
      description: 'The suggestions (JSON), or their rows as CSV',
      content: {
        'application/json': { schema: reorderSuggestionsSchema },
        'text/csv': { schema: z.string() },
      },
    },
    ...problemResponses,
  },
});

const oneRoute = createRoute({
  method: 'get',
  path: `${BASE}/{sku}`,
  tags: [TAG],
  summary: "One SKU's suggested reorder point (the product page), whether or not it differs",
  description: `${how} 404 when the SKU has no demand history (or is not in the catalog).`,
  request: {
    params: z.object({ sku: skuSchema }),
    query: reorderSuggestionsQuerySchema.pick({ serviceLevel: true }),
  },
  responses: {
    200: jsonResponse(reorderSuggestionSchema, "The SKU's suggestion"),
    ...problemResponses,
  },
});

const CSV_COLUMNS = [
  'sku',
  'name',
  'category',
  'currentReorderPoint',
  'suggestedReorderPoint',
  'difference',
  'demandOverLeadTime',
  'safetyStock',
  'leadTimeDays',
  'leadTimeSource',
  'supplierId',
  'available',
  'dailyDemand',
  'daysOfCover',
  'method',
];

/** Reorder suggestions from the forecasts (the product page and the planning view). */
export function createPlanningApi(sql: () => Sql): OpenAPIHono<ApiEnv> {
  const app = createApi('reporting');
  const planning = () => new Planning(sql());

  app.openapi(listRoute, async (c) => {
    const { format, ...q } = c.req.valid('query');
    const rows = await planning().suggestions(q);
    if (format === 'csv') {
      c.header(
        'Content-Disposition',
        `attachment; filename="reorder-suggestions-${new Date().toISOString().slice(0, 10)}.csv"`,
      );
      return c.body(toCsv(rows, CSV_COLUMNS), 200, { 'Content-Type': CSV }) as never;
    }
    return c.json(
      { serviceLevel: q.serviceLevel, rows, ...(await new Reports(sql()).freshness()) },
      200,
    ) as never;
  });

  app.openapi(oneRoute, async (c) => {
    const { sku } = c.req.valid('param');
    const { serviceLevel } = c.req.valid('query');
    const suggestion = await planning().suggestion1(sku, serviceLevel);
    if (!suggestion) throw new NotFoundError(`${sku} has no demand history yet`);
    return c.json(suggestion, 200);
  });
  return app;
}
