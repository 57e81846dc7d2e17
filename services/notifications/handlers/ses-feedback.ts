import { z } from 'zod';
import { messageConsumer } from '../../../lib/consumer.ts';
import { observability } from '../../../lib/observability.ts';
import { defaultDelivery } from '../wiring.ts';

/**
 * An SES event (configuration set → SNS topic → this queue), as SES publishes it: `eventType`,
 * `mail` with the email tags it was sent with (our `deliveryId`), and the bounce or complaint.
 * See "Contents of event data that Amazon SES publishes to Amazon SNS".
 */
const recipients = z.array(z.object({ emailAddress: z.string() })).default([]);
const sesEventSchema = z.object({
  eventType: z.string(),
  mail: z.object({
    timestamp: z.string().optional(),
    destination: z.array(z.string()).default([]),
    tags: z.record(z.string(), z.array(z.string())).default({}),
  }),
  bounce: z
    .object({
      bounceType: z.string(),
      bounceSubType: z.string().optional(),
      bouncedRecipients: recipients,
      timestamp: z.string().optional(),
    })
    .optional(),
  complaint: z
    .object({
      complainedRecipients: recipients,
      complaintFeedbackType: z.string().optional(),
      timestamp: z.string().optional(),
    })
    .optional(),
});

/** The SNS notification the queue receives (not raw delivery): the SES event is its Message, as JSON. */
const notificationSchema = z.object({
  Type: z.string(),
  Message: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'Message is not JSON' });
        return z.NEVER;
      }
    })
    .pipe(sesEventSchema),
});

/** A bounce (permanent ones suppress the address) or a complaint (suppresses it): marks the delivery. */
export const handler = messageConsumer('notifications', notificationSchema, async ({ Message: event }) => {
  const deliveryId = event.mail.tags.deliveryId?.[0];
  const at = new Date().toISOString();
  if (event.eventType === 'Bounce' && event.bounce) {
    const permanent = event.bounce.bounceType === 'Permanent';
    for (const r of event.bounce.bouncedRecipients)
      await defaultDelivery().recordFeedback({
        ...(deliveryId ? { deliveryId } : {}),
        address: r.emailAddress,
        kind: 'bounced',
        permanent,
        at: event.bounce.timestamp ?? at,
        detail: `${event.bounce.bounceType} bounce${event.bounce.bounceSubType ? ` (${event.bounce.bounceSubType})` : ''}`,
      });
  } else if (event.eventType === 'Complaint' && event.complaint) {
    for (const r of event.complaint.complainedRecipients)
      await defaultDelivery().recordFeedback({
        ...(deliveryId ? { deliveryId } : {}),
        address: r.emailAddress,
        kind: 'complained',
        permanent: true,
        at: event.complaint.timestamp ?? at,
        detail: `complaint${event.complaint.complaintFeedbackType ? ` (${event.complaint.complaintFeedbackType})` : ''}`,
      });
  } else {
    // Delivery, Send, Reject, Rendering Failure…: logged; the delivery record already says sent or failed.
    observability('notifications').logger.info('SES event', { eventType: event.eventType, deliveryId });
  }
});
