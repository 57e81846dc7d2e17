import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { buildApp } from 'fauxqs';
import { writeFileAtomic } from './files.ts';

/**
 * The local stand-in for SNS's SMS delivery. fauxqs (the local SNS) refuses a `Publish` without a
 * TopicArn, so this hook on its Fastify app answers a `Publish` to a `PhoneNumber` itself: the SDK
 * speaks SNS's Query protocol (a form body, `Action=Publish&PhoneNumber=…&Message=…`,
 * `MessageAttributes.entry.N.Name/Value.StringValue`), the message is kept and answered with SNS's
 * real `PublishResponse` XML; every other request passes through to fauxqs untouched.
 * `GET /_local/sms` lists the captured messages (`{ messages }`, oldest first), `DELETE /_local/sms`
 * clears them. With a file, they are read back on start and written after every change.
 */
type FauxqsApp = ReturnType<typeof buildApp>;

export interface CapturedSms {
  messageId: string;
  phoneNumber: string;
  message: string;
  /** `AWS.SNS.SMS.SMSType` (Transactional / Promotional) when the publisher set it. */
  smsType?: string;
  at: string;
}

const SMS_TYPE_ATTRIBUTE = 'AWS.SNS.SMS.SMSType';

function smsTypeOf(form: Record<string, string>): string | undefined {
  for (const [key, value] of Object.entries(form)) {
    const match = /^MessageAttributes\.entry\.(\d+)\.Name$/.exec(key);
    if (match && value === SMS_TYPE_ATTRIBUTE)
      return form[`MessageAttributes.entry.${match[1]}.Value.StringValue`];
  }
  return undefined;
}

const xmlEscape = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

export function captureSms(app: FauxqsApp, options: { file?: string } = {}): { messages: CapturedSms[] } {
  const { file } = options;
  const messages: CapturedSms[] =
    file && existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as { messages: CapturedSms[] }).messages
      : [];
  const save = () => {
    if (file) writeFileAtomic(file, JSON.stringify({ messages }));
  };

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || request.url !== '/') return;
    const form = request.body as Record<string, string> | undefined;
    if (!form || typeof form !== 'object' || form.Action !== 'Publish' || !form.PhoneNumber) return;
    const smsType = smsTypeOf(form);
    const captured: CapturedSms = {
      messageId: randomUUID(),
      phoneNumber: form.PhoneNumber,
      message: form.Message ?? '',
      ...(smsType ? { smsType } : {}),
      at: new Date().toISOString(),
    };
    messages.push(captured);
    save();
    return reply
      .header('content-type', 'text/xml')
      .send(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${xmlEscape(captured.messageId)}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
  });
  app.get('/_local/sms', async () => ({ messages }));
  app.delete('/_local/sms', async () => {
    messages.splice(0, messages.length);
    save();
    return { messages };
  });
  return { messages };
}
