import type { Context, ScheduledEvent } from 'aws-lambda';
import { observability } from '../../../lib/observability.ts';
import { defaultPlanner, purchaseOrdering } from '../wiring.ts';

/** Time kept back from the invocation's remaining time for the answer (and an evaluation in flight). */
const RESERVE_MS = 15_000;
/** Without a Lambda context (the local timer): the declared 120 s timeout. */
const DEFAULT_REMAINING_MS = 120_000;

/**
 * Scheduled: starts the sagas that never started (a PO written by a raiser that died before
 * StartExecution), then re-evaluates every reorder rule, catching a missed or failed stock event.
 */
export const handler = async (event: ScheduledEvent | undefined, context?: Context) => {
  const started = Date.now();
  const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_REMAINING_MS;
  const sagas = await purchaseOrdering().startStalled();
  const rules = await defaultPlanner().sweep({
    budgetMs: Math.max(1_000, remaining - (Date.now() - started) - RESERVE_MS),
    correlationId: `sweep:${event?.id ?? new Date().toISOString()}`,
  });
  const result = { ...rules, stalledSagasStarted: sagas.started, stalledSagasFailed: sagas.failed };
  observability('replenishment').logger.info('reorder rules swept', result);
  return result;
};
