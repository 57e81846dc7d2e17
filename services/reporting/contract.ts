import { z } from 'zod';
import { moneySchema, skuSchema } from '../catalog/contract.ts';
import { locationIdSchema } from '../stock/contract.ts';

/**
 * The reporting service's public contract: the reports (JSON, or CSV with `?format=csv`), the
 * demand forecasts and the reorder suggestions. Everything is read from the SQL read model,
 * which is fed by events and lags them by a little: every answer says how fresh it is.
 */

// ------------------------------------------------------------------------------ common

const isoDate = z.iso.date().meta({ example: '2026-12-03' });

/** The filters every report takes (each one optional). */
export const reportQuerySchema = z
  .object({
    from: isoDate.optional().meta({ description: 'First day (UTC), inclusive' }),
    to: isoDate.optional().meta({ description: 'Last day (UTC), inclusive' }),
    category: z.string().min(1).max(100).optional(),
    locationId: locationIdSchema.optional(),
    sku: skuSchema.optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .meta({ id: 'ReportQuery' });
export type ReportQuery = z.infer<typeof reportQuerySchema>;

export const freshnessSchema = z
  .object({
    dataAsOf: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'When the newest event in the read model occurred (null: none yet)' }),
    lagSeconds: z
      .number()
      .nullable()
      .meta({ description: 'How long that event took to reach the read model' }),
  })
  .meta({ id: 'ReportFreshness' });
export type Freshness = z.infer<typeof freshnessSchema>;

// ------------------------------------------------------------------------------ summary

export const summarySchema = z
  .object({
    totalSkus: z.number().int(),
    totalUnitsOnHand: z.number().int(),
    inventoryValue: moneySchema.meta({ description: 'onHand × cost, at cost' }),
    retailValue: moneySchema.meta({ description: 'onHand × price' }),
    productsWithoutCost: z.number().int(),
    lowStockCount: z.number().int(),
    outOfStockCount: z.number().int(),
    totalReserved: z.number().int(),
    totalAvailable: z.number().int(),
    recentOrders: z.array(
      z.object({
        orderId: z.string(),
        status: z.string(),
        lines: z.array(z.object({ sku: skuSchema, quantity: z.number().int() })),
        placedAt: z.iso.datetime(),
        updatedAt: z.iso.datetime(),
      }),
    ),
    /** The last 30 days, one point per day (days without movement are 0). */
    movementTrend: z.array(
      z.object({ date: isoDate, inbound: z.number().int(), outbound: z.number().int() }),
    ),
    /** Inventory value at cost at the end of each of the last 30 days. */
    valueTrend: z.array(z.object({ date: isoDate, value: z.number().int() })),
    ...freshnessSchema.shape,
  })
  .meta({ id: 'ReportSummary' });
export type Summary = z.infer<typeof summarySchema>;

// ------------------------------------------------------------------------------ reports

export const stockLevelRowSchema = z
  .object({
    sku: skuSchema,
    name: z.string(),
    category: z.string(),
    locationId: locationIdSchema,
    onHand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int(),
    reorderPoint: z.number().int().nullable(),
    status: z.enum(['in_stock', 'low', 'out']),
  })
  .meta({ id: 'StockLevelRow' });

export const stockLevelsReportSchema = z
  .object({
    asOf: isoDate.nullable().meta({ description: 'The end of this day (UTC); null: now' }),
    rows: z.array(stockLevelRowSchema),
    ...freshnessSchema.shape,
  })
  .meta({ id: 'StockLevelsReport' });

export const movementsQuerySchema = reportQuerySchema
  .extend({ groupBy: z.enum(['day', 'week', 'month', 'reason', 'type']).default('day') })
  .meta({ id: 'MovementsQuery' });

export const movementsReportSchema = z
  .object({
    groupBy: z.enum(['day', 'week', 'month', 'reason', 'type']),
    rows: z.array(
      z.object({
        /** The day (YYYY-MM-DD), ISO week (YYYY-Www), month (YYYY-MM), reason or movement type. */
        group: z.string(),
        inbound: z.number().int().meta({ description: 'Units into stock (onHand up)' }),
        outbound: z.number().int().meta({ description: 'Units out of stock (onHand down)' }),
        net: z.number().int(),
        movements: z.number().int(),
      }),
    ),
    ...freshnessSchema.shape,
  })
  .meta({ id: 'MovementsReport' });

