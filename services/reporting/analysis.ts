import type { Sql, SqlParams } from '../../lib/sql.ts';
import type { AgingQuery, AnalysisQuery } from './contract.ts';
import { daysOfCover } from './domain/forecast.ts';
import { Reports } from './reports.ts';
import { addDays, INTERNAL_KINDS, isoDay, productFilter, toInt } from './sql-parts.ts';

/**
 * The analysis reports (turnover, aging, ABC, stock-outs, supplier performance, reservations), as
 * SQL over the star schema. Days are UTC. Stock on a day is the level at the end of the latest
 * day ≤ it that has a `fact_level_daily` row (carried forward); units sold are `commit` movements.
 */

const DAY = 86_400_000;

const round = (v: number, places: number) => {
  const f = 10 ** places;
  return Math.round(v * f) / f;
};
/** a / b rounded, or null when b is 0 (or not a number). */
const ratio = (a: number, b: number, places = 4): number | null =>
  b > 0 && Number.isFinite(a / b) ? round(a / b, places) : null;
const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);

export interface Period {
  from: string;
  to: string;
  days: number;
}

/** [from, to]: `to` defaults to today, `from` to `defaultDays` days ending on `to`. */
export function periodOf(q: Pick<AnalysisQuery, 'from' | 'to'>, defaultDays: number, today: Date): Period {
  const to = q.to ?? isoDay(today);
  const from = q.from ?? addDays(to, -(defaultDays - 1));
  return { from, to, days: daysBetween(from, to) + 1 };
}

/** Every day of the period, in order. */
const daysOf = (p: Period) => Array.from({ length: p.days }, (_, i) => addDays(p.from, i));

/** `AND <alias>.location_id = :location` when a location is filtered on. */
const locationClause = (q: Pick<AnalysisQuery, 'locationId'>, alias: string) =>
  q.locationId ? ` AND ${alias}.location_id = :location` : '';
const locationParam = (q: Pick<AnalysisQuery, 'locationId'>): SqlParams =>
  q.locationId ? { location: q.locationId } : {};

/**
 * Per SKU × location level rows up to `to` with the day the next one starts (`next_day`, or the
 * day after `to`): each row's on hand holds from its day until then. Overlapping that span with
 * the period gives the days it held in the period.
 */
const levelSpans = (q: Pick<AnalysisQuery, 'locationId'>) => `
  SELECT f.sku, f.location_id, f.day, f.on_hand, f.available,
    COALESCE(LEAD(f.day) OVER (PARTITION BY f.sku, f.location_id ORDER BY f.day), CAST(:to AS date) + 1) AS next_day
  FROM fact_level_daily f
  WHERE f.day <= CAST(:to AS date)${locationClause(q, 'f')}`;
/** Days of a span (from `lv.day` to `lv.next_day`) inside [from, to]. */
const DAYS_IN_PERIOD = `GREATEST(0, LEAST(lv.next_day, CAST(:to AS date) + 1) - GREATEST(lv.day, CAST(:from AS date)))`;

export class AnalysisReports {
  private readonly reports: Reports;

  constructor(
    private readonly sql: Sql,
    private readonly today: () => Date = () => new Date(),
  ) {
    this.reports = new Reports(sql);
  }

  private async currency(): Promise<string> {
    const [row] = await this.sql.query<{ currency: string | null }>(
      'SELECT MODE() WITHIN GROUP (ORDER BY currency) AS currency FROM dim_product WHERE NOT deleted',
    );
    return row?.currency ?? 'USD';
  }

