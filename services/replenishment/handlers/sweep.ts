import type { Context, ScheduledEvent } from 'aws-lambda';
import { observability } from '../../../lib/observability.ts';
import { defaultPlanner } from '../planner-wiring.ts';

/** Time kept back from the invocation's remaining time for the answer (and an evaluation in flight). */
const RESERVE_MS = 15_000;
/** Without a Lambda context (the local timer): the declared 120 s timeout. */
const DEFAULT_REMAINING_MS = 120_000;

/** Scheduled: re-evaluates every reorder rule, catching a missed or failed stock event. */
export const handler = async (event: ScheduledEvent | undefined, context?: Context) => {
  const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_REMAINING_MS;
  const result = await defaultPlanner().sweep({
    budgetMs: Math.max(1_000, remaining - RESERVE_MS),
    correlationId: `sweep:${event?.id ?? new Date().toISOString()}`,
  });
  observability('replenishment').logger.info('reorder rules swept', { ...result });
  return result;
};
