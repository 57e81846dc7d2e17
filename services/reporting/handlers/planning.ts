import type { ScheduledHandler } from 'aws-lambda';
import { observability } from '../../../lib/observability.ts';
import { type EventPublisher, SnsEventPublisher } from '../../../lib/publisher.ts';
import { Planning } from '../planning.ts';
import { defaultSql } from '../wiring.ts';

let publisher: EventPublisher | undefined;

/**
 * Scheduled (hourly): the days of cover of every SKU × location; publishes `DaysOfCoverLow` for
 * each one below its lead time and `DaysOfCoverRecovered` for each one that no longer is
 * (services/reporting/events.ts). The run's time is the scheduled event's `time`, so EventBridge's
 * retry of the same run publishes the same event ids.
 */
export const handler: ScheduledHandler = async (event) => {
  publisher ??= new SnsEventPublisher();
  const { logger } = observability('reporting');
  const runAt = new Date((event as { time?: string } | undefined)?.time ?? Date.now()).toISOString();
  const { low, recovered } = await new Planning(defaultSql()).runCoverCheck(publisher, runAt);
  logger.info('days of cover checked', { runAt, low: low.length, recovered: recovered.length });
};
