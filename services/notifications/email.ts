import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { requireEnv, sesv2 } from '../../lib/aws.ts';
import { EMAIL_ENV } from '../../lib/topology.ts';

import type { EmailSender } from './domain/delivery.ts';

export type EmailMessage = Parameters<EmailSender['send']>[0];

/** Sends one email with SES v2; the delivery id rides along as an email tag for SES's feedback events. */
export class SesEmailSender implements EmailSender {
  /** `client`: the process-wide SES v2 client unless given. */
  constructor(private readonly client: () => SESv2Client = sesv2) {}

  async send(input: EmailMessage): Promise<{ messageId: string }> {
    const charset = 'UTF-8';
    const result = await this.client().send(
      new SendEmailCommand({
        FromEmailAddress: requireEnv(EMAIL_ENV.from),
        ConfigurationSetName: requireEnv(EMAIL_ENV.configurationSet),
        Destination: { ToAddresses: [input.to] },
        Content: {
          Simple: {
            Subject: { Data: input.subject, Charset: charset },
            Body: {
              Html: { Data: input.html, Charset: charset },
              Text: { Data: input.text, Charset: charset },
            },
          },
        },
        EmailTags: [{ Name: 'deliveryId', Value: input.deliveryId }],
      }),
    );
    if (!result.MessageId)
      throw new Error(`SES accepted the email of delivery ${input.deliveryId} without a MessageId`);
    return { messageId: result.MessageId };
  }
}

let sender: EmailSender | undefined;
export function defaultEmailSender(): EmailSender {
  sender ??= new SesEmailSender();
  return sender;
}
