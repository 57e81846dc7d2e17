import { z } from 'zod';
import type { Envelope } from '../../lib/events.ts';
import type { EventPublisher } from '../../lib/publisher.ts';
import type { Sql, SqlParams } from '../../lib/sql.ts';
import { skuSchema } from '../catalog/contract.ts';
import { locationIdSchema } from '../stock/contract.ts';
import { freshnessSchema } from './contract.ts';
import {
  daysOfCover,
  type ForecastMethod,
  forecastDemand,
  METHOD_LABELS,
  reorderPointSuggestion,
} from './domain/forecast.ts';
import { DaysOfCoverLow, DaysOfCoverRecovered, type LeadTimeSource, leadTimeSourceSchema } from './events.ts';
import { isoDay } from './sql-parts.ts';

/**
 * Planning: the demand forecasts turned into stock decisions, over the read model.
 * - **Reorder suggestions**: per SKU with demand history, the reorder point that covers the demand
 *   over its lead time at a service level (`reorderPointSuggestion`: demand over L + z·σ·√L),
 *   against the catalog's current reorder point (`dim_product.reorder_point`). The replenishment
 *   service's reorder rules are not visible here (no event carries them).
 * - **Days of cover**: per SKU × location, how long the available stock lasts at the forecast
 *   demand; below the lead time the scheduled run publishes `DaysOfCoverLow` (events.ts).
 *
 * Demand is the SKU's, all locations together (an order does not say which location it is served
 * from), so the cover of one location of a SKU kept in several is a cautious figure.
 * Lead time: the average `lead_time_days` of the SKU's receipts; else the average over all the
 * receipts of its supplier (the one of its latest purchase order); else {@link DEFAULT_LEAD_TIME_DAYS}.
 */

export const DEFAULT_LEAD_TIME_DAYS = 7;
export const DEFAULT_SERVICE_LEVEL = 0.95;
/** Days forecast (past it, the last day's mean continues: see `reorderPointSuggestion`). */
const HORIZON_DAYS = 28;
/** Days of demand history a forecast learns from (as `demandHistory` in reports.ts). */
const HISTORY_DAYS = 365;
const DAY_MS = 86_400_000;

// ------------------------------------------------------------------------------ the API's shapes

