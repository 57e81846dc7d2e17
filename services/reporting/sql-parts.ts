import type { SqlParams } from '../../lib/sql.ts';

/** What the report queries share (reports.ts, analysis.ts, planning.ts, api.ts). */

const DAY_MS = 86_400_000;

/** Movements between locations: they move stock, they do not bring it in or send it out. */
export const INTERNAL_KINDS = "('transfer_out', 'transfer_in')";

/** A SQL number (the Data API's JSON may give strings for numeric) as an integer; null is 0. */
export const toInt = (v: unknown): number => (v === null || v === undefined ? 0 : Math.round(Number(v)));

/** YYYY-MM-DD (UTC). */
export const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

/** The day `n` days after `iso` (YYYY-MM-DD, UTC). */
export const addDays = (iso: string, n: number): string =>
  isoDay(new Date(Date.parse(`${iso}T00:00:00Z`) + n * DAY_MS));

/** Product filters (category, SKU) as SQL on `alias` (dim_product), with their parameters. */
export function productFilter(
  q: { category?: string | undefined; sku?: string | undefined },
  alias = 'p',
): { where: string; params: SqlParams } {
  const clauses: string[] = [];
  const params: Record<string, string> = {};
  if (q.category) {
    clauses.push(`${alias}.category = :category`);
    params.category = q.category;
  }
  if (q.sku) {
    clauses.push(`${alias}.sku = :sku`);
    params.sku = q.sku;
  }
  return { where: clauses.length ? ` AND ${clauses.join(' AND ')}` : '', params };
}