export const valuationReportSchema = z
  .object({
    asOf: isoDate.nullable(),
    currency: z.string(),
    total: z.number().int().meta({ description: 'At cost, minor units' }),
    totalRetail: z.number().int(),
    byCategory: z.array(z.object({ category: z.string(), value: z.number().int(), units: z.number().int() })),
    byLocation: z.array(
      z.object({ locationId: z.string(), value: z.number().int(), units: z.number().int() }),
    ),
    /** SKUs holding stock with no cost: their value is unknown (counted as 0). */
    withoutCost: z.array(z.object({ sku: skuSchema, name: z.string(), onHand: z.number().int() })),
    ...freshnessSchema.shape,
  })
  .meta({ id: 'ValuationReport' });

// ------------------------------------------------------------------------------ forecasts

export const forecastSchema = z
  .object({
    sku: skuSchema,
    method: z.string().meta({ example: 'ets-damped-seasonal' }),
    classification: z
      .string()
      .meta({ description: 'smooth, erratic, intermittent or lumpy (Syntetos–Boylan)' }),
    horizonDays: z.number().int(),
    points: z.array(
      z.object({
        date: isoDate,
        mean: z.number(),
        lower80: z.number().optional(),
        upper80: z.number().optional(),
        lower95: z.number().optional(),
        upper95: z.number().optional(),
      }),
    ),
    holdout: z
      .object({ mase: z.number(), days: z.number().int() })
      .nullable()
      .meta({ description: 'Error on the last days held out, against seasonal naive (MASE < 1 beats it)' }),
    history: z.array(z.object({ date: isoDate, units: z.number().int(), lostUnits: z.number().int() })),
    ...freshnessSchema.shape,
  })
  .meta({ id: 'Forecast' });
export type Forecast = z.infer<typeof forecastSchema>;

// ------------------------------------------------------------------------------ analysis reports

/** A period of whole days (UTC) and how many days it has. */
const periodShape = {
  from: isoDate.meta({ description: 'First day of the period (UTC), inclusive' }),
  to: isoDate.meta({ description: 'Last day of the period (UTC), inclusive' }),
  days: z.number().int().meta({ description: 'Days in the period' }),
};

const fromNotAfterTo = (q: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx) => {
  if (q.from && q.to && q.from > q.to) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after `to`' });
  }
};

/** The common filters, `from` no later than `to`. */
export const analysisQuerySchema = reportQuerySchema
  .extend({})
  .superRefine(fromNotAfterTo)
  .meta({ id: 'AnalysisQuery' });
export type AnalysisQuery = z.infer<typeof analysisQuerySchema>;

export const agingQuerySchema = reportQuerySchema
  .omit({ from: true, to: true })
  .extend({
    days: z.coerce
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(90)
      .meta({ description: 'Idle for at least this many days' }),
  })
  .meta({ id: 'AgingQuery' });
export type AgingQuery = z.infer<typeof agingQuerySchema>;

const ratio = (description: string) => z.number().nullable().meta({ description });

export const turnoverReportSchema = z
  .object({
    ...periodShape,
    currency: z.string(),
    rows: z.array(
      z.object({
        sku: skuSchema,
        name: z.string(),
        category: z.string(),
        unitsSold: z.number().int().meta({ description: 'Units of `commit` movements in the period' }),
        cogs: z.number().int().meta({ description: 'unitsSold × cost (minor units)' }),
        averageOnHand: z.number().meta({ description: 'Mean of the daily on hand, carried forward' }),
        averageInventoryValue: z.number().int().meta({ description: 'averageOnHand × cost' }),
        onHandEnd: z.number().int().meta({ description: 'On hand at the end of the period' }),
        turnover: ratio('cogs / averageInventoryValue (unitsSold / averageOnHand without a cost)'),
        daysOfCover: ratio('onHandEnd / (unitsSold / days); null without sales'),
        sellThrough: ratio('unitsSold / (unitsSold + onHandEnd)'),
      }),
    ),
    totals: z.object({
      unitsSold: z.number().int(),
      cogs: z.number().int(),
      averageInventoryValue: z.number().int(),
      turnover: ratio('Σ cogs / Σ averageInventoryValue'),
    }),
    ...freshnessSchema.shape,
  })
  .meta({ id: 'TurnoverReport' });

