import { ApiError } from '../api/client.ts';
import { stock } from '../api/endpoints.ts';
import type { HistoryPoint, Movement } from '../api/types.ts';

const DAY = 86_400_000;

/**
 * Units on hand at the end of each of the last `days` UTC days, worked back from today's total:
 * the level at the end of a day is the current level minus every change made after that day.
 */
export function historyFromMovements(
  currentOnHand: number,
  movements: Pick<Movement, 'at' | 'deltas'>[],
  days: number,
  now: Date = new Date(),
): HistoryPoint[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const changes = movements.map((m) => ({ at: Date.parse(m.at), delta: m.deltas.onHand }));
  return Array.from({ length: days }, (_, i) => {
    const start = today - (days - 1 - i) * DAY;
    const end = start + DAY;
    const later = changes.reduce((sum, c) => (c.at >= end ? sum + c.delta : sum), 0);
    return { date: new Date(start).toISOString().slice(0, 10), onHand: currentOnHand - later };
  });
}

/**
 * The stock history of a SKU: from the reporting API when it has the route, otherwise rebuilt
 * from the movement ledger (at most 1,000 movements back).
 */
export async function stockHistory(sku: string, days = 30): Promise<HistoryPoint[]> {
  try {
    return await stock.history(sku, days);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  const since = Date.now() - (days + 1) * DAY;
  const [view, movements] = await Promise.all([stock.get(sku), recentMovements(sku, since)]);
  return historyFromMovements(view.totals.onHand, movements, days);
}

async function recentMovements(sku: string, since: number): Promise<Movement[]> {
  const all: Movement[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 5; page++) {
    const result = await stock.movements(sku, cursor, 200);
    all.push(...result.items);
    cursor = result.nextCursor ?? undefined;
    const oldest = result.items[result.items.length - 1];
    if (!cursor || (oldest && Date.parse(oldest.at) < since)) break;
  }
  return all;
}
