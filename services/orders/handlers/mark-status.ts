import { parseOrThrow } from '../../../lib/parse.ts';
import { markStatusInputSchema } from '../domain/model.ts';
import { defaultOrders } from '../wiring.ts';

/** Order saga task: records a status transition and, in the same write, the event to publish. */
export async function handler(event: unknown): Promise<{ status: string }> {
  return defaultOrders().markStatus(parseOrThrow(markStatusInputSchema, event));
}