export const agingReportSchema = z
  .object({
    asOf: isoDate,
    days: z.number().int(),
    currency: z.string(),
    rows: z.array(
      z.object({
        sku: skuSchema,
        name: z.string(),
        category: z.string(),
        onHand: z.number().int(),
        value: z.number().int().meta({ description: 'onHand × cost (minor units)' }),
        lastOutbound: isoDate.nullable().meta({ description: 'The last day its on hand went down' }),
        stockedSince: isoDate.nullable().meta({ description: 'The first day its on hand went up' }),
        daysSinceOutbound: z
          .number()
          .int()
          .nullable()
          .meta({ description: 'Days since lastOutbound (since stockedSince when it never went out)' }),
      }),
    ),
    totals: z.object({ skus: z.number().int(), units: z.number().int(), value: z.number().int() }),
    ...freshnessSchema.shape,
  })
  .meta({ id: 'AgingReport' });

const abcClass = z.enum(['A', 'B', 'C']);

export const abcReportSchema = z
  .object({
    ...periodShape,
    currency: z.string(),
    total: z.number().int().meta({ description: 'Consumption value of every SKU listed' }),
    rows: z.array(
      z.object({
        sku: skuSchema,
        name: z.string(),
        category: z.string(),
        unitsSold: z.number().int(),
        value: z.number().int().meta({ description: 'unitsSold × cost (minor units)' }),
        share: z.number().meta({ description: 'value / total' }),
        cumulativeShare: z.number().meta({ description: 'Of this SKU and every one above it' }),
        class: abcClass,
      }),
    ),
    classes: z.array(
      z.object({ class: abcClass, skus: z.number().int(), value: z.number().int(), share: z.number() }),
    ),
    ...freshnessSchema.shape,
  })
  .meta({ id: 'AbcReport' });

export const stockoutsReportSchema = z
  .object({
    ...periodShape,
    rows: z.array(
      z.object({
        sku: skuSchema,
        name: z.string(),
        category: z.string(),
        locationId: locationIdSchema,
        stockouts: z.number().int().meta({ description: 'Times available went from > 0 to ≤ 0' }),
        daysOutOfStock: z.number().int().meta({ description: 'Days that ended with available ≤ 0' }),
        outAtEnd: z.boolean().meta({ description: 'Out of stock at the end of the period' }),
      }),
    ),
    fillRate: z.object({
      unitsOrdered: z.number().int(),
      unitsReserved: z.number().int(),
      unitsRejected: z.number().int(),
      rate: ratio('unitsReserved / unitsOrdered'),
    }),
    fillRateBySku: z.array(
      z.object({
        sku: skuSchema,
        name: z.string(),
        unitsOrdered: z.number().int(),
        unitsReserved: z.number().int(),
        unitsRejected: z.number().int(),
        rate: ratio('unitsReserved / unitsOrdered'),
      }),
    ),
    ...freshnessSchema.shape,
  })
  .meta({ id: 'StockoutsReport' });

export const supplierPerformanceReportSchema = z
  .object({
    ...periodShape,
    rows: z.array(
      z.object({
        supplierId: z.string(),
        name: z.string().nullable(),
        purchaseOrders: z.number().int().meta({ description: 'Raised in the period' }),
        rejectedOrCancelled: z.number().int(),
        receipts: z.number().int().meta({ description: 'Against those purchase orders' }),
        unitsOrdered: z.number().int(),
        unitsReceived: z.number().int(),
        receivedRate: ratio('unitsReceived / unitsOrdered'),
        averageLeadTimeDays: ratio('Mean observed lead time of the receipts (sent → received)'),
        promisedLeadTimeDays: ratio('Mean of expectedBy − createdAt over the purchase orders'),
        onTimeRate: ratio('Receipts on time / receipts'),
      }),
    ),
    ...freshnessSchema.shape,
  })
  .meta({ id: 'SupplierPerformanceReport' });

const reservationCounts = {
  expiries: z.number().int().meta({ description: 'Reservations that expired' }),
  expiredUnits: z.number().int(),
  rejects: z.number().int().meta({ description: 'Orders rejected for want of stock' }),
  rejectedUnits: z.number().int(),
};

export const reservationsReportSchema = z
  .object({
    ...periodShape,
    byDay: z.array(z.object({ date: isoDate, ...reservationCounts })),
    bySku: z.array(z.object({ sku: skuSchema, name: z.string(), ...reservationCounts })),
    totals: z.object(reservationCounts),
    ...freshnessSchema.shape,
  })
  .meta({ id: 'ReservationsReport' });
