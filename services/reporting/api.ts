import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { NotFoundError } from '../../lib/errors.ts';
import { type ApiEnv, createApi, jsonResponse, problemResponses } from '../../lib/http.ts';
import type { Sql } from '../../lib/sql.ts';
import { skuSchema } from '../catalog/contract.ts';
import {
  forecastSchema,
  movementsQuerySchema,
  movementsReportSchema,
  reportQuerySchema,
  stockLevelsReportSchema,
  summarySchema,
  valuationReportSchema,
} from './contract.ts';
import { forecastDemand, METHOD_LABELS } from './domain/forecast.ts';
import { demandHistory, Reports, toCsv } from './reports.ts';
import { addDays } from './sql-parts.ts';

const TAG = 'Reports';
const BASE = '/api/v1/reports';
const CSV = 'text/csv; charset=utf-8';

const csvNote =
  ' `?format=csv` answers RFC 4180 CSV with a header row instead (text cells starting with = + - @ are prefixed with an apostrophe, so a spreadsheet never runs them as formulas).';

export const reportRoute = <S extends z.ZodType, Q extends z.ZodObject>(
  path: string,
  summary: string,
  description: string,
  query: Q,
  schema: S,
) =>
  createRoute({
    method: 'get',
    path: `${BASE}/${path}`,
    tags: [TAG],
    summary,
    description: description + csvNote,
    request: { query },
    responses: {
      200: {
        description: 'The report (JSON), or its rows as CSV',
        content: {
          'application/json': { schema },
          'text/csv': { schema: z.string() },
        },
      },
      ...problemResponses,
    },
  });

const summaryRoute = reportRoute(
  'summary',
  'What the dashboard shows: totals, value, low and out counts, recent orders, 30 days of trend',
  'Value at cost and at retail (onHand × cost, × price; products without a cost count as 0 and are counted apart). `movementTrend`: units in and out per day (transfers between locations excluded); `valueTrend`: the value at the end of each day. `dataAsOf` says how fresh the read model is. CSV: one row per day of the trend.',
  reportQuerySchema.pick({ format: true }),
  summarySchema,
);
const stockLevelsRoute = reportRoute(
  'stock-levels',
  'Stock per SKU and location, now or at the end of a day (`to`)',
  'Filters: `category`, `locationId`, `sku`; `to` gives the levels as they stood at the end of that day (UTC).',
  reportQuerySchema,
  stockLevelsReportSchema,
);
const movementsRoute = reportRoute(
  'movements',
  'Units moved in and out over time, by day, week, month, reason or movement type',
  '`groupBy=day|week|month|reason|type`; `from`/`to` days, `category`, `locationId`, `sku` filter. Transfers between locations count only when a location is filtered on (or by type).',
  movementsQuerySchema,
  movementsReportSchema,
);
const valuationRoute = reportRoute(
  'valuation',
  'Inventory value (cost × onHand) by category and location, now or at a day',
  'Products holding stock without a cost are listed in `withoutCost`. CSV: one row per category and per location.',
  reportQuerySchema,
  valuationReportSchema,
);

const forecastRoute = createRoute({
  method: 'get',
  path: '/api/v1/forecasts/{sku}',
  tags: ['Forecasts'],
  summary: "A SKU's demand over the next 28 days",
  description:
    'Demand is the units of placed orders per day, dated by when they were placed (rejected units are lost sales, in `history[].lostUnits`). The method is chosen per SKU by its error on the last days held out (MASE against seasonal naive): Croston, SBA or TSB for intermittent demand, exponential smoothing with damped trend and weekly season for smooth demand. Exponential smoothing gives 80% and 95% prediction intervals. 404 when the SKU has no demand history.',
  request: { params: z.object({ sku: skuSchema }) },
  responses: { 200: jsonResponse(forecastSchema, 'The forecast'), ...problemResponses },
});

export function respond(
  c: Context<ApiEnv>,
  format: 'json' | 'csv',
  name: string,
  body: unknown,
  csv: () => string,
) {
  if (format === 'csv') {
    c.header(
      'Content-Disposition',
      `attachment; filename="${name}-${new Date().toISOString().slice(0, 10)}.csv"`,
    );
    return c.body(csv(), 200, { 'Content-Type': CSV });
  }
  return c.json(body as object, 200);
}

/** The reports, the forecasts. */
export function createReportingApi(sql: () => Sql): OpenAPIHono<ApiEnv> {
  const app = createApi('reporting');
  const reports = () => new Reports(sql());

  app.openapi(summaryRoute, async (c) => {
    const { format } = c.req.valid('query');
    const summary = await reports().summary(new Date());
    return respond(c, format, 'summary', summary, () =>
      toCsv(
        summary.movementTrend.map((m, i) => ({ ...m, value: summary.valueTrend[i]?.value ?? 0 })),
        ['date', 'inbound', 'outbound', 'value'],
      ),
    ) as never;
  });
  app.openapi(stockLevelsRoute, async (c) => {
    const q = c.req.valid('query');
    const report = await reports().stockLevels(q);
    return respond(c, q.format, 'stock-levels', report, () =>
      toCsv(report.rows, [
        'sku',
        'name',
        'category',
        'locationId',
        'onHand',
        'reserved',
        'available',
        'reorderPoint',
        'status',
      ]),
    ) as never;
  });
  app.openapi(movementsRoute, async (c) => {
    const q = c.req.valid('query');
    const report = await reports().movements(q);
    return respond(c, q.format, 'movements', report, () =>
      toCsv(report.rows, ['group', 'inbound', 'outbound', 'net', 'movements']),
    ) as never;
  });
  app.openapi(valuationRoute, async (c) => {
    const q = c.req.valid('query');
    const report = await reports().valuation(q);
    return respond(c, q.format, 'valuation', report, () =>
      toCsv(
        [
          ...report.byCategory.map((r) => ({
            dimension: 'category',
            name: r.category,
            units: r.units,
            value: r.value,
          })),
          ...report.byLocation.map((r) => ({
            dimension: 'location',
            name: r.locationId,
            units: r.units,
            value: r.value,
          })),
        ],
        ['dimension', 'name', 'units', 'value'],
      ),
    ) as never;
  });

  app.openapi(forecastRoute, async (c) => {
    const { sku } = c.req.valid('param');
    const today = new Date();
    const history = await demandHistory(sql(), sku, today);
    if (history.days.length === 0) throw new NotFoundError(`${sku} has no demand history yet`);
    const forecast = forecastDemand(history.units, { horizon: 28 });
    const last = history.days.at(-1)!;
    return c.json(
      {
        sku,
        method: METHOD_LABELS[forecast.method],
        classification: forecast.classification.category,
        horizonDays: forecast.horizon,
        points: forecast.points.map((p) => ({
          date: addDays(last, p.day),
          mean: p.mean,
          ...(p.lower80 === undefined ? {} : { lower80: p.lower80, upper80: p.upper80 }),
          ...(p.lower95 === undefined ? {} : { lower95: p.lower95, upper95: p.upper95 }),
        })),
        holdout: forecast.holdout ? { mase: forecast.holdout.mase, days: forecast.holdout.h } : null,
        history: history.days.map((date, i) => ({
          date,
          units: history.units[i]!,
          lostUnits: history.lost[i]!,
        })),
        ...(await reports().freshness()),
      },
      200,
    );
  });
  return app;
}
