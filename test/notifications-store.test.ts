import { randomBytes } from 'node:crypto';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import { sqs } from '../lib/aws.ts';
import { ValidationError } from '../lib/errors.ts';
import type { ProvisionedQueue } from '../local/provision.ts';
import { S3ContentStore } from '../services/notifications/content-store.ts';
import { type Alert, type Channel, sendMessageSchema } from '../services/notifications/contract.ts';
import { DynamoDeliveryStore, DynamoInboxStore } from '../services/notifications/delivery-store.ts';
import { type DeliveryRecord, deliveryIdOf } from '../services/notifications/domain/delivery.ts';
import type { Recipient } from '../services/notifications/domain/model.ts';
import { SqsSendQueue } from '../services/notifications/send-queue.ts';
import { notificationsService, SEND_QUEUE } from '../services/notifications/service.ts';
import { eventually, provisionFor } from './support/env.ts';

/** The notifications delivery store, inbox, send queue and content store against the emulators. */
let store: DynamoDeliveryStore;
let inbox: DynamoInboxStore;
let sendQueue: ProvisionedQueue;

beforeAll(async () => {
  const provisioned = await provisionFor([notificationsService]);
  sendQueue = provisioned.queues.find((q) => q.name === SEND_QUEUE)!;
  store = new DynamoDeliveryStore();
  inbox = new DynamoInboxStore();
});

const uniqueSku = () => `N-${ulid()}`;
const alertId = () => `al_${randomBytes(13).toString('hex')}`;

function alertOf(overrides: Partial<Alert> = {}): Alert {
  const sku = overrides.sku ?? uniqueSku();
  return {
    id: alertId(),
    dedupeKey: `StockLow#${sku}#main#1`,
    type: 'StockLow',
    category: 'stock',
    severity: 'warning',
    title: `Low stock: ${sku} at Main warehouse`,
    summary: 'Only 3 left; the reorder point is 5.',
    sku,
    locationId: 'main',
    link: `/inventory/${sku}`,
    status: 'open',
    raisedAt: '2025-03-01T09:00:00.000Z',
    ...overrides,
  };
}

function personOf(overrides: Partial<Recipient> = {}): Recipient {
  const id = overrides.id ?? `u-${ulid()}`;
  return {
    id,
    email: `${id}@azura.example`,
    name: 'Mia Manager',
    roles: ['manager'],
    status: 'active',
    version: 1,
    ...overrides,
  };
}

function recordOf(
  alert: Alert,
  channel: Channel,
  overrides: Partial<DeliveryRecord> = {},
  person = personOf(),
): DeliveryRecord {
  return {
    id: deliveryIdOf(alert.id, person.id, channel),
    alertId: alert.id,
    alertType: alert.type,
    ...(alert.sku ? { sku: alert.sku } : {}),
    userId: person.id,
    recipient: channel === 'inApp' ? person.id : person.email,
    channel,
    status: 'pending',
    attempts: [],
    createdAt: alert.raisedAt,
    alert,
    person,
    ...overrides,
  };
}

