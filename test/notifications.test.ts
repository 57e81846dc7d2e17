import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../lib/permissions.ts';
import { SnsEventPublisher } from '../lib/publisher.ts';
import type { Runtime } from '../local/runtime.ts';
import type { CapturedSms } from '../local/sms.ts';
import { catalogService } from '../services/catalog/service.ts';
import { identityService } from '../services/identity/service.ts';
import { LocalUserDirectory } from '../services/identity/store.ts';
import { DynamoAlertStore } from '../services/notifications/alert-store.ts';
import type { AlertList, Delivery, PreferencesView } from '../services/notifications/contract.ts';
import { notificationsService } from '../services/notifications/service.ts';
import { PurchaseOrderCreated, PurchaseOrderFailed } from '../services/replenishment/contract.ts';
import { stockService } from '../services/stock/service.ts';
import { authHeader, eventually } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// The whole path on the local runtime: a stock change (stock API) → StockLevelChanged (stock's
// outbox stream → SNS) → the notifications service's queue → one alert per crossing → one
// delivery per person and channel → SES v2 (aws-ses-v2-local), SNS SMS (local capture), the bell.
const MANAGER = 'manager@azura.local';
const ADMIN = 'admin@azura.local';

interface StoredEmail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

let runtime: Runtime;
let store: DynamoAlertStore;

const call = async (role: Role, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(await authHeader(role)) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
};

/** Emails to `to` whose subject or text mentions `mentions`. */
const emails = async (to: string, mentions: string): Promise<StoredEmail[]> => {
  const { emails } = (await (await fetch(`${process.env.AWS_ENDPOINT_URL_SESV2}/store`)).json()) as {
    emails: StoredEmail[];
  };
  return emails.filter(
    (e) =>
      e.destination.to.includes(to) && (e.subject.includes(mentions) || !!e.body.text?.includes(mentions)),
  );
};

const sms = async (phone: string): Promise<CapturedSms[]> => {
  const { messages } = (await (await fetch(`${process.env.AWS_ENDPOINT_URL_SNS}/_local/sms`)).json()) as {
    messages: CapturedSms[];
  };
  return messages.filter((m) => m.phoneNumber === phone);
};

const deliveries = async (sku: string): Promise<Delivery[]> =>
  (
    (await call('admin', 'GET', `/api/v1/notifications/deliveries?sku=${sku}&limit=100`)) as {
      items: Delivery[];
    }
  ).items;

/** A product (reorder point 10, no safety stock) with 20 on hand at main, its level known to notifications. */
async function stockedProduct(name: string): Promise<string> {
  const sku = `NT-${ulid().slice(-10)}`;
  await call('admin', 'POST', '/api/v1/products', {
    sku,
    name,
    category: 'notifications',
    price: { amount: 1000, currency: 'GBP' },
    cost: { amount: 400, currency: 'GBP' },
    reorderPoint: 10,
  });
  await eventually(
    async () => (await fetch(`${runtime.url}/api/v1/stock/${sku}`, { headers: await authHeader() })).ok,
  );
  await call('admin', 'POST', `/api/v1/stock/${sku}/receipts`, { quantity: 20 });
  await eventually(async () => (await store.level(sku, 'main'))?.quantities.onHand === 20);
  return sku;
}

/** Sets on hand by a count; resolves once notifications has applied that level version. */
async function countTo(sku: string, countedQuantity: number) {
  await call('warehouse', 'POST', `/api/v1/stock/${sku}/counts`, { countedQuantity });
  return eventually(async () => {
    const level = await store.level(sku, 'main');
    return level?.quantities.onHand === countedQuantity ? level : undefined;
  });
}

