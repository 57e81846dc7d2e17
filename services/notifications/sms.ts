import { PublishCommand } from '@aws-sdk/client-sns';
import { sns } from '../../lib/aws.ts';

import type { SmsSender } from './domain/delivery.ts';

/** Sends one SMS with SNS `Publish` to a phone number (Transactional). Locally captured by local/sms.ts. */
export class SnsSmsSender implements SmsSender {
  async send(input: { phone: string; text: string; deliveryId: string }): Promise<{ messageId: string }> {
    const result = await sns().send(
      new PublishCommand({
        PhoneNumber: input.phone,
        Message: input.text,
        MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
      }),
    );
    if (!result.MessageId)
      throw new Error(`SNS accepted the SMS of delivery ${input.deliveryId} without a MessageId`);
    return { messageId: result.MessageId };
  }
}

let sender: SmsSender | undefined;
export function defaultSmsSender(): SmsSender {
  sender ??= new SnsSmsSender();
  return sender;
}