describe('deliveries', () => {
  it('createDeliveries is idempotent: a second call returns what is stored, unchanged, in input order', async () => {
    const alert = alertOf();
    const email = recordOf(alert, 'email');
    const sms = recordOf(alert, 'sms', { recipient: '+33600000000' });

    const first = await store.createDeliveries([email, sms]);
    const second = await store.createDeliveries([
      { ...email, status: 'held', releaseAt: '2025-03-01T18:00:00.000Z' },
      { ...sms, status: 'suppressed' },
    ]);

    expect(first).toEqual([email, sms]);
    expect(second).toEqual([email, sms]);
    expect(await store.getDelivery(email.id)).toEqual(email);
  });

  it('recordAttempt appends each attempt and applies the change', async () => {
    const record = recordOf(alertOf(), 'email');
    await store.createDeliveries([record]);

    await store.recordAttempt(
      record.id,
      { at: '2025-03-01T09:00:01.000Z', outcome: 'error', error: 'Throttled' },
      {
        status: 'pending',
      },
    );
    await store.recordAttempt(
      record.id,
      { at: '2025-03-01T09:00:31.000Z', outcome: 'sent', providerMessageId: 'msg-1' },
      { status: 'sent', sentAt: '2025-03-01T09:00:31.000Z', subject: 'Low stock' },
    );

    expect(await store.getDelivery(record.id)).toMatchObject({
      status: 'sent',
      sentAt: '2025-03-01T09:00:31.000Z',
      subject: 'Low stock',
      attempts: [
        { at: '2025-03-01T09:00:01.000Z', outcome: 'error', error: 'Throttled' },
        { at: '2025-03-01T09:00:31.000Z', outcome: 'sent', providerMessageId: 'msg-1' },
      ],
    });
  });

  it('changeStatus applies only from the listed statuses, and is false for an absent record', async () => {
    const record = recordOf(alertOf(), 'email');
    await store.createDeliveries([record]);

    expect(await store.changeStatus(record.id, ['held', 'digest'], { status: 'sent' })).toBe(false);
    expect(
      await store.changeStatus(record.id, ['pending'], { status: 'suppressed', reason: 'bounced' }),
    ).toBe(true);
    expect(await store.changeStatus(record.id, ['pending'], { status: 'sent' })).toBe(false);
    expect(await store.changeStatus('dl_absent', ['pending'], { status: 'sent' })).toBe(false);
    expect(await store.getDelivery('dl_absent')).toBeUndefined();
    expect(await store.getDelivery(record.id)).toMatchObject({ status: 'suppressed', reason: 'bounced' });
  });

  it('waiting returns held and digested deliveries due by now; a release keeps one waiting until leaveWaiting', async () => {
    // Far in the future, so that other tests' waiting deliveries (if any) sort before these.
    const now = '2999-01-01T08:00:00.000Z';
    const alert = alertOf();
    const held = recordOf(alert, 'email', { status: 'held', releaseAt: now, reason: 'quiet hours' });
    const digested = recordOf(alert, 'email', {
      status: 'digest',
      releaseAt: '2999-01-01T07:00:00.000Z',
    });
    const later = recordOf(alert, 'email', { status: 'held', releaseAt: '2999-01-01T08:00:00.001Z' });
    const notWaiting = recordOf(alert, 'email');
    // A digest is written pending with its releaseAt: waiting until it is queued.
    const digest = recordOf(alert, 'email', { status: 'pending', releaseAt: '2999-01-01T07:00:00.000Z' });
    digest.id = `dl_digest_${ulid()}`;
    await store.createDeliveries([held, digested, later, notWaiting, digest]);

    const mine = new Set([held.id, digested.id, later.id, notWaiting.id, digest.id]);
    const ids = async () => (await store.waiting(now)).map((r) => r.id).filter((id) => mine.has(id));
    expect(new Set(await ids())).toEqual(new Set([held.id, digested.id, digest.id]));
    expect((await store.waiting(now)).find((r) => r.id === held.id)).toEqual(held);

    // Released: pending but still on the index until it is queued.
    expect(await store.changeStatus(held.id, ['held'], { status: 'pending', keepWaiting: true })).toBe(true);
    expect((await store.waiting(now)).find((r) => r.id === held.id)?.status).toBe('pending');
    await store.leaveWaiting(held.id);
    // Digested, then sent in the digest: off the index.
    await store.changeStatus(digested.id, ['digest'], { status: 'sent', sentAt: now });
    // Sent (recordAttempt): off the index too.
    await store.recordAttempt(
      digest.id,
      { at: now, outcome: 'sent', providerMessageId: 'm' },
      { status: 'sent' },
    );

    expect(await ids()).toEqual([]);
    expect(new Set((await store.waiting('2999-01-02T00:00:00.000Z')).map((r) => r.id))).toContain(later.id);
    await store.leaveWaiting('dl_absent');
  });

  it('listDeliveries: newest first, filtered on channel, type, sku and status, paged by an opaque cursor', async () => {
    const sku = uniqueSku();
    const person = personOf();
    const alerts = Array.from({ length: 5 }, (_, i) =>
      alertOf({ sku, raisedAt: `2025-03-0${i + 1}T09:00:00.000Z` }),
    );
    const records = alerts.flatMap((alert) => [
      recordOf(alert, 'email', {}, person),
      recordOf(alert, 'inApp', { status: 'sent', sentAt: alert.raisedAt }, person),
    ]);
    await store.createDeliveries(records);
    await store.createDeliveries([recordOf(alertOf({ type: 'OutOfStock', sku }), 'email', {}, person)]);

    const first = await store.listDeliveries({ sku, channel: 'email', type: 'StockLow', limit: 2 });
    expect(first.items.map((d) => d.createdAt)).toEqual([
      '2025-03-05T09:00:00.000Z',
      '2025-03-04T09:00:00.000Z',
    ]);
    expect(first.items[0]).not.toHaveProperty('alert');
    expect(first.items[0]).not.toHaveProperty('person');
    expect(first.items[0]).not.toHaveProperty('pk');
    expect(first.items[0]).toMatchObject({ channel: 'email', sku, userId: person.id, status: 'pending' });
    expect(first.nextCursor).toEqual(expect.any(String));

    const rest: string[] = [];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await store.listDeliveries({ sku, channel: 'email', type: 'StockLow', limit: 2, cursor });
      rest.push(...page.items.map((d) => d.createdAt));
      cursor = page.nextCursor;
    }
    expect(rest).toEqual([
      '2025-03-03T09:00:00.000Z',
      '2025-03-02T09:00:00.000Z',
      '2025-03-01T09:00:00.000Z',
    ]);

    const inApp = await store.listDeliveries({ sku, status: 'sent', limit: 100 });
    expect(inApp.items).toHaveLength(5);
    expect(inApp.items.every((d) => d.channel === 'inApp')).toBe(true);
    expect(inApp.nextCursor).toBeUndefined();
    expect((await store.listDeliveries({ sku, limit: 100 })).items).toHaveLength(11);
  });

  it('listDeliveries refuses a malformed cursor, or one of other filters, as a ValidationError naming cursor', async () => {
    const sku = uniqueSku();
    const alerts = [alertOf({ sku }), alertOf({ sku })];
    await store.createDeliveries(alerts.map((a) => recordOf(a, 'email')));
    const { nextCursor } = await store.listDeliveries({ sku, limit: 1 });

    for (const query of [
      { sku, limit: 1, cursor: 'not-a-cursor' },
      { sku, limit: 1, cursor: Buffer.from('{"k":{}}').toString('base64url') },
      { sku, channel: 'sms' as const, limit: 1, cursor: nextCursor! },
    ]) {
      const error = await store.listDeliveries(query).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).status).toBe(400);
      expect((error as ValidationError).errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    }
  });
});