beforeAll(async () => {
  runtime = await startTestRuntime([identityService, catalogService, stockService, notificationsService]);
  store = new DynamoAlertStore();
  // The demo users reach the notifications service through identity's UserChanged.
  await eventually(async () => (await store.activeRecipients()).some((r) => r.id === MANAGER), 30_000);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('low-stock alerts, once per crossing', () => {
  it('emails each subscribed manager once when a SKU crosses its reorder point, again only after it recovered', async () => {
    const sku = await stockedProduct('Blue mug');

    // 20 → 8: crosses the reorder point of 10.
    await countTo(sku, 8);
    const [first] = await eventually(async () => {
      const found = await emails(MANAGER, sku);
      return found.length > 0 ? found : undefined;
    });
    expect(first!.subject).toBe(`[Azura] Low stock: Blue mug at main`);
    expect(first!.body.text).toContain('8');
    expect(first!.body.text).toContain(sku);
    expect(first!.body.html).toContain(`${runtime.url}/products/${sku}`);
    // Stock alerts go to managers by default, not to admins or warehouse staff.
    expect(await emails(ADMIN, sku)).toHaveLength(0);

    // 8 → 5: still below, no new crossing: nothing raised at that version, nothing sent.
    const stillLow = await countTo(sku, 5);
    expect(stillLow.handed).toEqual([]);
    expect(await emails(MANAGER, sku)).toHaveLength(1);

    // 5 → 15: back above; the open alert resolves (no email for that).
    const recovered = await countTo(sku, 15);
    expect(recovered.low).toBe(false);
    const [resolved] = await store.alerts(recovered.handed);
    expect(resolved).toMatchObject({ id: stillLow.openLowAlertId, status: 'resolved' });

    // 15 → 3: a new crossing, a new alert, a second email.
    const again = await countTo(sku, 3);
    expect(again.lowEpisode).toBe(2);
    expect(again.openLowAlertId).not.toBe(stillLow.openLowAlertId);
    await eventually(async () => (await emails(MANAGER, sku)).length === 2);
    const log = await deliveries(sku);
    const sentEmails = log.filter((d) => d.channel === 'email' && d.status === 'sent');
    expect(sentEmails.map((d) => d.recipient)).toEqual([MANAGER, MANAGER]);
    expect(sentEmails.every((d) => d.attempts.length === 1 && d.attempts[0]!.outcome === 'sent')).toBe(true);
  });

  it('a product created with no stock raises nothing; running out raises one critical alert, restocking a back-in-stock one', async () => {
    const sku = await stockedProduct('Red scarf');
    const empty = await countTo(sku, 0);
    const [out] = await store.alerts(empty.handed);
    expect(out).toMatchObject({ type: 'OutOfStock', severity: 'critical', sku });
    await eventually(async () => (await emails(MANAGER, sku)).some((e) => e.subject.includes('CRITICAL')));

    const restocked = await countTo(sku, 30);
    const types = (await store.alerts(restocked.handed)).map((a) => `${a.type}:${a.status}`).sort();
    expect(types).toEqual(['BackInStock:open', 'OutOfStock:resolved']);
  });
});

describe('the bell', () => {
  it('shows the alert unread; mark-read brings the count down, mark-all-read to zero', async () => {
    const sku = await stockedProduct('Green teapot');
    // A manager of our own who receives only this SKU's alerts, so no other test's alert moves the count.
    const email = `bell-${ulid().slice(-6).toLowerCase()}@azura.local`;
    await new LocalUserDirectory().create({
      email,
      name: 'Bell test',
      roles: ['manager'],
      password: 'azura-demo-1',
    });
    await eventually(async () => (await store.activeRecipients()).some((r) => r.id === email));
    await call('admin', 'PUT', `/api/v1/notification-preferences/users/${email}`, {
      global: { skus: [sku] },
      types: {},
    });
    const login = await fetch(`${runtime.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'azura-demo-1' }),
    });
    const { token } = (await login.json()) as { token: string };
    const bell = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${runtime.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${await res.text()}`);
      return res.json();
    };

    await countTo(sku, 2);
    const list = await eventually(async () => {
      const page = (await bell('GET', '/api/v1/alerts')) as AlertList;
      return page.items.some((a) => a.sku === sku) ? page : undefined;
    });
    const alert = list.items.find((a) => a.sku === sku)!;
    expect(alert).toMatchObject({ type: 'StockLow', read: false, link: `/products/${sku}` });
    expect(list.unread).toBe(1);

    const read = await bell('POST', `/api/v1/alerts/${alert.id}/read`, {});
    expect(read).toMatchObject({ id: alert.id, read: true });
    expect(((await bell('GET', '/api/v1/alerts')) as AlertList).unread).toBe(0);
    // Marking it again changes nothing.
    await bell('POST', `/api/v1/alerts/${alert.id}/read`, {});
    expect(((await bell('GET', '/api/v1/alerts')) as AlertList).unread).toBe(0);

    // Mark all read: the demo manager's bell (every stock alert of this file so far) goes to zero.
    await eventually(async () => ((await call('manager', 'GET', '/api/v1/alerts')) as AlertList).unread > 0);
    expect(await call('manager', 'POST', '/api/v1/alerts/read-all', {})).toEqual({ unread: 0 });

    // Someone else's alert is not yours to read.
    const res = await fetch(`${runtime.url}/api/v1/alerts/${alert.id}/read`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader('viewer')) },
      body: '{}',
    });
    expect(res.status).toBe(404);
  });
});

