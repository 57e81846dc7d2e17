import Papa from 'papaparse';
import type { Sql, SqlParams } from '../../lib/sql.ts';
import type { Freshness, ReportQuery, Summary } from './contract.ts';
import { INTERNAL_KINDS, isoDay, productFilter, toInt } from './sql-parts.ts';

/**
 * The reports, as SQL over the star schema (migrations/). Each takes the common filters
 * (`from`/`to` days, category, location, SKU) where they apply and says how fresh its data is.
 */

const TREND_DAYS = 30;
/**
 * Imported demand history (the local demo's, `local/demo-history.ts`, or a backfill of orders
 * from before the orders service): demand for forecasts, not orders anyone can open.
 */
export const HISTORY_ORDER_PREFIX = 'HISTORY-';

const isoTime = (v: unknown): string => {
  const text = String(v);
  // PostgreSQL's text form ("2026-12-03 13:21:35.123" or with "+00"), or already ISO.
  const iso = text.includes('T') ? text : `${text.replace(' ', 'T').replace(/\+00(:00)?$/, '')}`;
  return new Date(iso.endsWith('Z') ? iso : `${iso}Z`).toISOString();
};

function lastDays(today: Date, days: number): string[] {
  return Array.from({ length: days }, (_, i) => {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
    d.setUTCDate(d.getUTCDate() - (days - 1 - i));
    return isoDay(d);
  });
}

export class Reports {
  constructor(private readonly sql: Sql) {}

  async freshness(): Promise<Freshness> {
    const [row] = await this.sql.query<{ occurred_at: string | null; lag: number | null }>(
      `SELECT occurred_at, EXTRACT(EPOCH FROM applied_at - occurred_at)::float8 AS lag
       FROM processed_event ORDER BY occurred_at DESC LIMIT 1`,
    );
    return row
      ? { dataAsOf: isoTime(row.occurred_at), lagSeconds: Math.max(0, Number(row.lag)) }
      : { dataAsOf: null, lagSeconds: null };
  }

