import { ApiError } from '../api/client.ts';
import { orders, products, reports } from '../api/endpoints.ts';
import type { OrderStatus, OrderSummary, Product, ReportSummary, Summary } from '../api/types.ts';
import { stockStatus } from './format.ts';

/** What the trend charts say while the reporting service (the SQL read model) is not there. */
export const TREND_UNAVAILABLE =
  'The 30-day trend comes with the reporting service, which is not available yet.';

/**
 * The dashboard's figures from the products and their stock totals, for when the reporting
 * service is not there: no movement or value trend then (they need the ledger of every SKU).
 */
export function summarize(items: Product[], recentOrders: OrderSummary[]): Summary {
  const currency = items[0]?.cost.currency ?? 'USD';
  let units = 0;
  let value = 0;
  let retail = 0;
  let withoutCost = 0;
  let reserved = 0;
  let available = 0;
  for (const p of items) {
    const s = p.stock;
    if (!s) continue;
    units += s.onHand;
    reserved += s.reserved;
    available += Math.max(0, s.available);
    if (s.onHand > 0 && p.cost.amount === 0) withoutCost++;
    if (p.cost.currency === currency) value += Math.max(0, s.onHand) * p.cost.amount;
    if (p.price.currency === currency) retail += Math.max(0, s.onHand) * p.price.amount;
  }
  return {
    totalSkus: items.length,
    totalUnitsOnHand: units,
    inventoryValue: { amount: value, currency },
    retailValue: { amount: retail, currency },
    productsWithoutCost: withoutCost,
    lowStockCount: items.filter((p) => stockStatus(p) === 'low').length,
    outOfStockCount: items.filter((p) => stockStatus(p) === 'out').length,
    totalReserved: reserved,
    totalAvailable: available,
    recentOrders: recentOrders.slice(0, 10),
    movementTrend: [],
    valueTrend: [],
    dataAsOf: null,
    lagSeconds: null,
    trendUnavailable: true,
  };
}

/** The report's summary as the dashboard shows it (its orders' statuses are the orders service's). */
export const fromReport = (report: ReportSummary): Summary => ({
  ...report,
  recentOrders: report.recentOrders.map((o) => ({ ...o, status: o.status as OrderStatus })),
});

/**
 * Whether /reports answered 404 on this page load: the reporting service is not deployed here.
 * Asked once per page load; after a 404 the dashboard works its figures out itself without asking again.
 */
let reportingAbsent = false;

export const reportingAvailable = (): boolean => !reportingAbsent;

/** Remembers that the reporting routes answered `error` when it is a 404; true if so. */
export function noteReportingAbsent(error: unknown): boolean {
  if (error instanceof ApiError && error.status === 404) reportingAbsent = true;
  return reportingAbsent;
}

/** Forgets the 404 (a new page load, in tests). */
export function resetReportingProbe(): void {
  reportingAbsent = false;
}

/** The reporting summary, or the same figures worked out here when that route does not exist. */
export async function dashboardSummary(): Promise<Summary> {
  if (!reportingAbsent) {
    try {
      return fromReport(await reports.summary());
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      reportingAbsent = true;
    }
  }
  const [all, recent] = await Promise.all([
    products.listAll({ status: 'active' }, 5000),
    orders.list().catch(() => ({ items: [] as OrderSummary[] })),
  ]);
  return summarize(all.items, recent.items);
}
