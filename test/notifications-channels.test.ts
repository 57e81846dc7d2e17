import { beforeAll, describe, expect, it } from 'vitest';
import type { CapturedSms } from '../local/sms.ts';
import { SesEmailSender } from '../services/notifications/email.ts';
import { SnsSmsSender } from '../services/notifications/sms.ts';
import { pointAtEmulators } from './support/env.ts';

// What the local SES's mail viewer reads: GET /store.
interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

describe('notification channels against the emulators', () => {
  beforeAll(() => {
    pointAtEmulators();
    process.env.EMAIL_FROM = 'alerts@azura.example';
    process.env.SES_CONFIGURATION_SET = 'azura-notifications';
  });

  it('SesEmailSender sends a simple email (with configuration set and deliveryId tag) that lands in the local SES', async () => {
    const deliveryId = `dlv-${Date.now()}`;
    const sent = await new SesEmailSender().send({
      to: 'manager@azura.example',
      subject: 'Stock low: Blue mug',
      html: '<p>Only <b>3</b> left.</p>',
      text: 'Only 3 left.',
      deliveryId,
    });
    expect(sent.messageId).toMatch(/\S+/);
    const store = (await (await fetch(`${process.env.AWS_ENDPOINT_URL_SESV2}/store`)).json()) as {
      emails: StoredEmail[];
    };
    expect(store.emails.find((e) => e.messageId === sent.messageId)).toMatchObject({
      from: 'alerts@azura.example',
      destination: { to: ['manager@azura.example'] },
      subject: 'Stock low: Blue mug',
      body: { html: '<p>Only <b>3</b> left.</p>', text: 'Only 3 left.' },
    });
  });

  it('SnsSmsSender publishes a Transactional SMS that lands in the local capture', async () => {
    const phone = '+15555550123';
    const text = `PO failed ${Date.now()}`;
    const sent = await new SnsSmsSender().send({ phone, text, deliveryId: 'dlv-sms' });
    expect(sent.messageId).toMatch(/\S+/);
    const { messages } = (await (await fetch(`${process.env.AWS_ENDPOINT_URL_SNS}/_local/sms`)).json()) as {
      messages: CapturedSms[];
    };
    expect(messages.find((m) => m.messageId === sent.messageId)).toMatchObject({
      phoneNumber: phone,
      message: text,
      smsType: 'Transactional',
    });
  });
});