export const reorderSuggestionsQuerySchema = z
  .object({
    category: z.string().min(1).max(100).optional(),
    sku: skuSchema.optional(),
    serviceLevel: z.coerce
      .number()
      .min(0.5)
      .max(0.999)
      .default(DEFAULT_SERVICE_LEVEL)
      .meta({ description: 'Cycle service level: the chance of no stock-out over a lead time (0.5–0.999)' }),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .meta({ id: 'ReorderSuggestionsQuery' });
export type ReorderSuggestionsQuery = z.infer<typeof reorderSuggestionsQuerySchema>;

export const reorderSuggestionSchema = z
  .object({
    sku: skuSchema,
    name: z.string(),
    category: z.string(),
    currentReorderPoint: z.number().int().meta({ description: "The catalog's reorder point now" }),
    suggestedReorderPoint: z.number().int().meta({ description: '⌈demandOverLeadTime + safetyStock⌉' }),
    /** suggested − current. */
    difference: z.number().int(),
    demandOverLeadTime: z.number(),
    safetyStock: z.number().meta({ description: 'z · σ · √leadTimeDays' }),
    z: z.number().meta({ description: 'Φ⁻¹(serviceLevel)' }),
    sigma: z.number().meta({ description: "The forecast's one-day error standard deviation" }),
    leadTimeDays: z.number(),
    leadTimeSource: leadTimeSourceSchema,
    supplierId: z.string().nullable().meta({ description: 'The supplier whose lead time was used, if any' }),
    available: z.number().int().meta({ description: 'Available now, all locations' }),
    dailyDemand: z.number().meta({ description: 'Forecast units for the next day' }),
    daysOfCover: z.number().nullable().meta({
      description: 'Days the available stock lasts at the forecast demand; null: no demand forecast',
    }),
    method: z.string().meta({ description: 'The forecasting method chosen for the SKU' }),
  })
  .meta({ id: 'ReorderSuggestion' });
export type ReorderSuggestion = z.infer<typeof reorderSuggestionSchema>;

export const reorderSuggestionsSchema = z
  .object({
    serviceLevel: z.number(),
    rows: z.array(reorderSuggestionSchema),
    ...freshnessSchema.shape,
  })
  .meta({ id: 'ReorderSuggestions' });

export const coverRowSchema = z.object({
  sku: skuSchema,
  locationId: locationIdSchema,
  available: z.number().int(),
  daysOfCover: z.number().nullable(),
  leadTimeDays: z.number(),
  leadTimeSource: leadTimeSourceSchema,
  dailyDemand: z.number(),
  low: z.boolean(),
});
export type CoverRow = z.infer<typeof coverRowSchema>;

// ------------------------------------------------------------------------------ planning

/** What planning works out for one SKU (before the service level is applied). */
interface SkuBasis {
  sku: string;
  name: string;
  category: string;
  reorderPoint: number;
  dailyMeans: number[];
  sigma: number;
  method: ForecastMethod;
  leadTimeDays: number;
  leadTimeSource: LeadTimeSource;
  supplierId: string | null;
  /** Available per location (level_current). */
  levels: { locationId: string; available: number }[];
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/** Infinity (never runs out) as null, the way it travels in JSON. */
const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

export class Planning {
  constructor(private readonly sql: Sql) {}

  /**
   * Every SKU with demand history (a placed or rejected order line in the last year) that is in the
   * catalog and not deleted, filtered by category or SKU, with its forecast, lead time and levels.
   */
  private async bases(today: Date, filter: { category?: string; sku?: string } = {}): Promise<SkuBasis[]> {
    const clauses: string[] = [];
    const params: Record<string, string> = {};
    if (filter.category) {
      clauses.push('p.category = :category');
      params.category = filter.category;
    }
    if (filter.sku) {
      clauses.push('p.sku = :sku');
      params.sku = filter.sku;
    }
    const where = clauses.length ? ` AND ${clauses.join(' AND ')}` : '';
    const days = Array.from({ length: HISTORY_DAYS }, (_, i) =>
      isoDay(
        new Date(
          Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) -
            (HISTORY_DAYS - 1 - i) * DAY_MS,
        ),
      ),
    );
    const since = isoDay(new Date(Date.parse(`${days[0]!}T00:00:00Z`) - DAY_MS));
    const sqlParams: SqlParams = { ...params, since: { date: since } };
    const [products, demand, skuLead, supplierLead, skuSupplier, levels] = await Promise.all([
      this.sql.query<{ sku: string; name: string; category: string; reorder_point: number }>(
        `SELECT p.sku, p.name, p.category, p.reorder_point FROM dim_product p
         WHERE NOT p.deleted${where} ORDER BY p.sku`,
        params,
      ),
      this.sql.query<{ sku: string; day: string; units: number | null }>(
        `SELECT l.sku, to_char(l.placed_day, 'YYYY-MM-DD') AS day,
           SUM(l.quantity) FILTER (WHERE l.status <> 'rejected') AS units
         FROM fact_order_line l JOIN dim_product p ON p.sku = l.sku
         WHERE NOT p.deleted AND l.placed_day > :since${where}
         GROUP BY l.sku, l.placed_day`,
        sqlParams,
      ),
      this.sql.query<{ sku: string; lead: number }>(
        `SELECT sku, AVG(lead_time_days)::float8 AS lead FROM fact_receipt
         WHERE lead_time_days IS NOT NULL GROUP BY sku`,
      ),
      this.sql.query<{ supplier_id: string; lead: number }>(
        `SELECT supplier_id, AVG(lead_time_days)::float8 AS lead FROM fact_receipt
         WHERE lead_time_days IS NOT NULL GROUP BY supplier_id`,
      ),
      this.sql.query<{ sku: string; supplier_id: string }>(
        `SELECT DISTINCT ON (sku) sku, supplier_id FROM fact_po_line ORDER BY sku, created_at DESC`,
      ),
      this.sql.query<{ sku: string; location_id: string; available: number }>(
        `SELECT sku, location_id, available FROM level_current ORDER BY sku, location_id`,
      ),
    ]);
    const bySku = new Map<string, Map<string, number>>();
    for (const row of demand) {
      const series = bySku.get(row.sku) ?? new Map<string, number>();
      series.set(row.day, Math.round(num(row.units) ?? 0));
      bySku.set(row.sku, series);
    }
    const leadOfSku = new Map(skuLead.map((r) => [r.sku, Number(r.lead)]));
    const leadOfSupplier = new Map(supplierLead.map((r) => [r.supplier_id, Number(r.lead)]));
    const supplierOf = new Map(skuSupplier.map((r) => [r.sku, r.supplier_id]));
    const levelsOf = new Map<string, { locationId: string; available: number }[]>();
    for (const l of levels) {
      const list = levelsOf.get(l.sku) ?? [];
      list.push({ locationId: l.location_id, available: Math.round(Number(l.available)) });
      levelsOf.set(l.sku, list);
    }

    const out: SkuBasis[] = [];
    for (const p of products) {
      const series = bySku.get(p.sku);
      if (!series) continue;
      // From the first day with an order line to today, days without demand 0 (as demandHistory).
      const first = [...series.keys()].sort()[0]!;
      const units = days.slice(days.indexOf(first)).map((d) => series.get(d) ?? 0);
      const forecast = forecastDemand(units, { horizon: HORIZON_DAYS, levels: [] });
      const supplierId = supplierOf.get(p.sku) ?? null;
      const own = leadOfSku.get(p.sku);
      const theirs = supplierId === null ? undefined : leadOfSupplier.get(supplierId);
      const [leadTimeDays, leadTimeSource]: [number, LeadTimeSource] =
        own !== undefined
          ? [own, 'sku']
          : theirs !== undefined
            ? [theirs, 'supplier']
            : [DEFAULT_LEAD_TIME_DAYS, 'default'];
      out.push({
        sku: p.sku,
        name: p.name,
        category: p.category,
        reorderPoint: Number(p.reorder_point),
        dailyMeans: forecast.points.map((pt) => pt.mean),
        sigma: forecast.sigma,
        method: forecast.method,
        leadTimeDays,
        leadTimeSource,
        supplierId: leadTimeSource === 'default' ? null : supplierId,
        levels: levelsOf.get(p.sku) ?? [],
      });
    }
    return out;
  }

  private suggestion(b: SkuBasis, serviceLevel: number): ReorderSuggestion {
    const s = reorderPointSuggestion({
      dailyMeans: b.dailyMeans,
      sigma: b.sigma,
      leadTimeDays: b.leadTimeDays,
      serviceLevel,
    });
    const available = b.levels.reduce((n, l) => n + l.available, 0);
    return {
      sku: b.sku,
      name: b.name,
      category: b.category,
      currentReorderPoint: b.reorderPoint,
      suggestedReorderPoint: s.reorderPoint,
      difference: s.reorderPoint - b.reorderPoint,
      demandOverLeadTime: s.demandOverLeadTime,
      safetyStock: s.safetyStock,
      z: s.z,
      sigma: b.sigma,
      leadTimeDays: b.leadTimeDays,
      leadTimeSource: b.leadTimeSource,
      supplierId: b.supplierId,
      available,
      dailyDemand: b.dailyMeans[0] ?? 0,
      daysOfCover: finite(daysOfCover(Math.max(0, available), b.dailyMeans)),
      method: METHOD_LABELS[b.method],
    };
  }

  /** The SKUs whose suggested reorder point differs from the catalog's, largest change first. */
  async suggestions(
    q: Omit<ReorderSuggestionsQuery, 'format'>,
    today = new Date(),
  ): Promise<ReorderSuggestion[]> {
    const filter = { ...(q.category ? { category: q.category } : {}), ...(q.sku ? { sku: q.sku } : {}) };
    return (await this.bases(today, filter))
      .map((b) => this.suggestion(b, q.serviceLevel))
      .filter((s) => s.difference !== 0)
      .sort((a, b) => Math.abs(b.difference) - Math.abs(a.difference) || a.sku.localeCompare(b.sku));
  }

  /** One SKU's suggestion, whether or not it differs; undefined without demand history. */
  async suggestion1(
    sku: string,
    serviceLevel: number,
    today = new Date(),
  ): Promise<ReorderSuggestion | undefined> {
    const [basis] = await this.bases(today, { sku });
    return basis && this.suggestion(basis, serviceLevel);
  }

  /** Days of cover of every SKU × location with a level, for the SKUs with demand history. */
  async cover(today = new Date()): Promise<CoverRow[]> {
    const rows: CoverRow[] = [];
    for (const b of await this.bases(today)) {
      for (const level of b.levels) {
        const cover = finite(daysOfCover(Math.max(0, level.available), b.dailyMeans));
        rows.push({
          sku: b.sku,
          locationId: level.locationId,
          available: level.available,
          daysOfCover: cover,
          leadTimeDays: b.leadTimeDays,
          leadTimeSource: b.leadTimeSource,
          dailyDemand: b.dailyMeans[0] ?? 0,
          low: cover !== null && cover < b.leadTimeDays,
        });
      }
    }
    return rows;
  }

  /**
   * The scheduled run at `runAt`: `DaysOfCoverLow` for every low SKU × location (ids
   * `cover:<sku>:<location>:<runAt hour>`), `DaysOfCoverRecovered` for each one low on the previous
   * run and not now; then `cover_watch` remembers the low ones. Published before it is remembered,
   * so a run cut short is repeated whole by the next (consumers de-duplicate on the ids, and keep
   * episodes by `runAt`).
   */
  async runCoverCheck(
    publisher: EventPublisher,
    runAt: string,
  ): Promise<{ low: CoverRow[]; recovered: { sku: string; locationId: string }[] }> {
    const at = new Date(runAt);
    const hour = at.toISOString().slice(0, 13);
    const rows = await this.cover(at);
    const low = rows.filter((r) => r.low);
    const watched = await this.sql.query<{ sku: string; location_id: string }>(
      `SELECT sku, location_id FROM cover_watch`,
    );
    const key = (sku: string, location: string) => `${sku}\u0000${location}`;
    const lowKeys = new Set(low.map((r) => key(r.sku, r.locationId)));
    const byKey = new Map(rows.map((r) => [key(r.sku, r.locationId), r]));
    const recovered = watched
      .filter((w) => !lowKeys.has(key(w.sku, w.location_id)))
      .map((w) => ({ sku: w.sku, locationId: w.location_id }));
    const meta = (id: string) => ({ id, correlationId: `planning:${hour}`, occurredAt: at.toISOString() });
    const events: Envelope[] = [
      ...low.map((r) =>
        DaysOfCoverLow.create(
          {
            sku: r.sku,
            locationId: r.locationId,
            daysOfCover: r.daysOfCover!,
            leadTimeDays: r.leadTimeDays,
            leadTimeSource: r.leadTimeSource,
            available: r.available,
            dailyDemand: r.dailyDemand,
            runAt: at.toISOString(),
          },
          meta(`cover:${r.sku}:${r.locationId}:${hour}`),
        ),
      ),
      ...recovered.map((w) => {
        const now = byKey.get(key(w.sku, w.locationId));
        return DaysOfCoverRecovered.create(
          {
            sku: w.sku,
            locationId: w.locationId,
            daysOfCover: now?.daysOfCover ?? null,
            leadTimeDays: now?.leadTimeDays ?? null,
            available: now?.available ?? null,
            dailyDemand: now?.dailyDemand ?? null,
            runAt: at.toISOString(),
          },
          meta(`cover-recovered:${w.sku}:${w.locationId}:${hour}`),
        );
      }),
    ];
    if (events.length) await publisher.publish(events);
    const ts = { timestamp: at.toISOString() };
    await this.sql.transaction(async (tx) => {
      for (const w of recovered) {
        await tx.execute(`DELETE FROM cover_watch WHERE sku = :sku AND location_id = :location`, {
          sku: w.sku,
          location: w.locationId,
        });
      }
      if (low.length) {
        await tx.batch(
          `INSERT INTO cover_watch (sku, location_id, low_since, last_run_at) VALUES (:sku, :location, :at, :at)
           ON CONFLICT (sku, location_id) DO UPDATE SET last_run_at = EXCLUDED.last_run_at`,
          low.map((r) => ({ sku: r.sku, location: r.locationId, at: ts })),
        );
      }
    });
    return { low, recovered };
  }
}