  /** Units sold, COGS, average inventory, turnover, days of cover and sell-through per SKU. */
  async turnover(q: AnalysisQuery) {
    const period = periodOf(q, 90, this.today());
    const { where, params } = productFilter(q);
    const rows = await this.sql.query<{
      sku: string;
      name: string;
      category: string;
      cost: number | null;
      unit_days: number;
      on_hand_end: number;
      sold: number;
    }>(
      `WITH lv AS (${levelSpans(q)}),
       inv AS (
         SELECT lv.sku, SUM(GREATEST(lv.on_hand, 0) * ${DAYS_IN_PERIOD}) AS unit_days,
           SUM(GREATEST(lv.on_hand, 0)) FILTER (WHERE lv.next_day > CAST(:to AS date)) AS on_hand_end
         FROM lv GROUP BY lv.sku
       ),
       sold AS (
         SELECT m.sku, SUM(GREATEST(-m.d_on_hand, 0)) AS units
         FROM fact_movement m
         WHERE m.kind = 'commit' AND m.day BETWEEN CAST(:from AS date) AND CAST(:to AS date)${locationClause(q, 'm')}
         GROUP BY m.sku
       )
       SELECT p.sku, p.name, p.category, p.cost_minor AS cost, COALESCE(inv.unit_days, 0) AS unit_days,
         COALESCE(inv.on_hand_end, 0) AS on_hand_end, COALESCE(sold.units, 0) AS sold
       FROM dim_product p LEFT JOIN inv ON inv.sku = p.sku LEFT JOIN sold ON sold.sku = p.sku
       WHERE NOT p.deleted AND (inv.sku IS NOT NULL OR sold.sku IS NOT NULL)${where}`,
      { ...params, ...locationParam(q), from: period.from, to: period.to },
    );
    const out = rows.map((r) => {
      const cost = toInt(r.cost);
      const unitsSold = toInt(r.sold);
      const averageOnHand = toInt(r.unit_days) / period.days;
      const onHandEnd = toInt(r.on_hand_end);
      const cogs = unitsSold * cost;
      const averageInventoryValue = Math.round(averageOnHand * cost);
      const cover = daysOfCover(onHandEnd, [unitsSold / period.days]);
      return {
        sku: r.sku,
        name: r.name,
        category: r.category,
        unitsSold,
        cogs,
        averageOnHand: round(averageOnHand, 2),
        averageInventoryValue,
        onHandEnd,
        turnover: cost > 0 ? ratio(cogs, averageOnHand * cost, 2) : ratio(unitsSold, averageOnHand, 2),
        daysOfCover: Number.isFinite(cover) && unitsSold > 0 ? round(cover, 1) : null,
        sellThrough: ratio(unitsSold, unitsSold + onHandEnd),
      };
    });
    out.sort((a, b) => b.cogs - a.cogs || b.unitsSold - a.unitsSold || a.sku.localeCompare(b.sku));
    const cogs = out.reduce((s, r) => s + r.cogs, 0);
    const value = out.reduce((s, r) => s + r.averageInventoryValue, 0);
    return {
      ...period,
      currency: await this.currency(),
      rows: out,
      totals: {
        unitsSold: out.reduce((s, r) => s + r.unitsSold, 0),
        cogs,
        averageInventoryValue: value,
        turnover: ratio(cogs, value, 2),
      },
      ...(await this.reports.freshness()),
    };
  }

