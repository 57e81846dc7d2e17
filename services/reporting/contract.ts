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
