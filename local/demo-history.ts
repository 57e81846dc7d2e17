import { mulberry32 } from '../lib/random.ts';
import type { Sql } from '../lib/sql.ts';
import { OrderCompleted, OrderReserved } from '../services/orders/contract.ts';
import { ReadModel } from '../services/reporting/projection.ts';
import { HISTORY_ORDER_PREFIX } from '../services/reporting/reports.ts';

/**
 * The local demo's demand history: 120 days of daily orders for each demo product, written into
 * the reporting read model as the order events would have (placed, then fulfilled), so that a
 * fresh `npm start` shows forecasts and reorder suggestions on the product pages at once. The
 * history ends the day before yesterday and moves no stock (it is demand from before the demo's
 * opening stock). Its order ids start with `HISTORY-`, which the summary's recent orders leave
 * out (there is no such order to open). Deterministic: the same products give the same series,
 * and each event applies once (its id), so a restart adds nothing.
 */
const DAYS = 120;

/** Weekly demand shapes by product: smooth with a weekend peak, or intermittent. */
function dailyDemand(sku: string, day: number, weekday: number, random: () => number): number {
  const intermittent = sku.startsWith('CHARGER') || sku.startsWith('MUG');
  if (intermittent) return random() < 0.25 ? 1 + Math.floor(random() * 4) : 0;
  const base = sku.includes('-L') ? 3 : 5;
  const weekend = weekday === 0 || weekday === 6 ? 1.6 : 1;
  const trend = 1 + day / (DAYS * 4);
  const mean = base * weekend * trend;
  return Math.max(0, Math.round(mean + (random() - 0.5) * mean));
}

const seedOf = (text: string) => [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);

export async function seedDemoDemandHistory(
  sql: Sql,
  skus: readonly string[],
  today = new Date(),
): Promise<number> {
  const model = new ReadModel(sql);
  let applied = 0;
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  for (const sku of skus) {
    const random = mulberry32(seedOf(sku));
    for (let d = 0; d < DAYS; d++) {
      const at = new Date(midnight - (DAYS + 1 - d) * 86_400_000 + 14 * 3_600_000);
      const quantity = dailyDemand(sku, d, at.getUTCDay(), random);
      if (quantity === 0) continue;
      const orderId = `${HISTORY_ORDER_PREFIX}${sku}-${at.toISOString().slice(0, 10)}`;
      const lines = [{ sku, quantity }];
      const placedAt = at.toISOString();
      const fulfilledAt = new Date(at.getTime() + 3_600_000).toISOString();
      const reserved = OrderReserved.create(
        { orderId, lines, expiresAt: fulfilledAt },
        { id: `${orderId}:reserved`, correlationId: 'demo-history', occurredAt: placedAt },
      );
      const completed = OrderCompleted.create(
        { orderId, lines, fulfilledAt },
        { id: `${orderId}:completed`, correlationId: 'demo-history', occurredAt: fulfilledAt },
      );
      if (await model.apply(reserved)) applied++;
      if (await model.apply(completed)) applied++;
    }
  }
  return applied;
}
