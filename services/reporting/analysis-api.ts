import type { OpenAPIHono } from '@hono/zod-openapi';
import { type ApiEnv, createApi } from '../../lib/http.ts';
import type { Sql } from '../../lib/sql.ts';
import { AnalysisReports } from './analysis.ts';
import { reportRoute, respond } from './api.ts';
import {
  abcReportSchema,
  agingQuerySchema,
  agingReportSchema,
  analysisQuerySchema,
  reservationsReportSchema,
  stockoutsReportSchema,
  supplierPerformanceReportSchema,
  turnoverReportSchema,
} from './contract.ts';
import { toCsv } from './reports.ts';

const period = (days: number) =>
  `The period is \`from\`–\`to\` (UTC days, inclusive; by default the ${days} days ending today).`;

const turnoverRoute = reportRoute(
  'turnover',
  'Inventory turnover, days of cover and sell-through per SKU',
  `${period(90)} Per SKU: \`unitsSold\` = units of \`commit\` movements in the period; \`cogs\` = unitsSold × cost; \`averageOnHand\` = the mean over the days of the period of the on hand at the end of each day (the last level carried forward); \`averageInventoryValue\` = averageOnHand × cost; \`turnover\` = cogs / averageInventoryValue (unitsSold / averageOnHand for a product without a cost); \`onHandEnd\` = on hand at the end of the period (now, by default); \`daysOfCover\` = onHandEnd / (unitsSold / days), null without sales; \`sellThrough\` = unitsSold / (unitsSold + onHandEnd). \`totals.turnover\` = Σ cogs / Σ averageInventoryValue. Filters: \`category\`, \`locationId\` (its levels and sales only), \`sku\`. Lists the SKUs with stock or sales in the period, by COGS.`,
  analysisQuerySchema,
  turnoverReportSchema,
);
const agingRoute = reportRoute(
  'aging',
  'Dead stock: SKUs holding stock whose on hand has not gone down for `days` days',
  'A SKU with stock now (on hand > 0) is listed when `daysSinceOutbound` ≥ `days` (default 90): the days since `lastOutbound`, the last day its on hand went down (a sale, an adjustment, a count; transfers between locations count only when `locationId` is filtered on), or, when it never went down, since `stockedSince`, the first day it went up. `value` = onHand × cost. Filters: `category`, `locationId`, `sku`. By value, highest first.',
  agingQuerySchema,
  agingReportSchema,
);
const abcRoute = reportRoute(
  'abc',
  'ABC classification by consumption value',
  `${period(365)} \`value\` = units sold (\`commit\` movements in the period) × cost; sorted by value, highest first, \`cumulativeShare\` = the running total / total. A SKU is **A** while the SKUs above it hold less than 80% of the total value, **B** while they hold less than 95%, **C** after (and every SKU without consumption value). Filters: \`category\` (classes within it), \`locationId\` (its sales), \`sku\`.`,
  analysisQuerySchema,
  abcReportSchema,
);
const stockoutsRoute = reportRoute(
  'stockouts',
  'Stock-outs per SKU and location, and the fill rate',
  `${period(90)} Per SKU × location (listed when it ran out in the period): \`stockouts\` = times available (onHand − reserved − safety stock) went from > 0 to ≤ 0, movement by movement in level-version order; \`daysOutOfStock\` = days of the period that ended with available ≤ 0; \`outAtEnd\` = out at the end of the period. Fill rate over the order lines placed in the period: \`rate\` = units reserved (placed and not rejected) / units ordered (placed + rejected), overall and per SKU (\`locationId\` does not apply to it). CSV: the stock-out rows, with their SKU's fill rate.`,
  analysisQuerySchema,
  stockoutsReportSchema,
);
const supplierRoute = reportRoute(
  'supplier-performance',
  'Supplier performance: lead times observed and promised, on-time rate, units received',
  `${period(90)} Per supplier, over the purchase orders raised in the period (their lines matching \`category\`/\`sku\`, at \`locationId\`): \`purchaseOrders\`; \`rejectedOrCancelled\` (rejected, cancelled or failed); \`receipts\` against them; \`unitsOrdered\`, \`unitsReceived\`, \`receivedRate\` = unitsReceived / unitsOrdered; \`averageLeadTimeDays\` = mean observed lead time of the receipts (sent → received); \`promisedLeadTimeDays\` = mean of expectedBy − createdAt over the purchase orders; \`onTimeRate\` = receipts on time / receipts.`,
  analysisQuerySchema,
  supplierPerformanceReportSchema,
);
const reservationsRoute = reportRoute(
  'reservations',
  'Reservation expiries and rejected orders per day and per SKU',
  `${period(90)} \`expiries\` = reservations that expired (\`expiredUnits\` their units), \`rejects\` = orders rejected for want of stock (\`rejectedUnits\` the units asked for), per day (every day of the period, 0 when nothing happened) and per SKU. Filters: \`category\`, \`sku\` (\`locationId\` does not apply). CSV: one row per day.`,
  analysisQuerySchema,
  reservationsReportSchema,
);

