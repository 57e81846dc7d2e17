import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { ScheduledEvent } from 'aws-lambda';
import { z } from 'zod';
import { requireEnv, sqs } from '../../../lib/aws.ts';
import { observability } from '../../../lib/observability.ts';
import { DEAD_LETTER_QUEUES_ENV } from '../../../lib/topology.ts';
import { defaultAlerting } from '../wiring.ts';

const queuesSchema = z.record(z.string(), z.string());
/** Messages held, also those someone is looking at (`npx azura dlq show` receives them) or delayed. */
const DEPTH_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

/**
 * Scheduled: the depth of every dead-letter queue. A first message opens an episode and alerts
 * the operators once; the queue empty again resolves it. A queue that cannot be read is logged
 * and the others still checked.
 */
export const handler = async (event?: ScheduledEvent) => {
  const { logger } = observability('notifications');
  const queues = queuesSchema.parse(JSON.parse(requireEnv(DEAD_LETTER_QUEUES_ENV)));
  const at = event?.time ? new Date(event.time).toISOString() : new Date().toISOString();
  const result = { checked: 0, alerted: 0, resolved: 0, failed: 0 };
  for (const [name, url] of Object.entries(queues)) {
    try {
      const { Attributes = {} } = await sqs().send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...DEPTH_ATTRIBUTES] }),
      );
      const depth = DEPTH_ATTRIBUTES.reduce((n, name) => n + Number(Attributes[name] ?? 0), 0);
      const alert = await defaultAlerting().deadLetterDepth(name, depth, at);
      result.checked++;
      if (alert?.status === 'open') result.alerted++;
      if (alert?.status === 'resolved') result.resolved++;
    } catch (error) {
      result.failed++;
      logger.error('could not check a dead-letter queue', { queue: name, error: String(error) });
    }
  }
  return result;
};
