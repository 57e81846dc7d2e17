import { eventConsumer } from '../../../lib/consumer.ts';
import { reportingEvents } from '../service.ts';
import { defaultReadModel } from '../wiring.ts';

const apply = async (event: Parameters<ReturnType<typeof defaultReadModel>['apply']>[0]) => {
  await defaultReadModel().apply(event);
};

/**
 * Upserts the read model from each event, once per event id (a duplicate, a replay or a
 * redelivery changes nothing); a failure is retried by SQS and then lands in the DLQ.
 */
export const handler = eventConsumer(
  'reporting',
  reportingEvents,
  Object.fromEntries(reportingEvents.map((e) => [e.type, apply])) as never,
);