  /**
   * Dead stock: SKUs holding stock now whose on hand has not gone down for `days` days or more
   * (counted from the first day it went up when it never went down).
   */
  async aging(q: AgingQuery) {
    const asOf = isoDay(this.today());
    const { where, params } = productFilter(q);
    // In and out of the business: a transfer counts only when one location is filtered on.
    const outbound = q.locationId ? 'm.d_on_hand < 0' : `m.d_on_hand < 0 AND m.kind NOT IN ${INTERNAL_KINDS}`;
    const inbound = q.locationId ? 'm.d_on_hand > 0' : `m.d_on_hand > 0 AND m.kind NOT IN ${INTERNAL_KINDS}`;
    const rows = await this.sql.query<{
      sku: string;
      name: string;
      category: string;
      cost: number | null;
      on_hand: number;
      last_out: string | null;
      first_in: string | null;
      idle: number | null;
    }>(
      `WITH stock AS (
         SELECT l.sku, SUM(l.on_hand) AS on_hand FROM level_current l
         WHERE TRUE${locationClause(q, 'l')} GROUP BY l.sku HAVING SUM(l.on_hand) > 0
       ),
       moves AS (
         SELECT m.sku, MAX(m.day) FILTER (WHERE ${outbound}) AS last_out, MIN(m.day) FILTER (WHERE ${inbound}) AS first_in
         FROM fact_movement m WHERE TRUE${locationClause(q, 'm')} GROUP BY m.sku
       ),
       aged AS (
         SELECT s.sku, s.on_hand, mv.last_out, mv.first_in,
           CAST(:today AS date) - COALESCE(mv.last_out, mv.first_in) AS idle
         FROM stock s LEFT JOIN moves mv ON mv.sku = s.sku
       )
       SELECT p.sku, p.name, p.category, p.cost_minor AS cost, a.on_hand,
         to_char(a.last_out, 'YYYY-MM-DD') AS last_out, to_char(a.first_in, 'YYYY-MM-DD') AS first_in, a.idle
       FROM aged a JOIN dim_product p ON p.sku = a.sku AND NOT p.deleted
       WHERE (a.idle IS NULL OR a.idle >= :days)${where}`,
      { ...params, ...locationParam(q), today: asOf, days: q.days },
    );
    const out = rows.map((r) => {
      const onHand = toInt(r.on_hand);
      return {
        sku: r.sku,
        name: r.name,
        category: r.category,
        onHand,
        value: onHand * toInt(r.cost),
        lastOutbound: r.last_out,
        stockedSince: r.first_in,
        daysSinceOutbound: r.idle === null ? null : toInt(r.idle),
      };
    });
    out.sort((a, b) => b.value - a.value || a.sku.localeCompare(b.sku));
    return {
      asOf,
      days: q.days,
      currency: await this.currency(),
      rows: out,
      totals: {
        skus: out.length,
        units: out.reduce((s, r) => s + r.onHand, 0),
        value: out.reduce((s, r) => s + r.value, 0),
      },
      ...(await this.reports.freshness()),
    };
  }

  /**
   * ABC by consumption value (units sold × cost over the period, a year by default): sorted by
   * value, a SKU is A while the SKUs above it hold less than 80% of the total, B while they hold
   * less than 95%, C after (and every SKU without consumption value).
   */
  async abc(q: AnalysisQuery) {
    const period = periodOf(q, 365, this.today());
    const { where, params } = productFilter(q);
    const rows = await this.sql.query<{
      sku: string;
      name: string;
      category: string;
      cost: number | null;
      sold: number;
    }>(
      `SELECT p.sku, p.name, p.category, p.cost_minor AS cost, COALESCE(s.units, 0) AS sold
       FROM dim_product p LEFT JOIN (
         SELECT m.sku, SUM(GREATEST(-m.d_on_hand, 0)) AS units FROM fact_movement m
         WHERE m.kind = 'commit' AND m.day BETWEEN CAST(:from AS date) AND CAST(:to AS date)${locationClause(q, 'm')}
         GROUP BY m.sku
       ) s ON s.sku = p.sku
       WHERE NOT p.deleted${where}`,
      { ...params, ...locationParam(q), from: period.from, to: period.to },
    );
    const valued = rows
      .map((r) => {
        const unitsSold = toInt(r.sold);
        return {
          sku: r.sku,
          name: r.name,
          category: r.category,
          unitsSold,
          value: unitsSold * toInt(r.cost),
        };
      })
      .sort((a, b) => b.value - a.value || a.sku.localeCompare(b.sku));
    const total = valued.reduce((s, r) => s + r.value, 0);
    let above = 0;
    const out = valued.map((r) => {
      const before = total > 0 ? above / total : 1;
      above += r.value;
      const cls = r.value > 0 && before < 0.8 ? 'A' : r.value > 0 && before < 0.95 ? 'B' : 'C';
      return {
        ...r,
        share: total > 0 ? round(r.value / total, 4) : 0,
        cumulativeShare: total > 0 ? round(above / total, 4) : 0,
        class: cls as 'A' | 'B' | 'C',
      };
    });
    return {
      ...period,
      currency: await this.currency(),
      total,
      rows: out,
      classes: (['A', 'B', 'C'] as const).map((c) => {
        const inClass = out.filter((r) => r.class === c);
        const value = inClass.reduce((s, r) => s + r.value, 0);
        return { class: c, skus: inClass.length, value, share: total > 0 ? round(value / total, 4) : 0 };
      }),
      ...(await this.reports.freshness()),
    };
  }

