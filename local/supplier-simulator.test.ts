import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type PurchaseOrderWebhook,
  purchaseOrderCancelledWebhookSchema,
  purchaseOrderWebhookSchema,
  supplierCallbackSchema,
} from '../services/replenishment/contract.ts';
import { eventually } from '../test/support/env.ts';
import { type SupplierSimulator, startSupplierSimulator } from './supplier-simulator.ts';

/**
 * The supplier simulator as our replenishment saga meets it: signed purchase orders in, signed
 * callbacks out. The callbacks land on a small server here, standing in for our API, which
 * verifies them with `standardwebhooks` exactly as the real callback route does.
 */

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

interface Received {
  path: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
}

/** Our API's callback route, in miniature: records, verifies, answers what `answers` says. */
class CallbackServer {
  readonly received: Received[] = [];
  answers: number[] = [];
  secret = '';
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let verified = true;
        try {
          new Webhook(this.secret).verify(body, req.headers as Record<string, string>);
        } catch {
          verified = false;
        }
        this.received.push({ path: req.url, headers: req.headers, body, verified });
        res.writeHead(this.answers.shift() ?? 200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  callbacksFor(purchaseOrderId: string) {
    return this.received
      .map((r) => ({ ...r, message: supplierCallbackSchema.parse(JSON.parse(r.body)) }))
      .filter((r) => r.message.purchaseOrderId === purchaseOrderId);
  }

  stop(): Promise<void> {
    return new Promise((ok) => {
      this.server.close(() => ok());
      this.server.closeAllConnections();
    });
  }
}

let sequence = 0;
function purchaseOrder(
  supplierId: string,
  callbackUrl: string,
  lines: { sku: string; quantity: number }[] = [{ sku: 'TSHIRT-BLUE-M', quantity: 60 }],
): PurchaseOrderWebhook {
  sequence += 1;
  return purchaseOrderWebhookSchema.parse({
    type: 'purchase_order.created',
    version: 1,
    data: {
      purchaseOrderId: `PO-TEST${String(sequence).padStart(4, '0')}`,
      supplierId,
      lines: lines.map((l) => ({
        ...l,
        supplierSku: `S-${l.sku}`,
        unitCost: { amount: 650, currency: 'USD' },
      })),
      total: { amount: 650 * lines.reduce((n, l) => n + l.quantity, 0), currency: 'USD' },
      currency: 'USD',
      deliverTo: { locationId: 'main' },
      expectedBy: '2026-12-09T12:00:00.000Z',
      callbackUrl: `${callbackUrl}/api/v1/supplier-callbacks/${supplierId}`,
    },
  });
}

/** POSTs a purchase order to a simulated supplier, Standard Webhooks signed as our saga does. */
async function send(
  sim: SupplierSimulator,
  simId: string,
  po: PurchaseOrderWebhook,
  options: { secret: string; webhookId?: string; at?: Date; tamper?: boolean; body?: string },
) {
  const body = options.body ?? JSON.stringify(po);
  const id = options.webhookId ?? `msg_${po.data.purchaseOrderId}`;
  const at = options.at ?? new Date();
  let signature = new Webhook(options.secret).sign(id, at, body);
  if (options.tamper) signature = `v1,${Buffer.from('not the signature').toString('base64')}`;
  const res = await fetch(sim.webhookUrlFor(simId), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the supplier simulator', () => {
  const ours = new CallbackServer();
  let sim: SupplierSimulator;
  const secret = newSecret();

  beforeAll(async () => {
    await ours.start();
    ours.secret = secret;
  });
  afterAll(() => ours.stop());
  afterEach(async () => {
    await sim?.stop();
    ours.answers = [];
  });

  it('verifies a signed purchase order, answers 202 at once, and calls back a signed acknowledgement', async () => {
    // Prepare
    sim = await startSupplierSimulator();
    sim.register('acme-textiles', { secret, ackDelayMs: 20 });
    const po = purchaseOrder('acme-textiles', ours.url);

    // Act
    const answer = await send(sim, 'acme-textiles', po, { secret });

    // Assess
    expect(answer.status).toBe(202);
    const [delivery] = sim.deliveries('acme-textiles');
    expect(delivery).toMatchObject({
      verified: true,
      status: 202,
      duplicate: false,
      webhookId: `msg_${po.data.purchaseOrderId}`,
      purchaseOrder: po,
    });
    expect(delivery!.headers['webhook-signature']).toMatch(/^v1,/);
    const [ack] = await eventually(async () => {
      const got = ours.callbacksFor(po.data.purchaseOrderId);
      return got.length > 0 && got;
    });
    expect(ack!.verified).toBe(true);
    expect(ack!.headers['webhook-id']).toBe(`msg_sim_${po.data.purchaseOrderId}_acknowledged`);
    expect(ack!.message).toEqual({
      type: 'purchase_order.acknowledged',
      purchaseOrderId: po.data.purchaseOrderId,
      supplierReference: `SIM-${po.data.purchaseOrderId.slice(3)}`,
      expectedDeliveryDate: '2026-12-09',
    });
    expect(ack!.headers['content-type']).toBe('application/json');
    expect(ack!.path).toBe('/api/v1/supplier-callbacks/acme-textiles');
  });

  it('refuses a tampered signature and a stale timestamp with 401, records them unverified, and never calls back', async () => {
    sim = await startSupplierSimulator();
    sim.register('acme-textiles', { secret, ackDelayMs: 0 });
    sim.register('northwind-supply', { secret, ackDelayMs: 0 });
    const tampered = purchaseOrder('acme-textiles', ours.url);
    const stale = purchaseOrder('acme-textiles', ours.url);
    const foreign = purchaseOrder('acme-textiles', ours.url);

    const answers = [
      await send(sim, 'acme-textiles', tampered, { secret, tamper: true }),
      await send(sim, 'acme-textiles', stale, { secret, at: new Date(Date.now() - 6 * 60_000) }),
      await send(sim, 'acme-textiles', foreign, { secret: newSecret() }),
    ];

    expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
    expect(sim.deliveries('acme-textiles').map((d) => [d.verified, d.status])).toEqual([
      [false, 401],
      [false, 401],
      [false, 401],
    ]);
    expect(sim.deliveries('acme-textiles')[1]!.error).toMatch(/too old/);
    // A good one sent after them is answered; by then any answer to the refused ones would be here too.
    const good = purchaseOrder('northwind-supply', ours.url);
    await send(sim, 'northwind-supply', good, { secret });
    await eventually(async () => ours.callbacksFor(good.data.purchaseOrderId).length > 0);
    for (const po of [tampered, stale, foreign])
      expect(ours.callbacksFor(po.data.purchaseOrderId)).toEqual([]);
  });

  it('refuses a signed body that is not a purchase order with 400 naming the field', async () => {
    sim = await startSupplierSimulator();
    sim.register('acme-textiles', { secret });
    const po = purchaseOrder('acme-textiles', ours.url);
    const broken = JSON.stringify({ ...po, data: { ...po.data, lines: 'many' } });

    const answer = await send(sim, 'acme-textiles', po, { secret, body: broken });

    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(/data\.lines/);
    expect(sim.deliveries()[0]).toMatchObject({ verified: true, status: 400 });
  });

  it('accepts a signed cancellation, records it, answers a retry as a duplicate, and calls nothing back', async () => {
    sim = await startSupplierSimulator();
    sim.register('acme-textiles', { secret, ackDelayMs: 0 });
    const po = purchaseOrder('acme-textiles', ours.url);
    const cancellation = purchaseOrderCancelledWebhookSchema.parse({
      type: 'purchase_order.cancelled',
      version: 1,
      data: {
        purchaseOrderId: po.data.purchaseOrderId,
        supplierId: 'acme-textiles',
        reason: 'not needed any more',
        cancelledAt: '2026-12-02T10:00:00.000Z',
      },
    });
    const cancel = (options: { tamper?: boolean; body?: string } = {}) =>
      send(sim, 'acme-textiles', po, {
        secret,
        webhookId: `msg_${po.data.purchaseOrderId}_cancelled`,
        body: JSON.stringify(cancellation),
        ...options,
      });

    const first = await cancel();
    const retry = await cancel();
    const tampered = await cancel({ tamper: true });
    const broken = await cancel({
      body: JSON.stringify({ ...cancellation, data: { ...cancellation.data, cancelledAt: 'yesterday' } }),
    });

    expect([first.status, retry.status, tampered.status, broken.status]).toEqual([202, 200, 401, 400]);
    expect(broken.body.error).toMatch(/data\.cancelledAt/);
    const [recorded, again] = sim.deliveries('acme-textiles');
    expect(recorded).toMatchObject({ verified: true, status: 202, duplicate: false, cancellation });
    expect(recorded!.purchaseOrder).toBeUndefined();
    expect(again).toMatchObject({ verified: true, status: 200, duplicate: true });
    // Nothing is called back for a cancellation; a purchase order sent after it is answered.
    const later = purchaseOrder('acme-textiles', ours.url);
    await send(sim, 'acme-textiles', later, { secret });
    await eventually(async () => ours.callbacksFor(later.data.purchaseOrderId).length > 0);
    expect(ours.callbacksFor(po.data.purchaseOrderId)).toEqual([]);
  });

  it('rejects a purchase order with a SKU it does not supply', async () => {
    sim = await startSupplierSimulator();
    sim.register('acme-textiles', { secret, ackDelayMs: 0, rejectSkus: ['CANDLE-CEDAR'] });
    const po = purchaseOrder('acme-textiles', ours.url, [
      { sku: 'TSHIRT-BLUE-M', quantity: 10 },
      { sku: 'CANDLE-CEDAR', quantity: 5 },
    ]);

    expect((await send(sim, 'acme-textiles', po, { secret })).status).toBe(202);

    const [rejection] = await eventually(async () => {
      const got = ours.callbacksFor(po.data.purchaseOrderId);
      return got.length > 0 && got;
    });
    expect(rejection!.verified).toBe(true);
    expect(rejection!.message).toEqual({
      type: 'purchase_order.rejected',
      purchaseOrderId: po.data.purchaseOrderId,
      reason: 'not available: CANDLE-CEDAR',
    });
  });

  it('ships after acknowledging when told to, naming the lines on their way', async () => {
    sim = await startSupplierSimulator();
    sim.register('acme-textiles', { secret, ackDelayMs: 0, ship: true, shipDelayMs: 10 });
    const po = purchaseOrder('acme-textiles', ours.url);

    await send(sim, 'acme-textiles', po, { secret });

    const messages = await eventually(async () => {
      const got = ours.callbacksFor(po.data.purchaseOrderId);
      return got.length === 2 && got;
    });
    expect(messages.map((m) => m.message.type)).toEqual([
      'purchase_order.acknowledged',
      'purchase_order.shipped',
    ]);
    expect(messages[1]!.message.lines).toEqual([{ sku: 'TSHIRT-BLUE-M', quantity: 60 }]);
    expect(new Set(messages.map((m) => m.headers['webhook-id'])).size).toBe(2);
    expect(messages.every((m) => m.verified)).toBe(true);
  });

  it('answers the configured status when down or gone, and fails a seeded share of requests the same way every run', async () => {
    sim = await startSupplierSimulator();
    sim.register('acme-textiles', { secret, respondStatus: 503 });
    const po = purchaseOrder('acme-textiles', ours.url);
    expect((await send(sim, 'acme-textiles', po, { secret })).status).toBe(503);
    sim.configure('acme-textiles', { respondStatus: 410 });
    expect((await send(sim, 'acme-textiles', po, { secret })).status).toBe(410);

    const outcomes = async () => {
      sim.configure('acme-textiles', { respondStatus: undefined, failureRate: 0.5, seed: 7, silent: true });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i += 1)
        statuses.push(
          (await send(sim, 'acme-textiles', purchaseOrder('acme-textiles', ours.url), { secret })).status,
        );
      return statuses;
    };
    const first = await outcomes();
    const second = await outcomes(); // configure re-seeds the generator

    expect(first).toEqual(second);
    expect(first).toContain(503);
    expect(first).toContain(202);
  });

  it('stays silent when told to: accepts, never calls back', async () => {
    sim = await startSupplierSimulator();
    sim.register('acme-textiles', { secret, ackDelayMs: 0, silent: true });
    sim.register('northwind-supply', { secret, ackDelayMs: 0 });
    const unanswered = purchaseOrder('acme-textiles', ours.url);
    const answered = purchaseOrder('northwind-supply', ours.url);

    expect((await send(sim, 'acme-textiles', unanswered, { secret })).status).toBe(202);
    await send(sim, 'northwind-supply', answered, { secret });

    // Same delay, sent later: once its answer is here, the silent one would have been too.
    await eventually(async () => ours.callbacksFor(answered.data.purchaseOrderId).length > 0);
    expect(ours.callbacksFor(unanswered.data.purchaseOrderId)).toEqual([]);
  });

  it('answers a reminder (the same webhook-id) again with the same acknowledgement', async () => {
    sim = await startSupplierSimulator();
    sim.register('acme-textiles', { secret, ackDelayMs: 0 });
    const po = purchaseOrder('acme-textiles', ours.url);

    const first = await send(sim, 'acme-textiles', po, { secret });
    await eventually(async () => ours.callbacksFor(po.data.purchaseOrderId).length === 1);
    const reminder = await send(sim, 'acme-textiles', po, { secret });

    expect(first.status).toBe(202);
    expect(reminder).toEqual({ status: 200, body: { received: true, duplicate: true } });
    expect(sim.deliveries().map((d) => d.duplicate)).toEqual([false, true]);
    const acks = await eventually(async () => {
      const got = ours.callbacksFor(po.data.purchaseOrderId);
      return got.length === 2 && got;
    });
    expect(acks[1]!.headers['webhook-id']).toBe(acks[0]!.headers['webhook-id']);
    expect(acks[1]!.body).toBe(acks[0]!.body);
  });

  it('retries a callback our API answers 5xx, a bounded number of times, and not one it answers 4xx', async () => {
    sim = await startSupplierSimulator();
    sim.register('acme-textiles', { secret, ackDelayMs: 0 });
    ours.answers = [503, 502, 200];
    const retried = purchaseOrder('acme-textiles', ours.url);

    await send(sim, 'acme-textiles', retried, { secret });

    const calls = await eventually(async () => {
      const got = ours.callbacksFor(retried.data.purchaseOrderId);
      return got.length === 3 && got;
    });
    expect(new Set(calls.map((c) => c.headers['webhook-id'])).size).toBe(1);
    expect(calls.every((c) => c.verified)).toBe(true);
    await eventually(async () => sim.callbacks()[0]?.status === 200);
    expect(sim.callbacks()[0]).toMatchObject({ status: 200, attempts: 3 });

    ours.answers = [500, 500, 500, 500, 500, 500];
    const abandoned = purchaseOrder('acme-textiles', ours.url);
    await send(sim, 'acme-textiles', abandoned, { secret });
    const last = await eventually(async () => {
      const got = sim.callbacks().find((c) => c.body.purchaseOrderId === abandoned.data.purchaseOrderId);
      return got?.attempts === 4 && got;
    });
    expect(last.status).toBe(500);
    // `attempts` counts the 4th before its request is answered: let that one reach us (and take its
    // 500) before the next answer is queued, or it takes the 409 meant for the next PO.
    await eventually(async () => ours.callbacksFor(abandoned.data.purchaseOrderId).length === 4);
    expect(ours.answers).toEqual([500, 500]);

    ours.answers = [409];
    const refused = purchaseOrder('acme-textiles', ours.url);
    await send(sim, 'acme-textiles', refused, { secret });
    await eventually(async () => ours.callbacksFor(refused.data.purchaseOrderId).length === 1);
    expect(
      sim.callbacks().find((c) => c.body.purchaseOrderId === refused.data.purchaseOrderId),
    ).toMatchObject({ status: 409, attempts: 1 });
  });

  it('keeps registered suppliers and their secrets across a restart when given a data file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'supplier-sim-'));
    try {
      const dataFile = join(dir, 'supplier-simulator.json');
      const before = await startSupplierSimulator({ dataFile });
      before.register('acme-textiles', { secret, ackDelayMs: 0, rejectSkus: ['MUG-AZURA-350'] });
      await before.stop();

      sim = await startSupplierSimulator({ dataFile });
      const po = purchaseOrder('acme-textiles', ours.url, [{ sku: 'MUG-AZURA-350', quantity: 1 }]);
      const answer = await send(sim, 'acme-textiles', po, { secret });

      expect(answer.status).toBe(202);
      const [rejection] = await eventually(async () => {
        const got = ours.callbacksFor(po.data.purchaseOrderId);
        return got.length > 0 && got;
      });
      expect(rejection!.message.type).toBe('purchase_order.rejected');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('changes how a supplier behaves through its rules route, and refuses rules it does not know', async () => {
    sim = await startSupplierSimulator();
    sim.register('acme-textiles', { secret, ackDelayMs: 0 });
    const put = (simId: string, body: unknown) =>
      fetch(`${sim.url}/suppliers/${simId}/rules`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const down = await put('acme-textiles', { respondStatus: 503 });
    const wrong = await put('acme-textiles', { failureRate: 2, colour: 'red' });
    const unknown = await put('nobody', { silent: true });

    expect(down.status).toBe(200);
    expect(await down.json()).toEqual({
      supplier: 'acme-textiles',
      rules: { respondStatus: 503 },
    });
    expect(
      (await send(sim, 'acme-textiles', purchaseOrder('acme-textiles', ours.url), { secret })).status,
    ).toBe(503);
    // PUT replaces the rules: back up, respondStatus gone.
    expect((await put('acme-textiles', { ackDelayMs: 0 })).status).toBe(200);
    expect(
      (await send(sim, 'acme-textiles', purchaseOrder('acme-textiles', ours.url), { secret })).status,
    ).toBe(202);
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toMatch(
      /failureRate.*colour|colour.*failureRate/s,
    );
    expect(unknown.status).toBe(404);
  });

  it('lists what it received and sent on its admin routes', async () => {
    sim = await startSupplierSimulator();
    sim.register('acme-textiles', { secret, ackDelayMs: 0 });
    const po = purchaseOrder('acme-textiles', ours.url);
    await send(sim, 'acme-textiles', po, { secret });
    await eventually(async () => sim.callbacks()[0]?.status === 200);

    const deliveries = (await (await fetch(`${sim.url}/deliveries?supplier=acme-textiles`)).json()) as {
      items: { webhookId: string; verified: boolean }[];
    };
    const callbacks = (await (await fetch(`${sim.url}/callbacks`)).json()) as {
      items: { body: { type: string } }[];
    };

    expect(deliveries.items).toMatchObject([{ webhookId: `msg_${po.data.purchaseOrderId}`, verified: true }]);
    expect(callbacks.items.map((c) => c.body.type)).toEqual(['purchase_order.acknowledged']);
  });
});