describe('preferences', () => {
  it('sends SMS only to the manager who opted in and has a phone', async () => {
    const phone = `+1555${String(Date.now()).slice(-7)}`;
    await call('manager', 'PATCH', '/api/v1/auth/me', { phone });
    const view = (await call('manager', 'PUT', '/api/v1/me/notification-preferences', {
      global: {},
      types: { StockLow: { channels: ['inApp', 'email', 'sms'] } },
    })) as PreferencesView;
    expect(view.preferences.types.StockLow?.channels).toEqual(['inApp', 'email', 'sms']);
    // Once the phone has reached notifications (UserChanged), SMS is effective.
    await eventually(async () => {
      const mine = (await call('manager', 'GET', '/api/v1/me/notification-preferences')) as PreferencesView;
      return mine.effective.find((e) => e.type === 'StockLow')?.channels.includes('sms');
    });

    const sku = await stockedProduct('Yellow cap');
    await countTo(sku, 4);
    const [text] = await eventually(async () => {
      const found = (await sms(phone)).filter((m) => m.message.includes('Yellow cap'));
      return found.length ? found : undefined;
    });
    expect(text!.smsType).toBe('Transactional');
    expect(text!.message.length).toBeLessThanOrEqual(160);
    const log = await deliveries(sku);
    expect(log.filter((d) => d.channel === 'sms').map((d) => [d.userId, d.status])).toEqual([
      [MANAGER, 'sent'],
    ]);

    // Back to the defaults: no SMS.
    await call('manager', 'PUT', '/api/v1/me/notification-preferences', { global: {}, types: {} });
  });

  it('holds non-critical alerts in quiet hours and sends them when they end; a digest groups them into one email', async () => {
    // A manager of our own (through identity's event), with preferences on only this test's SKUs.
    const sku1 = await stockedProduct('Quiet lamp');
    const sku2 = await stockedProduct('Digest rug');
    const quiet = `quiet-${ulid().slice(-6).toLowerCase()}@azura.local`;
    const digest = `digest-${ulid().slice(-6).toLowerCase()}@azura.local`;
    // Staff are created in the identity directory (as seeding does); UserChanged tells notifications.
    const directory = new LocalUserDirectory();
    for (const email of [quiet, digest]) {
      await directory.create({ email, name: email, roles: ['manager'], password: 'azura-demo-1' });
    }
    await eventually(async () => {
      const ids = (await store.activeRecipients()).map((r) => r.id);
      return ids.includes(quiet) && ids.includes(digest);
    });
    // Quiet all day but one minute, in UTC: whatever the time of the run, the alert is held.
    const now = new Date();
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const start = hhmm(new Date(now.getTime() - 60_000));
    const end = hhmm(new Date(now.getTime() - 120_000));
    await call('admin', 'PUT', `/api/v1/notification-preferences/users/${quiet}`, {
      global: { skus: [sku1, sku2], quietHours: { start, end, timeZone: 'UTC' } },
      types: {},
    });
    await call('admin', 'PUT', `/api/v1/notification-preferences/users/${digest}`, {
      global: { skus: [sku1, sku2], digest: { hour: (now.getUTCHours() + 12) % 24, timeZone: 'UTC' } },
      types: {},
    });

    await countTo(sku1, 5);
    await countTo(sku2, 6);
    const statusOf = async (user: string) =>
      (await Promise.all([sku1, sku2].map(deliveries)))
        .flat()
        .filter((d) => d.userId === user && d.channel === 'email')
        .map((d) => d.status);
    await eventually(async () => (await statusOf(quiet)).join() === 'held,held');
    await eventually(async () => (await statusOf(digest)).join() === 'digest,digest');
    // In-app is never held.
    const inApp = (await deliveries(sku1)).filter((d) => d.userId === quiet && d.channel === 'inApp');
    expect(inApp.map((d) => d.status)).toEqual(['sent']);
    expect(await emails(quiet, '')).toHaveLength(0);

    // Flushing before the release time sends nothing.
    expect(await runtime.invoke('notifications', 'flush', {})).toMatchObject({ released: 0, digests: 0 });

    // Shorten the quiet hours and move the digest to now: the next flush sends them.
    await call('admin', 'PUT', `/api/v1/notification-preferences/users/${quiet}`, {
      global: { skus: [sku1, sku2] },
      types: {},
    });
    // Preferences apply to alerts raised from now on; those already held keep their release time.
    // So the test releases them as the schedule would when that time comes: by flushing at it.
    const held = (await Promise.all([sku1, sku2].map(deliveries))).flat().filter((d) => d.status === 'held');
    const releaseAt = held
      .map((d) => d.releaseAt!)
      .sort()
      .at(-1)!;
    const digestAt = (await Promise.all([sku1, sku2].map(deliveries)))
      .flat()
      .filter((d) => d.status === 'digest')
      .map((d) => d.releaseAt!)
      .sort()
      .at(-1)!;
    expect(Date.parse(releaseAt)).toBeGreaterThan(Date.now());
    const { defaultDelivery } = await import('../services/notifications/wiring.ts');
    const later = [releaseAt, digestAt].sort().at(-1)!;
    expect(await defaultDelivery().flush(later)).toMatchObject({ digests: 1 });

    await eventually(async () => (await emails(quiet, '')).length === 2);
    const [digestEmail] = await eventually(async () => {
      const found = await emails(digest, 'Daily digest');
      return found.length ? found : undefined;
    });
    expect(await emails(digest, '')).toHaveLength(1);
    expect(digestEmail!.subject).toBe('[Azura] Daily digest: 2 alerts');
    expect(digestEmail!.body.text).toContain('Quiet lamp');
    expect(digestEmail!.body.text).toContain('Digest rug');
    await eventually(async () => (await statusOf(digest)).join() === 'sent,sent');
  });
});

