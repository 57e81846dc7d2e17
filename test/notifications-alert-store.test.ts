import { ulid } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoAlertStore } from '../services/notifications/alert-store.ts';
import type { Alert } from '../services/notifications/contract.ts';
import {
  alertIdOf,
  deadLetterAlert,
  dlqDedupeKey,
  type ProductInfo,
  spikeWindowStart,
  stockAlert,
  stockDedupeKey,
} from '../services/notifications/domain/alert-content.ts';
import {
  Alerting,
  type LevelChange,
  type LevelState,
  type PurchaseOrderState,
} from '../services/notifications/domain/alerting.ts';
import type { AlertSink, Context, Recipient } from '../services/notifications/domain/model.ts';
import { notificationsService } from '../services/notifications/service.ts';
import type { Quantities } from '../services/stock/contract.ts';
import { uniqueSku } from '../services/stock/testing.ts';
import { provisionFor } from './support/env.ts';

/**
 * DynamoAlertStore against DynamoDB Local (a fresh `notifications` table for this file), on its
 * own and under the real `Alerting`. The sink is a port (delivery's side); here it records what
 * it is handed.
 */

class RecordingSink implements AlertSink {
  readonly delivered: Alert[] = [];
  async deliver(alert: Alert): Promise<void> {
    this.delivered.push(alert);
  }
}

let store: DynamoAlertStore;

beforeAll(async () => {
  await provisionFor([notificationsService]);
  store = new DynamoAlertStore();
});

const LOCATION = 'main';
const T0 = '2025-03-04T10:00:00.000Z';
const context = (occurredAt = T0): Context => ({ correlationId: ulid(), occurredAt });

const quantities = (available: number, incoming = 0): Quantities => ({
  onHand: Math.max(available, 0),
  reserved: Math.max(-available, 0),
  incoming,
  safetyStock: 0,
  available,
});

const level = (
  sku: string,
  version: number,
  available: number,
  over: Partial<LevelState> = {},
): LevelState => ({
  sku,
  locationId: LOCATION,
  version,
  quantities: quantities(available),
  reorderPoint: 5,
  low: false,
  out: false,
  lowEpisode: 0,
  outEpisode: 0,
  handed: [],
  ...over,
});

const change = (sku: string, levelVersion: number, available: number, incoming = 0): LevelChange => ({
  sku,
  locationId: LOCATION,
  levelVersion,
  quantities: quantities(available, incoming),
  reorderPoint: 5,
});

const product = (sku: string, version: number, name: string): ProductInfo => ({
  sku,
  name,
  category: 'apparel',
  status: 'active',
  reorderPoint: 5,
  version,
});

const recipient = (id: string, version: number, over: Partial<Recipient> = {}): Recipient => ({
  id,
  email: `${id}@example.com`,
  name: `User ${id}`,
  roles: ['manager'],
  status: 'active',
  version,
  ...over,
});

const openPo = (sku: string, over: Partial<PurchaseOrderState> = {}): PurchaseOrderState => ({
  purchaseOrderId: `po_${ulid()}`,
  supplierId: 'acme',
  locationId: LOCATION,
  lines: [{ sku, quantity: 40 }],
  received: {},
  receipts: [],
  expectedBy: '2025-03-10T00:00:00.000Z',
  closed: false,
  ...over,
});

const stockLowId = (sku: string, episode: number) =>
  alertIdOf(stockDedupeKey('StockLow', sku, LOCATION, episode));

