import { asWorkflowTask } from '../../../lib/errors.ts';
import { parseOrThrow } from '../../../lib/parse.ts';
import { markStatusInputSchema } from '../domain/model.ts';
import { defaultOrders } from '../wiring.ts';

/** Order saga task: records a status transition and, in the same write, the event to publish. */
export async function handler(event: unknown): Promise<{ status: string }> {
  const input = parseOrThrow(markStatusInputSchema, event);
  return asWorkflowTask(() => defaultOrders().markStatus(input));
}
