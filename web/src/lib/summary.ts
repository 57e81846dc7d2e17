import { ApiError } from '../api/client.ts';
import { orders, products, reports } from '../api/endpoints.ts';
import type { OrderSummary, Product, Summary } from '../api/types.ts';
import { stockStatus } from './format.ts';

/** What the trend charts say while the reporting service (the SQL read model) is not there. */
export const TREND_UNAVAILABLE =
  'The 30-day trend comes with the reporting service, which is not available yet.';

/**
 * The dashboard's figures from the products and their stock totals, for when the reporting
 * service is not there: no movement trend then (it needs the ledger of every SKU).
 */
export function summarize(items: Product[], recentOrders: OrderSummary[]): Summary {
  const currency = items[0]?.cost.currency ?? 'USD';
  let units = 0;
  let value = 0;
  let reserved = 0;
  let available = 0;
  for (const p of items) {
    const s = p.stock;
    if (!s) continue;
    units += s.onHand;
    reserved += s.reserved;
    available += Math.max(0, s.available);
    if (p.cost.currency === currency) value += Math.max(0, s.onHand) * p.cost.amount;
  }
  return {
    totalSkus: items.length,
    totalUnitsOnHand: units,
    inventoryValue: { amount: value, currency },
    lowStockCount: items.filter((p) => stockStatus(p) === 'low').length,
    outOfStockCount: items.filter((p) => stockStatus(p) === 'out').length,
    totalReserved: reserved,
    totalAvailable: available,
    recentOrders: recentOrders.slice(0, 10),
    movementTrend: [],
    trendUnavailable: true,
  };
}

/** The reporting summary, or the same figures worked out here when that route does not exist. */
export async function dashboardSummary(): Promise<Summary> {
  try {
    return await reports.summary();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  const [all, recent] = await Promise.all([
    products.listAll({ status: 'active' }, 5000),
    orders.list().catch(() => ({ items: [] as OrderSummary[] })),
  ]);
  return summarize(all.items, recent.items);
}