describe('purchasing alerts', () => {
  it('a failed purchase order is critical: emailed with its line and product, and kept in-app even for a manager who switched it off', async () => {
    const sku = await stockedProduct('Walnut shelf');
    const po = `PO-${ulid()}`;
    const ref = { purchaseOrderId: po, supplierId: 'acme-test', locationId: 'main' };
    const meta = (n: number) => ({ id: `${po}:${n}`, correlationId: po });
    // The manager switches the type off entirely: critical types keep in-app all the same.
    await call('manager', 'PUT', '/api/v1/me/notification-preferences', {
      global: {},
      types: { PurchaseOrderFailed: { channels: [] } },
    });
    await new SnsEventPublisher().publish([
      PurchaseOrderCreated.create(
        {
          ...ref,
          origin: 'rule',
          lines: [{ sku, quantity: 40, unitCost: { amount: 300, currency: 'GBP' } }],
          total: { amount: 12000, currency: 'GBP' },
          expectedBy: '2026-12-20T00:00:00.000Z',
        },
        meta(0),
      ),
    ]);
    await eventually(async () => (await store.purchaseOrder(po))?.lines.length === 1);
    await new SnsEventPublisher().publish([
      PurchaseOrderFailed.create({ ...ref, reason: 'the supplier webhook is gone (410)' }, meta(1)),
    ]);

    const alert = await eventually(async () =>
      ((await call('manager', 'GET', '/api/v1/alerts')) as AlertList).items.find(
        (a) => a.type === 'PurchaseOrderFailed' && a.purchaseOrderId === po,
      ),
    );
    expect(alert).toMatchObject({
      severity: 'critical',
      sku,
      productName: 'Walnut shelf',
      link: `/purchasing/orders/${po}`,
      title: `Purchase order failed: ${po} (40 × Walnut shelf)`,
    });
    expect(alert.summary).toContain('the supplier webhook is gone (410)');
    // Switched off: no email for this manager (in-app only).
    const log = (
      (await call('admin', 'GET', '/api/v1/notifications/deliveries?type=PurchaseOrderFailed&limit=100')) as {
        items: Delivery[];
      }
    ).items.filter((d) => d.alertId === alert.id && d.userId === MANAGER);
    expect(log.map((d) => d.channel)).toEqual(['inApp']);
    await call('manager', 'PUT', '/api/v1/me/notification-preferences', { global: {}, types: {} });
  });
});