  /**
   * Stock-outs per SKU × location: how many times available (onHand − reserved − safety stock)
   * went from > 0 to ≤ 0 in the period, movement by movement in level-version order; how many
   * days of the period ended with it ≤ 0. Fill rate from the order lines placed in the period.
   */
  async stockouts(q: AnalysisQuery) {
    const period = periodOf(q, 90, this.today());
    const { where, params } = productFilter(q);
    const all = { ...params, ...locationParam(q), from: period.from, to: period.to };
    const rows = await this.sql.query<{
      sku: string;
      name: string;
      category: string;
      location_id: string;
      stockouts: number;
      days_out: number;
      out_at_end: boolean;
    }>(
      // A movement's available: its on hand and reserved after, less the safety stock of that day's
      // level (on hand − reserved − available of the day's last version).
      `WITH moves AS (
         SELECT m.sku, m.location_id, m.day,
           m.on_hand_after - m.reserved_after - (f.on_hand - f.reserved - f.available) AS available,
           LAG(m.on_hand_after - m.reserved_after - (f.on_hand - f.reserved - f.available))
             OVER (PARTITION BY m.sku, m.location_id ORDER BY m.level_version) AS before
         FROM fact_movement m
         JOIN fact_level_daily f ON f.sku = m.sku AND f.location_id = m.location_id AND f.day = m.day
         WHERE m.day <= CAST(:to AS date)${locationClause(q, 'm')}
       ),
       outs AS (
         SELECT sku, location_id, COUNT(*) AS stockouts FROM moves
         WHERE before > 0 AND available <= 0 AND day >= CAST(:from AS date)
         GROUP BY sku, location_id
       ),
       lv AS (${levelSpans(q)}),
       days_out AS (
         SELECT lv.sku, lv.location_id,
           COALESCE(SUM(${DAYS_IN_PERIOD}) FILTER (WHERE lv.available <= 0), 0) AS days_out,
           COALESCE(BOOL_OR(lv.available <= 0 AND lv.next_day > CAST(:to AS date)), false) AS out_at_end
         FROM lv GROUP BY lv.sku, lv.location_id
       )
       SELECT p.sku, p.name, p.category, d.location_id, COALESCE(o.stockouts, 0) AS stockouts,
         d.days_out, d.out_at_end
       FROM days_out d
       LEFT JOIN outs o ON o.sku = d.sku AND o.location_id = d.location_id
       JOIN dim_product p ON p.sku = d.sku AND NOT p.deleted
       WHERE (COALESCE(o.stockouts, 0) > 0 OR d.days_out > 0)${where}
       ORDER BY d.days_out DESC, stockouts DESC, p.sku, d.location_id`,
      all,
    );
    const fill = await this.sql.query<{
      sku: string;
      name: string | null;
      ordered: number;
      reserved: number;
    }>(
      `SELECT l.sku, p.name, SUM(l.quantity) AS ordered, COALESCE(SUM(l.quantity) FILTER (WHERE l.status <> 'rejected'), 0) AS reserved
       FROM fact_order_line l LEFT JOIN dim_product p ON p.sku = l.sku
       WHERE l.placed_day BETWEEN CAST(:from AS date) AND CAST(:to AS date)${where}
       GROUP BY l.sku, p.name ORDER BY l.sku`,
      { ...params, from: period.from, to: period.to },
    );
    const bySku = fill.map((r) => {
      const unitsOrdered = toInt(r.ordered);
      const unitsReserved = toInt(r.reserved);
      return {
        sku: r.sku,
        name: r.name ?? r.sku,
        unitsOrdered,
        unitsReserved,
        unitsRejected: unitsOrdered - unitsReserved,
        rate: ratio(unitsReserved, unitsOrdered),
      };
    });
    const unitsOrdered = bySku.reduce((s, r) => s + r.unitsOrdered, 0);
    const unitsReserved = bySku.reduce((s, r) => s + r.unitsReserved, 0);
    return {
      ...period,
      rows: rows.map((r) => ({
        sku: r.sku,
        name: r.name,
        category: r.category,
        locationId: r.location_id,
        stockouts: toInt(r.stockouts),
        daysOutOfStock: toInt(r.days_out),
        outAtEnd: r.out_at_end === true,
      })),
      fillRate: {
        unitsOrdered,
        unitsReserved,
        unitsRejected: unitsOrdered - unitsReserved,
        rate: ratio(unitsReserved, unitsOrdered),
      },
      fillRateBySku: bySku,
      ...(await this.reports.freshness()),
    };
  }

