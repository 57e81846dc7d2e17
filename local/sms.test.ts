import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { buildApp } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sns } from '../lib/aws.ts';
import { pointAtEmulators } from '../test/support/env.ts';
import { type CapturedSms, captureSms } from './sms.ts';

const smsPublish = (phone: string, text: string) =>
  new PublishCommand({
    PhoneNumber: phone,
    Message: text,
    MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
  });

const captured = async (endpoint: string): Promise<CapturedSms[]> =>
  ((await (await fetch(`${endpoint}/_local/sms`)).json()) as { messages: CapturedSms[] }).messages;

describe('SMS capture on the test emulators (the real SNS client)', () => {
  beforeAll(() => pointAtEmulators());

  it('answers a Publish to a phone number with a MessageId and lists it at GET /_local/sms', async () => {
    const phone = `+1555555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
    const result = await sns().send(smsPublish(phone, 'hi'));
    expect(result.MessageId).toMatch(/\S+/);
    const mine = (await captured(process.env.AWS_ENDPOINT_URL_SNS!)).filter((m) => m.phoneNumber === phone);
    expect(mine).toEqual([
      {
        messageId: result.MessageId,
        phoneNumber: phone,
        message: 'hi',
        smsType: 'Transactional',
        at: expect.any(String),
      },
    ]);
  });

  it('passes a topic publish through to fauxqs', async () => {
    const { TopicArn } = await sns().send(new CreateTopicCommand({ Name: `sms-test-${Date.now()}` }));
    const result = await sns().send(new PublishCommand({ TopicArn, Message: 'to the topic' }));
    expect(result.MessageId).toMatch(/\S+/);
    const all = await captured(process.env.AWS_ENDPOINT_URL_SNS!);
    expect(all.some((m) => m.message === 'to the topic')).toBe(false);
  });
});

describe('SMS capture with a file', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'sms-')), 'sms.json');
  const start = async () => {
    const app = buildApp({ logger: false });
    captureSms(app, { file });
    const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
    const client = new SNSClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    return { app, endpoint, client };
  };
  let first: Awaited<ReturnType<typeof start>> | undefined;
  afterAll(async () => first?.app.close());

  it('keeps messages across a restart and DELETE clears them', async () => {
    first = await start();
    const { MessageId } = await first.client.send(smsPublish('+15555550100', 'kept'));
    await first.app.close();
    expect(JSON.parse(readFileSync(file, 'utf8')).messages[0].messageId).toBe(MessageId);
    first = await start();
    expect((await captured(first.endpoint)).map((m) => m.message)).toEqual(['kept']);
    expect((await fetch(`${first.endpoint}/_local/sms`, { method: 'DELETE' })).status).toBe(200);
    expect(await captured(first.endpoint)).toEqual([]);
    expect(JSON.parse(readFileSync(file, 'utf8')).messages).toEqual([]);
  });
});