/** The analysis reports: turnover, aging, ABC, stock-outs, supplier performance, reservations. */
export function createAnalysisApi(sql: () => Sql): OpenAPIHono<ApiEnv> {
  const app = createApi('reporting');
  const reports = () => new AnalysisReports(sql());

  app.openapi(turnoverRoute, async (c) => {
    const q = c.req.valid('query');
    const report = await reports().turnover(q);
    return respond(c, q.format, 'turnover', report, () =>
      toCsv(report.rows, [
        'sku',
        'name',
        'category',
        'unitsSold',
        'cogs',
        'averageOnHand',
        'averageInventoryValue',
        'onHandEnd',
        'turnover',
        'daysOfCover',
        'sellThrough',
      ]),
    ) as never;
  });
  app.openapi(agingRoute, async (c) => {
    const q = c.req.valid('query');
    const report = await reports().aging(q);
    return respond(c, q.format, 'aging', report, () =>
      toCsv(report.rows, [
        'sku',
        'name',
        'category',
        'onHand',
        'value',
        'lastOutbound',
        'stockedSince',
        'daysSinceOutbound',
      ]),
    ) as never;
  });
  app.openapi(abcRoute, async (c) => {
    const q = c.req.valid('query');
    const report = await reports().abc(q);
    return respond(c, q.format, 'abc', report, () =>
      toCsv(report.rows, [
        'sku',
        'name',
        'category',
        'unitsSold',
        'value',
        'share',
        'cumulativeShare',
        'class',
      ]),
    ) as never;
  });
  app.openapi(stockoutsRoute, async (c) => {
    const q = c.req.valid('query');
    const report = await reports().stockouts(q);
    const fill = new Map(report.fillRateBySku.map((f) => [f.sku, f]));
    return respond(c, q.format, 'stockouts', report, () =>
      toCsv(
        report.rows.map((r) => ({
          ...r,
          unitsOrdered: fill.get(r.sku)?.unitsOrdered ?? 0,
          unitsReserved: fill.get(r.sku)?.unitsReserved ?? 0,
          fillRate: fill.get(r.sku)?.rate ?? '',
        })),
        [
          'sku',
          'name',
          'category',
          'locationId',
          'stockouts',
          'daysOutOfStock',
          'outAtEnd',
          'unitsOrdered',
          'unitsReserved',
          'fillRate',
        ],
      ),
    ) as never;
  });
  app.openapi(supplierRoute, async (c) => {
    const q = c.req.valid('query');
    const report = await reports().supplierPerformance(q);
    return respond(c, q.format, 'supplier-performance', report, () =>
      toCsv(report.rows, [
        'supplierId',
        'name',
        'purchaseOrders',
        'rejectedOrCancelled',
        'receipts',
        'unitsOrdered',
        'unitsReceived',
        'receivedRate',
        'averageLeadTimeDays',
        'promisedLeadTimeDays',
        'onTimeRate',
      ]),
    ) as never;
  });
  app.openapi(reservationsRoute, async (c) => {
    const q = c.req.valid('query');
    const report = await reports().reservations(q);
    return respond(c, q.format, 'reservations', report, () =>
      toCsv(report.byDay, ['date', 'expiries', 'expiredUnits', 'rejects', 'rejectedUnits']),
    ) as never;
  });
  return app;
}