  /**
   * Per supplier, the purchase orders raised in the period (their lines matching the filters) and
   * how they went: the receipts against them, lead times observed and promised, units.
   */
  async supplierPerformance(q: AnalysisQuery) {
    const period = periodOf(q, 90, this.today());
    const { where, params } = productFilter(q);
    const rows = await this.sql.query<{
      supplier_id: string;
      name: string | null;
      pos: number;
      closed: number;
      ordered: number;
      promised: number | null;
      receipts: number | null;
      received: number | null;
      lead: number | null;
      on_time: number | null;
      timed: number | null;
    }>(
      `WITH lines AS (
         SELECT l.purchase_order_id, l.sku, l.supplier_id, l.quantity, l.created_at, l.expected_by, l.status
         FROM fact_po_line l LEFT JOIN dim_product p ON p.sku = l.sku
         WHERE CAST(l.created_at AS date) BETWEEN CAST(:from AS date) AND CAST(:to AS date)${locationClause(q, 'l')}${where}
       ),
       pos AS (
         SELECT purchase_order_id, MIN(supplier_id) AS supplier_id, SUM(quantity) AS ordered,
           EXTRACT(EPOCH FROM MIN(expected_by) - MIN(created_at)) / 86400.0 AS promised,
           BOOL_OR(status IN ('REJECTED', 'CANCELLED', 'FAILED')) AS closed
         FROM lines GROUP BY purchase_order_id
       ),
       receipts AS (
         SELECT r.receipt_id, MIN(r.supplier_id) AS supplier_id, SUM(r.quantity) AS units,
           MIN(r.lead_time_days) AS lead, BOOL_AND(r.on_time) AS on_time
         FROM fact_receipt r JOIN lines ON lines.purchase_order_id = r.purchase_order_id AND lines.sku = r.sku
         GROUP BY r.receipt_id
       ),
       by_po AS (
         SELECT supplier_id, COUNT(*) AS pos, COUNT(*) FILTER (WHERE closed) AS closed, SUM(ordered) AS ordered,
           AVG(promised) AS promised
         FROM pos GROUP BY supplier_id
       ),
       by_receipt AS (
         SELECT supplier_id, COUNT(*) AS receipts, SUM(units) AS received, AVG(lead) AS lead,
           COUNT(*) FILTER (WHERE on_time) AS on_time, COUNT(on_time) AS timed
         FROM receipts GROUP BY supplier_id
       )
       SELECT b.supplier_id, s.name, b.pos, b.closed, b.ordered, b.promised::float8 AS promised,
         r.receipts, r.received, r.lead::float8 AS lead, r.on_time, r.timed
       FROM by_po b LEFT JOIN by_receipt r ON r.supplier_id = b.supplier_id
       LEFT JOIN dim_supplier s ON s.supplier_id = b.supplier_id
       ORDER BY b.supplier_id`,
      { ...params, ...locationParam(q), from: period.from, to: period.to },
    );
    return {
      ...period,
      rows: rows.map((r) => {
        const unitsOrdered = toInt(r.ordered);
        const unitsReceived = toInt(r.received);
        return {
          supplierId: r.supplier_id,
          name: r.name ?? null,
          purchaseOrders: toInt(r.pos),
          rejectedOrCancelled: toInt(r.closed),
          receipts: toInt(r.receipts),
          unitsOrdered,
          unitsReceived,
          receivedRate: ratio(unitsReceived, unitsOrdered),
          averageLeadTimeDays: r.lead === null ? null : round(Number(r.lead), 2),
          promisedLeadTimeDays: r.promised === null ? null : round(Number(r.promised), 2),
          onTimeRate: ratio(toInt(r.on_time), toInt(r.timed)),
        };
      }),
      ...(await this.reports.freshness()),
    };
  }