describe('suppressions and feedback', () => {
  it('a permanent bounce marks the delivery and suppresses the address, whatever its case', async () => {
    const person = personOf({ email: `Mia.${ulid()}@Azura.Example` });
    const record = recordOf(alertOf(), 'email', { status: 'sent' }, person);
    await store.createDeliveries([record]);

    await store.recordFeedback({
      deliveryId: record.id,
      address: person.email.toUpperCase(),
      kind: 'bounced',
      permanent: true,
      at: '2025-03-01T09:01:00.000Z',
      detail: '550 5.1.1 user unknown',
    });

    expect(await store.getDelivery(record.id)).toMatchObject({
      status: 'bounced',
      reason: '550 5.1.1 user unknown',
    });
    const suppressed = await store.suppressions([
      person.email,
      person.email.toLowerCase(),
      'other@azura.example',
    ]);
    expect([...suppressed.keys()]).toEqual([person.email.toLowerCase()]);
    expect(suppressed.get(person.email.toLowerCase())).toContain('550 5.1.1 user unknown');
  });

  it('a transient bounce marks the delivery but suppresses nothing; a complaint without a delivery suppresses', async () => {
    const transient = `t-${ulid()}@azura.example`;
    const complainer = `c-${ulid()}@azura.example`;
    const record = recordOf(alertOf(), 'email', { status: 'sent', recipient: transient });
    await store.createDeliveries([record]);

    await store.recordFeedback({
      deliveryId: record.id,
      address: transient,
      kind: 'bounced',
      permanent: false,
      at: '2025-03-01T09:01:00.000Z',
      detail: 'mailbox full',
    });
    await store.recordFeedback({
      deliveryId: 'dl_unknown',
      address: complainer,
      kind: 'complained',
      permanent: false,
      at: '2025-03-01T09:02:00.000Z',
      detail: 'abuse',
    });

    expect((await store.getDelivery(record.id))?.status).toBe('bounced');
    expect(await store.getDelivery('dl_unknown')).toBeUndefined();
    expect([...(await store.suppressions([transient, complainer])).keys()]).toEqual([
      complainer.toLowerCase(),
    ]);
    expect((await store.suppressions([])).size).toBe(0);
  });
});

