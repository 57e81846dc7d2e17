import { asWorkflowTask } from '../../../lib/errors.ts';
import { parseOrThrow } from '../../../lib/parse.ts';
import { awaitOutcomeInputSchema } from '../domain/model.ts';
import { defaultOrders } from '../wiring.ts';

/**
 * Order saga callback task (`.waitForTaskToken`): parks the task token on the order. If the
 * platform's Fulfilled/Cancelled is already known, it resumes the saga itself at once.
 */
export async function handler(event: unknown): Promise<{ waiting: boolean }> {
  const { orderId, taskToken } = parseOrThrow(awaitOutcomeInputSchema, event);
  return asWorkflowTask(() => defaultOrders().awaitOutcome(orderId, taskToken));
}
