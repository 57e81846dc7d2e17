import type { ScheduledEvent } from 'aws-lambda';
import { observability } from '../../../lib/observability.ts';
import { defaultDelivery } from '../wiring.ts';

/** Scheduled: sends what quiet hours held once they end, and each person's daily digest when due. */
export const handler = async (_event?: ScheduledEvent) => {
  const result = await defaultDelivery().flush(new Date().toISOString());
  if (result.released > 0) observability('notifications').logger.info('released waiting deliveries', result);
  return result;
};