describe('preferences and defaults', () => {
  it('round trip: a user\u2019s levels 2 and 3, many users at once, and the defaults', async () => {
    const [a, b, none] = [`u-${ulid()}`, `u-${ulid()}`, `u-${ulid()}`];
    const prefsA = {
      global: { channels: ['email' as const], quietHours: { start: '22:00', end: '07:00', timeZone: 'UTC' } },
      types: { StockLow: { channels: [] } },
    };
    const prefsB = { global: { digest: { hour: 8, timeZone: 'Europe/Paris' } }, types: {} };

    expect(await store.preferences(a)).toBeUndefined();
    await store.putPreferences(a, prefsA, '2025-03-01T09:00:00.000Z');
    await store.putPreferences(b, prefsB, '2025-03-01T09:05:00.000Z');

    expect(await store.preferences(a)).toEqual({
      preferences: prefsA,
      updatedAt: '2025-03-01T09:00:00.000Z',
    });
    const many = await store.preferencesOf([a, b, none, a]);
    expect(Object.fromEntries(many)).toEqual({ [a]: prefsA, [b]: prefsB });
    expect((await store.preferencesOf([])).size).toBe(0);

    // Defaults are one item for the table; this file's table is its own.
    const types = { StockLow: { roles: ['manager' as const], channels: ['inApp' as const] } };
    await store.putDefaults(types as never, '2025-03-01T10:00:00.000Z');
    expect(await store.defaults()).toEqual(types);
  });

  it('preferencesOf reads more than one BatchGet of users', async () => {
    const ids = Array.from({ length: 130 }, () => `u-${ulid()}`);
    await Promise.all(
      ids.map((id) =>
        store.putPreferences(id, { global: { skus: ['A'] }, types: {} }, '2025-03-01T09:00:00.000Z'),
      ),
    );
    expect((await store.preferencesOf(ids)).size).toBe(130);
  });
});