  /** What the dashboard shows: totals, value, low and out counts, recent orders, 30 days of trend. */
  async summary(now: Date): Promise<Summary> {
    const [totals] = await this.sql.query(
      `WITH stock AS (
         SELECT l.sku, SUM(l.on_hand) AS on_hand, SUM(l.reserved) AS reserved, SUM(l.available) AS available
         FROM level_current l GROUP BY l.sku
       )
       SELECT
         (SELECT COUNT(*) FROM dim_product WHERE NOT deleted) AS skus,
         COALESCE(SUM(s.on_hand), 0) AS units,
         COALESCE(SUM(s.reserved), 0) AS reserved,
         COALESCE(SUM(GREATEST(s.available, 0)), 0) AS available,
         COALESCE(SUM(GREATEST(s.on_hand, 0) * COALESCE(p.cost_minor, 0)), 0) AS value,
         COALESCE(SUM(GREATEST(s.on_hand, 0) * COALESCE(p.price_minor, 0)), 0) AS retail,
         COUNT(*) FILTER (WHERE s.on_hand > 0 AND COALESCE(p.cost_minor, 0) = 0) AS without_cost,
         COUNT(*) FILTER (WHERE s.available <= 0) AS out_count,
         COUNT(*) FILTER (WHERE s.available > 0 AND s.available <= p.reorder_point) AS low_count,
         MODE() WITHIN GROUP (ORDER BY p.currency) AS currency
       FROM dim_product p LEFT JOIN stock s ON s.sku = p.sku
       WHERE NOT p.deleted`,
    );
    const days = lastDays(now, TREND_DAYS);
    const first = days[0]!;
    const moves = await this.sql.query<{ day: string; inbound: number; outbound: number }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day,
         SUM(GREATEST(d_on_hand, 0)) AS inbound, SUM(GREATEST(-d_on_hand, 0)) AS outbound
       FROM fact_movement
       WHERE day >= CAST(:first AS date) AND kind NOT IN ${INTERNAL_KINDS}
       GROUP BY day`,
      { first },
    );
    const byDay = new Map(moves.map((m) => [m.day, m]));
    // The value at the end of each day: the levels before the window once, then only the window's
    // changes, summed day by day (not one scan of the history per day: bench/README.md).
    const values = await this.sql.query<{ day: string; value: number }>(
      `WITH base AS (
         SELECT DISTINCT ON (f.sku, f.location_id) f.sku, f.location_id, f.on_hand
         FROM fact_level_daily f WHERE f.day < CAST(:first AS date)
         ORDER BY f.sku, f.location_id, f.day DESC
       ),
       changes AS (
         SELECT f.day, f.sku, GREATEST(f.on_hand, 0)
           - GREATEST(COALESCE(LAG(f.on_hand) OVER (PARTITION BY f.sku, f.location_id ORDER BY f.day), b.on_hand, 0), 0)
           AS d_units
         FROM fact_level_daily f LEFT JOIN base b ON b.sku = f.sku AND b.location_id = f.location_id
         WHERE f.day >= CAST(:first AS date) AND f.day <= CAST(:last AS date)
       ),
       deltas AS (
         SELECT c.day, SUM(c.d_units * COALESCE(p.cost_minor, 0)) AS dv
         FROM changes c JOIN dim_product p ON p.sku = c.sku AND NOT p.deleted
         GROUP BY c.day
       ),
       opening AS (
         SELECT COALESCE(SUM(GREATEST(b.on_hand, 0) * COALESCE(p.cost_minor, 0)), 0) AS v
         FROM base b JOIN dim_product p ON p.sku = b.sku AND NOT p.deleted
       )
       SELECT to_char(d.day, 'YYYY-MM-DD') AS day,
         (SELECT v FROM opening) + COALESCE(SUM(x.dv) OVER (ORDER BY d.day), 0) AS value
       FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d(day)
       LEFT JOIN deltas x ON x.day = d.day
       ORDER BY d.day`,
      { first, last: days.at(-1)! },
    );
    const valueByDay = new Map(values.map((v) => [v.day, toInt(v.value)]));
    type OrderRow = {
      order_id: string;
      statuses: string;
      reasons: string | null;
      lines: string;
      placed_at: string;
      updated_at: string;
    };
    // The newest orders among the last week's lines first; the whole table only when that is short.
    const recent = (since?: string) =>
      this.sql.query<OrderRow>(
        `SELECT order_id, string_agg(DISTINCT status, ',') AS statuses, string_agg(DISTINCT release_reason, ',') AS reasons,
           json_agg(json_build_object('sku', sku, 'quantity', quantity) ORDER BY sku)::text AS lines,
           MIN(placed_at) AS placed_at, MAX(COALESCE(closed_at, placed_at)) AS updated_at
         FROM fact_order_line WHERE order_id NOT LIKE '${HISTORY_ORDER_PREFIX}%'
           ${since ? 'AND placed_day >= CAST(:since AS date)' : ''}
         GROUP BY order_id ORDER BY MIN(placed_at) DESC LIMIT 10`,
        since ? { since } : {},
      );
    let orders = await recent(days.at(-7));
    if (orders.length < 10) orders = await recent();
    return {
      totalSkus: toInt(totals?.skus),
      totalUnitsOnHand: toInt(totals?.units),
      inventoryValue: { amount: toInt(totals?.value), currency: String(totals?.currency ?? 'USD') },
      retailValue: { amount: toInt(totals?.retail), currency: String(totals?.currency ?? 'USD') },
      productsWithoutCost: toInt(totals?.without_cost),
      lowStockCount: toInt(totals?.low_count),
      outOfStockCount: toInt(totals?.out_count),
      totalReserved: toInt(totals?.reserved),
      totalAvailable: toInt(totals?.available),
      recentOrders: orders.map((o) => ({
        orderId: o.order_id,
        status: orderStatus(o.statuses, o.reasons),
        lines: JSON.parse(o.lines) as { sku: string; quantity: number }[],
        placedAt: isoTime(o.placed_at),
        updatedAt: isoTime(o.updated_at),
      })),
      movementTrend: days.map((date) => ({
        date,
        inbound: toInt(byDay.get(date)?.inbound),
        outbound: toInt(byDay.get(date)?.outbound),
      })),
      valueTrend: days.map((date) => ({ date, value: valueByDay.get(date) ?? 0 })),
      ...(await this.freshness()),
    };
  }

  /** Units in and out per day, ISO week, month, reason or movement type (transfers excluded from in/out). */
  async movements(q: ReportQuery & { groupBy: 'day' | 'week' | 'month' | 'reason' | 'type' }) {
    const group = {
      day: `to_char(m.day, 'YYYY-MM-DD')`,
      week: `to_char(m.day, 'IYYY-"W"IW')`,
      month: `to_char(m.day, 'YYYY-MM')`,
      reason: `COALESCE(m.reason, m.kind)`,
      type: 'm.kind',
    }[q.groupBy];
    const { where, params } = productFilter(q);
    const clauses: string[] = [];
    const more: Record<string, unknown> = {};
    if (q.from) {
      clauses.push('m.day >= CAST(:from AS date)');
      more.from = q.from;
    }
    if (q.to) {
      clauses.push('m.day <= CAST(:to AS date)');
      more.to = q.to;
    }
    if (q.locationId) {
      clauses.push('m.location_id = :location');
      more.location = q.locationId;
    }
    // In and out of the business: a transfer counts only when one location is filtered on.
    const internal = q.locationId || q.groupBy === 'type' ? '' : ` AND m.kind NOT IN ${INTERNAL_KINDS}`;
    const rows = await this.sql.query<{ grp: string; inbound: number; outbound: number; n: number }>(
      `SELECT ${group} AS grp, SUM(GREATEST(m.d_on_hand, 0)) AS inbound, SUM(GREATEST(-m.d_on_hand, 0)) AS outbound,
         COUNT(*) AS n
       FROM fact_movement m JOIN dim_product p ON p.sku = m.sku
       WHERE m.d_on_hand <> 0${internal}${clauses.map((c) => ` AND ${c}`).join('')}${where}
       GROUP BY 1 ORDER BY 1`,
      { ...params, ...(more as SqlParams) },
    );
    return {
      groupBy: q.groupBy,
      rows: rows.map((r) => ({
        group: r.grp,
        inbound: toInt(r.inbound),
        outbound: toInt(r.outbound),
        net: toInt(r.inbound) - toInt(r.outbound),
        movements: toInt(r.n),
      })),
      ...(await this.freshness()),
    };
  }

  /** Stock per SKU × location now, or at the end of `to` (the last level of that day or before). */
  async stockLevels(q: ReportQuery) {
    const { where, params } = productFilter(q);
    const location = q.locationId ? ' AND x.location_id = :location' : '';
    // As of a day: per level, its latest daily row up to that day (a probe of the primary key; every
    // level of fact_level_daily has its level_current row, written by the same event).
    const source = q.to
      ? `(SELECT l.sku, l.location_id, f.on_hand, f.reserved, f.available, NULL::integer AS reorder_point
         FROM level_current l CROSS JOIN LATERAL (
           SELECT d.on_hand, d.reserved, d.available FROM fact_level_daily d
           WHERE d.sku = l.sku AND d.location_id = l.location_id AND d.day <= CAST(:to AS date)
           ORDER BY d.day DESC LIMIT 1) f)`
      : '(SELECT sku, location_id, on_hand, reserved, available, reorder_point FROM level_current)';
    const rows = await this.sql.query<Record<string, unknown>>(
      `SELECT x.sku, p.name, p.category, x.location_id, x.on_hand, x.reserved, x.available,
         COALESCE(x.reorder_point, p.reorder_point) AS reorder_point
       FROM ${source} x JOIN dim_product p ON p.sku = x.sku AND NOT p.deleted
       WHERE TRUE${location}${where}
       ORDER BY x.sku, x.location_id`,
      { ...params, ...(q.locationId ? { location: q.locationId } : {}), ...(q.to ? { to: q.to } : {}) },
    );
    return {
      asOf: q.to ?? null,
      rows: rows.map((r) => {
        const available = toInt(r.available);
        const reorderPoint = r.reorder_point === null ? null : toInt(r.reorder_point);
        return {
          sku: String(r.sku),
          name: String(r.name),
          category: String(r.category),
          locationId: String(r.location_id),
          onHand: toInt(r.on_hand),
          reserved: toInt(r.reserved),
          available,
          reorderPoint,
          status:
            available <= 0
              ? ('out' as const)
              : reorderPoint !== null && available <= reorderPoint
                ? ('low' as const)
                : ('in_stock' as const),
        };
      }),
      ...(await this.freshness()),
    };
  }

  /** cost × onHand by category and location, now or at the end of `to`; SKUs without a cost flagged. */
  async valuation(q: ReportQuery) {
    const levels = await this.stockLevels(q);
    const products = await this.sql.query<{
      sku: string;
      cost: number | null;
      price: number | null;
      currency: string | null;
    }>('SELECT sku, cost_minor AS cost, price_minor AS price, currency FROM dim_product WHERE NOT deleted');
    const bySku = new Map(products.map((p) => [p.sku, p]));
    const byCategory = new Map<string, { value: number; units: number }>();
    const byLocation = new Map<string, { value: number; units: number }>();
    const withoutCost = new Map<string, { sku: string; name: string; onHand: number }>();
    let total = 0;
    let totalRetail = 0;
    const currencies = new Map<string, number>();
    for (const row of levels.rows) {
      const p = bySku.get(row.sku);
      const units = Math.max(0, row.onHand);
      const cost = toInt(p?.cost);
      const value = units * cost;
      if (units > 0 && cost === 0) {
        const seen = withoutCost.get(row.sku);
        withoutCost.set(row.sku, { sku: row.sku, name: row.name, onHand: (seen?.onHand ?? 0) + units });
      }
      total += value;
      totalRetail += units * toInt(p?.price);
      if (p?.currency) currencies.set(p.currency, (currencies.get(p.currency) ?? 0) + 1);
      for (const [map, key] of [
        [byCategory, row.category],
        [byLocation, row.locationId],
      ] as const) {
        const acc = map.get(key) ?? { value: 0, units: 0 };
        acc.value += value;
        acc.units += units;
        map.set(key, acc);
      }
    }
    const currency = [...currencies.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'USD';
    return {
      asOf: levels.asOf,
      currency,
      total,
      totalRetail,
      byCategory: [...byCategory.entries()]
        .map(([category, v]) => ({ category, ...v }))
        .sort((a, b) => b.value - a.value),
      byLocation: [...byLocation.entries()]
        .map(([locationId, v]) => ({ locationId, ...v }))
        .sort((a, b) => b.value - a.value),
      withoutCost: [...withoutCost.values()],
      dataAsOf: levels.dataAsOf,
      lagSeconds: levels.lagSeconds,
    };
  }
}

function orderStatus(statuses: string, reasons: string | null): string {
  const set = new Set(statuses.split(','));
  if (set.has('fulfilled')) return 'FULFILLED';
  if (set.has('released')) return reasons?.includes('expired') ? 'EXPIRED' : 'CANCELLED';
  if (set.has('rejected')) return 'REJECTED';
  return 'RESERVED';
}

/**
 * RFC 4180 CSV with a header row (CRLF line ends), safe against formula injection: a text cell
 * starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` (papaparse's
 * `escapeFormulae`); numbers stay numbers.
 */
export function toCsv(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  return Papa.unparse(
    { fields: [...columns], data: rows.map((r) => columns.map((c) => r[c] ?? '')) },
    { escapeFormulae: true, newline: '\r\n', header: true },
  );
}

/** Days of demand history a forecast learns from. */
const HISTORY_DAYS = 365;

export interface DemandHistory {
  days: string[];
  /** Units of placed orders per day (dated by when they were placed), rejected ones not counted. */
  units: number[];
  /** Units of rejected orders per day: lost sales, shown apart. */
  lost: number[];
}

/** A SKU's daily demand from its first placed order (at most a year back) to `today`, zeros filled. */
export async function demandHistory(sql: Sql, sku: string, today: Date): Promise<DemandHistory> {
  const rows = await sql.query<{ day: string; units: number; lost: number }>(
    `SELECT to_char(placed_day, 'YYYY-MM-DD') AS day,
       SUM(quantity) FILTER (WHERE status <> 'rejected') AS units,
       SUM(quantity) FILTER (WHERE status = 'rejected') AS lost
     FROM fact_order_line WHERE sku = :sku AND placed_day > CAST(:since AS date)
     GROUP BY placed_day ORDER BY placed_day`,
    { sku, since: lastDays(today, HISTORY_DAYS + 1)[0]! },
  );
  if (rows.length === 0) return { days: [], units: [], lost: [] };
  const all = lastDays(today, HISTORY_DAYS);
  const days = all.slice(all.indexOf(rows[0]!.day));
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return {
    days,
    units: days.map((d) => toInt(byDay.get(d)?.units)),
    lost: days.map((d) => toInt(byDay.get(d)?.lost)),
  };
}
