import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESv2Client, SESv2ServiceException, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { clearStore } from 'aws-ses-v2-local/dist/store.js';
import { ulid } from 'ulid';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { sesv2 } from '../lib/aws.ts';
import { startTestRuntime } from '../test/support/runtime.ts';
import { endpointEnv } from './emulators.ts';
import { startLocalSes } from './ses.ts';

// What the emulator's mail viewer reads: GET /store.
interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

async function storedEmails(endpoint: string): Promise<StoredEmail[]> {
  const response = await fetch(`${endpoint}/store`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { emails: StoredEmail[] }).emails;
}

async function storedEmail(endpoint: string, messageId: string | undefined): Promise<StoredEmail> {
  const email = (await storedEmails(endpoint)).find((e) => e.messageId === messageId);
  if (!email) throw new Error(`email ${messageId} is not in the local SES's store`);
  return email;
}

describe('the local SES v2 started with the emulators, through the real SDK client', () => {
  const endpoint = inject('sesEndpoint');
  // The client the services will use: lib/aws.ts, pointed at the emulator by AWS_ENDPOINT_URL_SESV2 alone.
  Object.assign(
    process.env,
    endpointEnv({
      dynamoEndpoint: inject('dynamoEndpoint'),
      awsEndpoint: inject('awsEndpoint'),
      sesEndpoint: endpoint,
    }),
  );
  const client = sesv2();
  const to = `buyer-${ulid().toLowerCase()}@example.com`;

  it("is part of the runtime's health", async () => {
    const runtime = await startTestRuntime([]);
    try {
      expect(await runtime.health()).toMatchObject({ ok: true, components: { ses: 'ok' } });
    } finally {
      await runtime.stop();
    }
  });

  it('serves its mail viewer', async () => {
    const response = await fetch(`${endpoint}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
  });

  it('keeps a simple email with its subject, recipients, HTML and text', async () => {
    const sent = await client.send(
      new SendEmailCommand({
        FromEmailAddress: 'Azura Inventory <noreply@azura.example>',
        Destination: { ToAddresses: [to], CcAddresses: ['planner@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: 'Stock low: Blue mug', Charset: 'UTF-8' },
            Body: {
              Html: { Data: '<p>Only <b>3</b> Blue mugs left.</p>', Charset: 'UTF-8' },
              Text: { Data: 'Only 3 Blue mugs left.', Charset: 'UTF-8' },
            },
          },
        },
      }),
    );
    expect(sent.MessageId).toMatch(/^ses-\d+$/);
    expect(await storedEmail(endpoint, sent.MessageId)).toMatchObject({
      from: 'Azura Inventory <noreply@azura.example>',
      destination: { to: [to], cc: ['planner@example.com'], bcc: [] },
      subject: 'Stock low: Blue mug',
      body: { html: '<p>Only <b>3</b> Blue mugs left.</p>', text: 'Only 3 Blue mugs left.' },
    });
  });

  it('parses a raw MIME email into its subject, recipients, HTML and text', async () => {
    const boundary = 'azura-boundary';
    const mime = [
      'From: noreply@azura.example',
      `To: ${to}`,
      'Subject: Purchase order PO-42 confirmed',
      'MIME-Version: 1.0',
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=UTF-8',
      '',
      'PO-42 was confirmed by the supplier.',
      `--${boundary}`,
      'Content-Type: text/html; charset=UTF-8',
      '',
      '<h1>PO-42</h1><p>Confirmed by the supplier.</p>',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const sent = await client.send(
      new SendEmailCommand({ Content: { Raw: { Data: new TextEncoder().encode(mime) } } }),
    );
    const email = await storedEmail(endpoint, sent.MessageId);
    expect(email).toMatchObject({
      from: 'noreply@azura.example',
      destination: { to: [to] },
      subject: 'Purchase order PO-42 confirmed',
    });
    expect(email.body.text?.trim()).toBe('PO-42 was confirmed by the supplier.');
    expect(email.body.html).toContain('<h1>PO-42</h1><p>Confirmed by the supplier.</p>');
  });

  // SES answers BadRequestException; the emulator's send errors carry no error type, so the SDK names
  // them 'Unknown' (status 400, message 'Bad Request Exception'): code must not rely on the name locally.
  it('refuses an email without a sender with a 400 service error (untyped, unlike SES)', async () => {
    const error = await client
      .send(
        new SendEmailCommand({
          Destination: { ToAddresses: [to] },
          Content: { Simple: { Subject: { Data: 'No sender' }, Body: { Text: { Data: 'x' } } } },
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SESv2ServiceException);
    expect(error).toMatchObject({
      name: 'Unknown',
      message: 'Bad Request Exception',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('accepts a malformed recipient address, unlike SES (a quirk to know: it checks no addresses)', async () => {
    const sent = await client.send(
      new SendEmailCommand({
        FromEmailAddress: 'noreply@azura.example',
        Destination: { ToAddresses: ['not an address'] },
        Content: { Simple: { Subject: { Data: 'Malformed' }, Body: { Text: { Data: 'x' } } } },
      }),
    );
    expect((await storedEmail(endpoint, sent.MessageId)).destination.to).toEqual(['not an address']);
  });
});

describe('the local SES with a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'azura-ses-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its emails across a restart', async () => {
    const file = join(dir, 'ses.json');
    const first = await startLocalSes({ file });
    const client = new SESv2Client({
      endpoint: first.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const sent = await client.send(
      new SendEmailCommand({
        FromEmailAddress: 'noreply@azura.example',
        Destination: { ToAddresses: ['buyer@example.com'] },
        Content: { Simple: { Subject: { Data: 'Kept' }, Body: { Text: { Data: 'Still here' } } } },
      }),
    );
    await first.stop();
    // The emulator's store lives in its module: empty it, as a new process would start.
    clearStore();
    const second = await startLocalSes({ file });
    try {
      expect(await storedEmail(second.endpoint, sent.MessageId)).toMatchObject({
        subject: 'Kept',
        body: { text: 'Still here' },
      });
    } finally {
      await second.stop();
    }
  });
});