describe('the in-app inbox', () => {
  it('counts an alert added twice once; reading it twice decrements once; a resolved copy keeps its read state', async () => {
    const user = `u-${ulid()}`;
    const first = alertOf({ raisedAt: '2025-03-01T09:00:00.000Z' });
    const second = alertOf({ raisedAt: '2025-03-02T09:00:00.000Z' });

    await inbox.addToInbox(user, first);
    await Promise.all([inbox.addToInbox(user, first), inbox.addToInbox(user, second)]);
    await inbox.addToInbox(user, second);

    let page = await inbox.inbox(user, { limit: 10 });
    expect(page.unread).toBe(2);
    expect(page.items.map((a) => a.id)).toEqual([second.id, first.id]);
    expect(page.items[0]).toEqual({ ...second, read: false });

    const read = await inbox.markRead(user, first, '2025-03-02T10:00:00.000Z');
    const again = await inbox.markRead(user, first, '2025-03-02T11:00:00.000Z');
    expect(read).toEqual({ ...first, read: true, readAt: '2025-03-02T10:00:00.000Z' });
    expect(again).toEqual(read);
    expect((await inbox.inbox(user, { limit: 10 })).unread).toBe(1);
    expect(await inbox.markRead(user, alertOf(), '2025-03-02T10:00:00.000Z')).toBeUndefined();
    expect((await inbox.inbox(user, { limit: 10 })).unread).toBe(1);

    const resolved = { ...first, status: 'resolved' as const, resolvedAt: '2025-03-03T09:00:00.000Z' };
    await inbox.updateInboxAlert(user, resolved);
    await inbox.updateInboxAlert(`u-${ulid()}`, resolved); // not theirs: nothing happens
    page = await inbox.inbox(user, { limit: 10 });
    expect(page.items[1]).toEqual({ ...resolved, read: true, readAt: '2025-03-02T10:00:00.000Z' });

    const unreadOnly = await inbox.inbox(user, { limit: 10, unread: true });
    expect(unreadOnly.items.map((a) => a.id)).toEqual([second.id]);
  });

  it('markRead called concurrently decrements once', async () => {
    const user = `u-${ulid()}`;
    const alert = alertOf();
    await inbox.addToInbox(user, alert);

    const results = await Promise.all(
      Array.from({ length: 4 }, () => inbox.markRead(user, alert, '2025-03-02T10:00:00.000Z')),
    );

    expect(results.every((r) => r?.read === true)).toBe(true);
    expect((await inbox.inbox(user, { limit: 10 })).unread).toBe(0);
  });

  it('markAllRead marks every unread alert (more than one transaction of them) and leaves 0 unread', async () => {
    const user = `u-${ulid()}`;
    const alerts = Array.from({ length: 105 }, (_, i) =>
      alertOf({ raisedAt: new Date(Date.UTC(2025, 2, 1, 0, i)).toISOString() }),
    );
    for (let i = 0; i < alerts.length; i += 20) {
      await Promise.all(alerts.slice(i, i + 20).map((a) => inbox.addToInbox(user, a)));
    }
    await inbox.markRead(user, alerts.at(-1)!, '2025-03-02T09:00:00.000Z');
    expect((await inbox.inbox(user, { limit: 1 })).unread).toBe(104);

    expect(await inbox.markAllRead(user, '2025-03-02T10:00:00.000Z')).toBe(0);

    const page = await inbox.inbox(user, { limit: 100, unread: true });
    expect(page.items).toEqual([]);
    expect(page.unread).toBe(0);
    const all = await inbox.inbox(user, { limit: 100 });
    expect(all.items.every((a) => a.read)).toBe(true);
    expect(all.items.find((a) => a.id === alerts.at(-1)!.id)?.readAt).toBe('2025-03-02T09:00:00.000Z');
    expect(all.items.find((a) => a.id === alerts.at(-2)!.id)?.readAt).toBe('2025-03-02T10:00:00.000Z');

    // Nothing unread (or no inbox at all): still 0.
    expect(await inbox.markAllRead(user, '2025-03-02T11:00:00.000Z')).toBe(0);
    expect(await inbox.markAllRead(`u-${ulid()}`, '2025-03-02T11:00:00.000Z')).toBe(0);
  });

  it('the unread count agrees with the unread alerts when alerts arrive while markAllRead runs', async () => {
    // A counter set to 0 at the end of "read all" would forget an alert added meanwhile.
    const user = `u-${ulid()}`;
    const before = Array.from({ length: 10 }, (_, i) => alertOf({ raisedAt: `2025-03-01T09:0${i}:00.000Z` }));
    const during = Array.from({ length: 5 }, (_, i) => alertOf({ raisedAt: `2025-03-02T09:0${i}:00.000Z` }));
    for (const alert of before) await inbox.addToInbox(user, alert);

    await Promise.all([
      inbox.markAllRead(user, '2025-03-02T10:00:00.000Z'),
      ...during.map((alert) => inbox.addToInbox(user, alert)),
    ]);

    const unread = await inbox.inbox(user, { limit: 100, unread: true });
    expect(unread.unread).toBe(unread.items.length);
    expect(unread.items.every((a) => during.some((d) => d.id === a.id))).toBe(true);
  });

  it('pages newest first with a cursor; a cursor of another listing is refused', async () => {
    const user = `u-${ulid()}`;
    const alerts = Array.from({ length: 5 }, (_, i) =>
      alertOf({ raisedAt: `2025-03-0${i + 1}T09:00:00.000Z` }),
    );
    for (const alert of alerts) await inbox.addToInbox(user, alert);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await inbox.inbox(user, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(alerts.map((a) => a.id).reverse());

    const { nextCursor } = await inbox.inbox(user, { limit: 2 });
    await expect(inbox.inbox(`u-${ulid()}`, { limit: 2, cursor: nextCursor! })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe('the send queue and the content store', () => {
  it('SqsSendQueue sends one {deliveryId} message per delivery, in batches of 10', async () => {
    const ids = Array.from({ length: 23 }, () => `dl_${randomBytes(13).toString('hex')}`);

    await new SqsSendQueue().enqueue(ids);

    const received = new Set<string>();
    await eventually(async () => {
      const { Messages = [] } = await sqs().send(
        new ReceiveMessageCommand({ QueueUrl: sendQueue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of Messages) {
        received.add(sendMessageSchema.parse(JSON.parse(message.Body!)).deliveryId);
        await sqs().send(
          new DeleteMessageCommand({ QueueUrl: sendQueue.url, ReceiptHandle: message.ReceiptHandle! }),
        );
      }
      return received.size >= ids.length;
    });
    expect(received).toEqual(new Set(ids));
  });

  it('S3ContentStore keeps what was sent and says undefined for a delivery without content', async () => {
    const content = new S3ContentStore();
    const id = `dl_${randomBytes(13).toString('hex')}`;
    const rendered = {
      subject: 'Low stock: Blue mug',
      html: '<p>Only <b>3</b> left.</p>',
      text: 'Only 3 left.',
    };

    await content.put(id, rendered);
    await content.put(`${id}-sms`, { text: 'Azura: only 3 Blue mug left' });

    expect(await content.get(id)).toEqual(rendered);
    expect(await content.get(`${id}-sms`)).toEqual({ text: 'Azura: only 3 Blue mug left' });
    expect(await content.get('dl_nothing')).toBeUndefined();
  });
});