  /** Reservation expiries and rejected orders per day (every day of the period) and per SKU. */
  async reservations(q: AnalysisQuery) {
    const period = periodOf(q, 90, this.today());
    const { where, params } = productFilter(q);
    const rows = await this.sql.query<{
      day: string;
      sku: string;
      name: string | null;
      kind: string;
      events: string;
      units: number;
    }>(
      `SELECT to_char(e.day, 'YYYY-MM-DD') AS day, e.sku, p.name, e.kind,
         string_agg(e.event_id, chr(31)) AS events, SUM(e.quantity) AS units
       FROM fact_reservation_event e LEFT JOIN dim_product p ON p.sku = e.sku
       WHERE e.day BETWEEN CAST(:from AS date) AND CAST(:to AS date)${where}
       GROUP BY e.day, e.sku, p.name, e.kind`,
      { ...params, from: period.from, to: period.to },
    );
    type Acc = { expiries: Set<string>; expiredUnits: number; rejects: Set<string>; rejectedUnits: number };
    const acc = (): Acc => ({ expiries: new Set(), expiredUnits: 0, rejects: new Set(), rejectedUnits: 0 });
    const days = new Map(daysOf(period).map((d) => [d, acc()]));
    const skus = new Map<string, Acc & { name: string }>();
    const totals = acc();
    for (const r of rows) {
      const sku = skus.get(r.sku) ?? { ...acc(), name: r.name ?? r.sku };
      skus.set(r.sku, sku);
      for (const a of [days.get(r.day), sku, totals]) {
        if (!a) continue;
        const ids = r.events.split('\u001f');
        if (r.kind === 'expired') {
          for (const id of ids) a.expiries.add(id);
          a.expiredUnits += toInt(r.units);
        } else {
          for (const id of ids) a.rejects.add(id);
          a.rejectedUnits += toInt(r.units);
        }
      }
    }
    const counts = (a: Acc) => ({
      expiries: a.expiries.size,
      expiredUnits: a.expiredUnits,
      rejects: a.rejects.size,
      rejectedUnits: a.rejectedUnits,
    });
    return {
      ...period,
      byDay: [...days.entries()].map(([date, a]) => ({ date, ...counts(a) })),
      bySku: [...skus.entries()]
        .map(([sku, a]) => ({ sku, name: a.name, ...counts(a) }))
        .sort(
          (a, b) =>
            b.expiredUnits + b.rejectedUnits - (a.expiredUnits + a.rejectedUnits) ||
            a.sku.localeCompare(b.sku),
        ),
      totals: counts(totals),
      ...(await this.reports.freshness()),
    };
  }
}