describe('DynamoAlertStore', () => {
  it('commits a level only on the version it expects, with its alerts in the same transaction', async () => {
    const sku = uniqueSku();
    const first = level(sku, 1, 3, { low: true, lowEpisode: 1 });
    const alert = stockAlert('StockLow', 1, {
      sku,
      locationId: LOCATION,
      quantities: first.quantities,
      reorderPoint: 5,
      incoming: [],
      occurredAt: T0,
    });
    first.openLowAlertId = alert.id;
    first.handed = [alert.id];

    expect(await store.commitLevel(first, undefined, [alert])).toBe('committed');
    expect(await store.level(sku, LOCATION)).toEqual(first);
    expect(await store.alerts([alert.id])).toEqual([alert]);

    // Absent expected but present; a stale version: refused, and nothing of it is written.
    const stale = level(sku, 2, 2, { handed: ['al_00000000000000000000000000'] });
    const other = { ...alert, id: alertIdOf(`other#${sku}`), dedupeKey: `other#${sku}` };
    expect(await store.commitLevel(stale, undefined, [other])).toBe('conflict');
    expect(await store.commitLevel(stale, 7, [other])).toBe('conflict');
    expect(await store.level(sku, LOCATION)).toEqual(first);
    expect(await store.alerts([other.id])).toEqual([]);

    const resolved: Alert = { ...alert, status: 'resolved', resolvedAt: T0 };
    const second = level(sku, 2, 9, { lowEpisode: 1, handed: [alert.id] });
    expect(await store.commitLevel(second, 1, [resolved])).toBe('committed');
    expect(await store.level(sku, LOCATION)).toEqual(second);
    expect(await store.alerts([alert.id])).toEqual([resolved]);
  });

  it('alerts(ids): every id found, in the order asked, over more than one batch; unknown ids left out', async () => {
    const sku = uniqueSku();
    const raised: Alert[] = [];
    for (let episode = 1; episode <= 130; episode++) {
      const alert = deadLetterAlert(`${sku}-dlq`, episode, 1, T0);
      raised.push(await store.raiseOnce(alert));
    }
    const ids = raised.map((a) => a.id).reverse();
    const asked = [ids[0]!, 'al_ffffffffffffffffffffffffff', ...ids, ids[5]!];

    const found = await store.alerts(asked);

    expect(found.map((a) => a.id)).toEqual([ids[0], ...ids, ids[5]]);
    expect(found[1]).toEqual(raised.at(-1));
    expect(await store.alerts([])).toEqual([]);
  });

  it('raiseOnce stores an alert once and returns what is stored', async () => {
    const first = deadLetterAlert(`q-${ulid()}`, 1, 3, T0);
    const later = { ...first, summary: 'changed', raisedAt: '2025-03-05T00:00:00.000Z' };

    expect(await store.raiseOnce(first)).toEqual(first);
    expect(await store.raiseOnce(later)).toEqual(first);
    expect(await store.alerts([first.id])).toEqual([first]);
  });

  it('products: a newer version replaces, an older or equal one does not', async () => {
    const sku = uniqueSku();
    expect(await store.product(sku)).toBeUndefined();

    await store.putProduct(product(sku, 2, 'Blue shirt'));
    await store.putProduct(product(sku, 1, 'Old name'));
    await store.putProduct(product(sku, 2, 'Same version'));
    expect(await store.product(sku)).toEqual(product(sku, 2, 'Blue shirt'));

    await store.putProduct({ ...product(sku, 3, 'Blue shirt'), deleted: true });
    expect(await store.product(sku)).toMatchObject({ version: 3, deleted: true });
  });

  it('people: activeRecipients keeps the newest version of each and leaves the disabled out; get reads one', async () => {
    const [a, b, c] = [ulid(), ulid(), ulid()];
    await store.putRecipient(recipient(a, 1));
    await store.putRecipient(recipient(a, 3, { name: 'Ada, newest' }));
    await store.putRecipient(recipient(a, 2, { name: 'Ada, older' }));
    await store.putRecipient(recipient(b, 1));
    await store.putRecipient(recipient(b, 2, { status: 'disabled' }));
    await store.putRecipient(recipient(b, 1, { status: 'active' }));
    await store.putRecipient(recipient(c, 5, { phone: '+15550100', roles: ['admin', 'warehouse'] }));

    const active = await store.activeRecipients();
    const mine = active.filter((r) => [a, b, c].includes(r.id));

    expect(mine).toHaveLength(2);
    expect(mine).toEqual(
      expect.arrayContaining([
        recipient(a, 3, { name: 'Ada, newest' }),
        recipient(c, 5, { phone: '+15550100', roles: ['admin', 'warehouse'] }),
      ]),
    );
    expect(await store.get(b)).toEqual(recipient(b, 2, { status: 'disabled' }));
    expect(await store.get(ulid())).toBeUndefined();
  });

  it('purchase orders: what is still to come per SKU, gone once fully received or closed', async () => {
    const [s1, s2] = [uniqueSku(), uniqueSku()];
    const po = openPo(s1, {
      lines: [
        { sku: s1, quantity: 40 },
        { sku: s2, quantity: 10 },
      ],
    });
    await store.putPurchaseOrder(po);
    expect(await store.purchaseOrder(po.purchaseOrderId)).toEqual(po);
    expect(await store.incoming(s1, LOCATION)).toEqual([
      {
        purchaseOrderId: po.purchaseOrderId,
        sku: s1,
        locationId: LOCATION,
        remaining: 40,
        ordered: 40,
        expectedBy: po.expectedBy,
      },
    ]);
    expect(await store.incoming(s1, 'other')).toEqual([]);

    const partly = { ...po, received: { [s1]: 15, [s2]: 10 }, receipts: ['r1'] };
    await store.putPurchaseOrder(partly);
    expect(await store.incoming(s1, LOCATION)).toMatchObject([{ remaining: 25, ordered: 40 }]);
    expect(await store.incoming(s2, LOCATION)).toEqual([]);

    await store.putPurchaseOrder({ ...partly, closed: true });
    expect(await store.incoming(s1, LOCATION)).toEqual([]);
    expect(await store.purchaseOrder(po.purchaseOrderId)).toMatchObject({ closed: true });
  });

  it('a purchase order of more lines than one transaction holds is written in several', async () => {
    const skus = Array.from({ length: 130 }, () => uniqueSku());
    const po = openPo(skus[0]!, { lines: skus.map((sku) => ({ sku, quantity: 2 })) });

    await store.putPurchaseOrder(po);
    expect(await store.incoming(skus[0]!, LOCATION)).toHaveLength(1);
    expect(await store.incoming(skus[129]!, LOCATION)).toHaveLength(1);

    await store.putPurchaseOrder({ ...po, closed: true });
    expect(await store.incoming(skus[0]!, LOCATION)).toEqual([]);
    expect(await store.incoming(skus[129]!, LOCATION)).toEqual([]);
    expect(await store.purchaseOrder(po.purchaseOrderId)).toMatchObject({ closed: true });
  });

  it('countOnce counts each event once, also when many arrive at once', async () => {
    const windowStart = spikeWindowStart(new Date().toISOString());
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const event = ulid();

    expect(await store.countOnce('RejectedOrdersSpike', windowStart, event, expiresAt)).toBe(1);
    expect(await store.countOnce('RejectedOrdersSpike', windowStart, event, expiresAt)).toBe(1);
    // Another kind in the same window counts apart.
    expect(await store.countOnce('ExpiredReservationsSpike', windowStart, event, expiresAt)).toBe(1);

    const events = Array.from({ length: 12 }, () => ulid());
    await Promise.all(
      [...events, ...events].map((e) => store.countOnce('RejectedOrdersSpike', windowStart, e, expiresAt)),
    );
    expect(await store.countOnce('RejectedOrdersSpike', windowStart, event, expiresAt)).toBe(13);
  });

  it('commitDeadLetter writes the state only on the episode it expects', async () => {
    const queue = `q-${ulid()}`;
    const alert = deadLetterAlert(queue, 1, 2, T0);

    expect(await store.commitDeadLetter({ queue, episode: 1, openAlertId: alert.id }, undefined, alert)).toBe(
      'committed',
    );
    expect(await store.commitDeadLetter({ queue, episode: 1 }, undefined, alert)).toBe('conflict');
    expect(await store.commitDeadLetter({ queue, episode: 1 }, 0, alert)).toBe('conflict');
    expect(await store.deadLetterState(queue)).toEqual({ queue, episode: 1, openAlertId: alert.id });

    expect(await store.commitDeadLetter({ queue, episode: 1 }, 1, { ...alert, status: 'resolved' })).toBe(
      'committed',
    );
    expect(await store.deadLetterState(queue)).toEqual({ queue, episode: 1 });
    expect(await store.alerts([alert.id])).toMatchObject([{ status: 'resolved' }]);
  });
});

describe('Alerting over DynamoAlertStore', () => {
  const setup = () => {
    const sink = new RecordingSink();
    return { sink, alerting: new Alerting(store, sink) };
  };

  it('one StockLow per crossing: a further drop or a redelivery raises nothing new, recovering resolves it, the next drop is episode 2', async () => {
    const sku = uniqueSku();
    const { sink, alerting } = setup();

    expect(await alerting.applyLevel(change(sku, 1, 20), context())).toEqual([]);

    const [low] = await alerting.applyLevel(change(sku, 2, 4), context());
    expect(low).toMatchObject({ id: stockLowId(sku, 1), type: 'StockLow', status: 'open', sku });
    expect(sink.delivered).toEqual([low]);

    // Lower still, while low: nothing.
    expect(await alerting.applyLevel(change(sku, 3, 2), context())).toEqual([]);

    // Version 3 again: it raised nothing, so nothing is handed. Version 2 is older: nothing.
    expect(await alerting.applyLevel(change(sku, 3, 2), context())).toEqual([]);
    expect(await alerting.applyLevel(change(sku, 2, 4), context())).toEqual([]);
    expect(sink.delivered).toHaveLength(1);

    const [resolved] = await alerting.applyLevel(change(sku, 4, 12), context('2025-03-04T11:00:00.000Z'));
    expect(resolved).toMatchObject({
      id: low!.id,
      status: 'resolved',
      resolvedAt: '2025-03-04T11:00:00.000Z',
    });
    expect(await store.alerts([low!.id])).toEqual([resolved]);

    const [again] = await alerting.applyLevel(change(sku, 5, 3), context());
    expect(again).toMatchObject({ id: stockLowId(sku, 2), type: 'StockLow', status: 'open' });
    expect(again!.id).not.toBe(low!.id);
    expect(await store.level(sku, LOCATION)).toMatchObject({ version: 5, low: true, lowEpisode: 2 });
    expect(sink.delivered.map((a) => [a.id, a.status])).toEqual([
      [low!.id, 'open'],
      [low!.id, 'resolved'],
      [again!.id, 'open'],
    ]);
  });

  it('the same version delivered twice re-hands the alert it raised and stores nothing new', async () => {
    const sku = uniqueSku();
    const { sink, alerting } = setup();
    await alerting.applyLevel(change(sku, 1, 20), context());
    const [low] = await alerting.applyLevel(change(sku, 2, 4), context());
    const stored = await store.level(sku, LOCATION);

    const redelivered = await alerting.applyLevel(change(sku, 2, 4), context());

    expect(redelivered).toEqual([low]);
    expect(sink.delivered).toEqual([low, low]);
    expect(await store.level(sku, LOCATION)).toEqual(stored);
    expect(await store.alerts([stockLowId(sku, 2)])).toEqual([]);
  });

  it('straight to 0: OutOfStock only; back above 0: BackInStock and the OutOfStock resolved', async () => {
    const sku = uniqueSku();
    const { sink, alerting } = setup();
    await alerting.applyLevel(change(sku, 1, 20), context());

    const out = await alerting.applyLevel(change(sku, 2, 0), context());
    expect(out.map((a) => a.type)).toEqual(['OutOfStock']);
    expect(out[0]).toMatchObject({ severity: 'critical', status: 'open' });

    // Back above 0 but still low: the out episode closes, the low one stays open (it raised nothing).
    const back = await alerting.applyLevel(change(sku, 3, 2), context('2025-03-04T12:00:00.000Z'));
    expect(back.map((a) => [a.type, a.status])).toEqual([
      ['OutOfStock', 'resolved'],
      ['BackInStock', 'open'],
    ]);
    expect(back[0]!.id).toBe(out[0]!.id);
    expect(await store.alerts([out[0]!.id])).toMatchObject([{ status: 'resolved' }]);
    expect(await store.level(sku, LOCATION)).toMatchObject({ low: true, out: false, outEpisode: 1 });
    expect(sink.delivered.map((a) => a.type)).toEqual(['OutOfStock', 'OutOfStock', 'BackInStock']);
  });

  it("a tracked purchase order's incoming shows in the StockLow alert", async () => {
    const sku = uniqueSku();
    const { alerting } = setup();
    const ref = { purchaseOrderId: `po_${ulid()}`, supplierId: 'acme', locationId: LOCATION };
    await alerting.trackPurchaseOrder(ref, {
      lines: [{ sku, quantity: 40 }],
      expectedBy: '2025-03-10T00:00:00.000Z',
    });
    await alerting.trackPurchaseOrder(ref, {
      receipt: { id: 'rcpt-1', lines: [{ sku, quantity: 10 }], status: 'PARTIALLY_RECEIVED' },
    });
    // The same receipt again counts once.
    await alerting.trackPurchaseOrder(ref, {
      receipt: { id: 'rcpt-1', lines: [{ sku, quantity: 10 }], status: 'PARTIALLY_RECEIVED' },
    });

    await alerting.applyLevel(change(sku, 1, 20, 30), context());
    const [low] = await alerting.applyLevel(change(sku, 2, 3, 30), context());

    expect(low!.incoming).toEqual({
      quantity: 30,
      purchaseOrderId: ref.purchaseOrderId,
      expectedBy: '2025-03-10T00:00:00.000Z',
    });
    expect(low!.summary).toContain(`30 incoming, expected 10 Mar (${ref.purchaseOrderId})`);
  });

  it("the product's name from its snapshot shows in the title; an older snapshot does not overwrite it", async () => {
    const sku = uniqueSku();
    const { alerting } = setup();
    await alerting.product(product(sku, 4, 'Classic T-shirt, blue, L'));
    await alerting.product(product(sku, 3, 'Stale name'));

    await alerting.applyLevel(change(sku, 1, 20), context());
    const [low] = await alerting.applyLevel(change(sku, 2, 4), context());

    expect(low!.title).toBe(`Low stock: Classic T-shirt, blue, L at ${LOCATION}`);
    expect(low).toMatchObject({ productName: 'Classic T-shirt, blue, L', productCategory: 'apparel' });
  });

  it('spike: the 10th distinct event in a window raises one alert; the same event twice counts once', async () => {
    const { sink, alerting } = setup();
    // A window of its own: this file's table is fresh, and the hour is this test's.
    const at = '2025-03-04T13:05:00.000Z';
    const events = Array.from({ length: 10 }, () => ulid());

    for (const id of events.slice(0, 9))
      expect(await alerting.countTowardsSpike('RejectedOrdersSpike', id, at)).toBe(undefined);
    // The 9th again: still 9.
    expect(await alerting.countTowardsSpike('RejectedOrdersSpike', events[8]!, at)).toBeUndefined();

    const spike = await alerting.countTowardsSpike('RejectedOrdersSpike', events[9]!, at);
    expect(spike).toMatchObject({ type: 'RejectedOrdersSpike', details: { count: 10 } });

    // An 11th in the window: the same alert (as stored), nothing new.
    const later = await alerting.countTowardsSpike('RejectedOrdersSpike', ulid(), at);
    expect(later).toEqual(spike);
    expect(new Set(sink.delivered.map((a) => a.id))).toEqual(new Set([spike!.id]));
  });

  it('dead-letter depth: 3 raises, 5 adds nothing, 0 resolves, 2 opens a new episode', async () => {
    const { sink, alerting } = setup();
    const queue = `q-${ulid()}`;

    const first = await alerting.deadLetterDepth(queue, 3, T0);
    expect(first).toMatchObject({
      id: alertIdOf(dlqDedupeKey(queue, 1)),
      status: 'open',
      details: { depth: 3 },
    });
    expect(await alerting.deadLetterDepth(queue, 5, T0)).toBeUndefined();

    const resolved = await alerting.deadLetterDepth(queue, 0, '2025-03-04T14:00:00.000Z');
    expect(resolved).toMatchObject({ id: first!.id, status: 'resolved', details: { depth: 0 } });
    expect(await alerting.deadLetterDepth(queue, 0, T0)).toBeUndefined();

    const second = await alerting.deadLetterDepth(queue, 2, T0);
    expect(second).toMatchObject({ id: alertIdOf(dlqDedupeKey(queue, 2)), status: 'open' });
    expect(await store.deadLetterState(queue)).toEqual({ queue, episode: 2, openAlertId: second!.id });
    expect(sink.delivered.map((a) => [a.id, a.status])).toEqual([
      [first!.id, 'open'],
      [first!.id, 'resolved'],
      [second!.id, 'open'],
    ]);
  });
});
