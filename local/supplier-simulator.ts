import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { mulberry32 } from '../lib/random.ts';
import {
  type PurchaseOrderCancelledWebhook,
  type PurchaseOrderWebhook,
  purchaseOrderCancelledWebhookSchema,
  purchaseOrderWebhookSchema,
  type SupplierCallback,
  WEBHOOK_HEADERS,
  webhookSecretSchema,
} from '../services/replenishment/contract.ts';
import { writeFileAtomic } from './files.ts';

/**
 * The local stand-in for suppliers' systems (`npm start` runs it on its own port). Each simulated
 * supplier has a webhook (`webhookUrlFor(id)`), the signing secret our API returned when the
 * supplier was created, and rules saying how it behaves. It does what a real supplier's system
 * does with a purchase order: verifies the Standard Webhooks signature, answers at once, and a
 * little later calls back — acknowledged or rejected, then shipped — signed with the same secret.
 * A `purchase_order.cancelled` is verified and validated the same way, recorded, and not answered.
 *
 * Everything it receives and sends is recorded (`deliveries()`, `callbacks()`, and
 * `GET /deliveries`, `GET /callbacks`) for the tests, the bench and whoever is curious;
 * `PUT /suppliers/{id}/rules` changes how a supplier behaves while it runs.
 */

export const supplierRulesSchema = z
  .object({
    /** Answer every purchase order with this status (503: down, 410: gone, 400: refuses). */
    respondStatus: z.number().int().min(400).max(599).optional(),
    /** Share (0..1) of purchase orders answered 503, drawn from a seeded generator: deterministic. */
    failureRate: z.number().min(0).max(1).optional(),
    /** Seed of that generator (default: derived from the supplier's id). */
    seed: z.number().int().optional(),
    /** A purchase order with a line of one of these SKUs is rejected. */
    rejectSkus: z.array(z.string()).optional(),
    /** Delay before the acknowledgement (or rejection) is posted back. */
    ackDelayMs: z.number().int().nonnegative().optional(),
    /** Also post `purchase_order.shipped`, this long after the acknowledgement. */
    ship: z.boolean().optional(),
    shipDelayMs: z.number().int().nonnegative().optional(),
    /** Accept purchase orders and never call back (the reminder and escalation path). */
    silent: z.boolean().optional(),
  })
  .strict();
export type SupplierRules = z.infer<typeof supplierRulesSchema>;

const registrationSchema = supplierRulesSchema.extend({ secret: webhookSecretSchema });
export type SupplierRegistration = z.infer<typeof registrationSchema>;

const persistedSchema = z.object({
  suppliers: z.record(z.string(), z.object({ secret: webhookSecretSchema, rules: supplierRulesSchema })),
});

export const DEFAULT_ACK_DELAY_MS = 1000;
export const DEFAULT_SHIP_DELAY_MS = 1000;
/** Attempts of a callback our API answers 5xx (or cannot be reached): bounded. */
const CALLBACK_ATTEMPTS = 4;
const CALLBACK_BACKOFF_MS = 250;
const CALLBACK_TIMEOUT_MS = 10_000;
/** Deliveries and callbacks kept (the newest), so a long `npm start` does not grow without bound. */
const KEPT_RECORDS = 2000;

/** A purchase order as it arrived at a simulated supplier's webhook. */
export interface Delivery {
  supplier: string;
  webhookId: string | undefined;
  headers: Record<string, string>;
  body: string;
  /** The purchase order, when the body matched the contract. */
  purchaseOrder?: PurchaseOrderWebhook;
  /** A cancellation (`purchase_order.cancelled`), when the body matched the contract. */
  cancellation?: PurchaseOrderCancelledWebhook;
  /** The signature verified with the supplier's secret (and the timestamp was within 5 minutes). */
  verified: boolean;
  /** What the simulator answered. */
  status: number;
  /** Why it refused, when it did. */
  error?: string;
  /** The same webhook-id was accepted before (a reminder or a retry). */
  duplicate: boolean;
  receivedAt: string;
}

/** A signed answer the simulator posted back to a purchase order's callbackUrl. */
export interface Callback {
  supplier: string;
  webhookId: string;
  url: string;
  body: SupplierCallback;
  /** The last status our API answered (undefined: never reached). */
  status?: number;
  attempts: number;
  error?: string;
  sentAt: string;
}

export interface SupplierSimulatorOptions {
  /** 0: any free port. */
  port?: number;
  /** Registered suppliers (secret and rules) are kept here, so a restart keeps them. */
  dataFile?: string;
}

export interface SupplierSimulator {
  url: string;
  webhookUrlFor(simId: string): string;
  /** A supplier and its secret (as our API returned it on creation); replaces any earlier one. */
  register(simId: string, registration: SupplierRegistration): void;
  /** Whether this supplier is registered (with its secret). */
  has(simId: string): boolean;
  /** Changes a registered supplier's rules (merged into the current ones). */
  configure(simId: string, rules: SupplierRules): void;
  deliveries(simId?: string): Delivery[];
  callbacks(simId?: string): Callback[];
  stop(): Promise<void>;
}

const simIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/);

const seedOf = (text: string) =>
  [...text].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261);

interface SimulatedSupplier {
  secret: string;
  rules: SupplierRules;
  random: () => number;
  /** webhook-ids accepted, with the purchase order each carried. */
  accepted: Map<string, PurchaseOrderWebhook>;
  /** webhook-ids of cancellations accepted. */
  cancelled: Set<string>;
}

export async function startSupplierSimulator(
  options: SupplierSimulatorOptions = {},
): Promise<SupplierSimulator> {
  const suppliers = new Map<string, SimulatedSupplier>();
  const deliveries: Delivery[] = [];
  const callbacks: Callback[] = [];
  const timers = new Set<NodeJS.Timeout>();
  /** Pending waits, released by stop() so nothing hangs on a stopped simulator. */
  const waits = new Set<() => void>();
  let stopped = false;

  const create = (secret: string, rules: SupplierRules, simId: string): SimulatedSupplier => ({
    secret,
    rules,
    random: mulberry32(rules.seed ?? seedOf(simId)),
    accepted: suppliers.get(simId)?.accepted ?? new Map(),
    cancelled: suppliers.get(simId)?.cancelled ?? new Set(),
  });
  const persist = () => {
    if (!options.dataFile) return;
    const data: z.infer<typeof persistedSchema> = {
      suppliers: Object.fromEntries(
        [...suppliers].map(([id, s]) => [id, { secret: s.secret, rules: s.rules }]),
      ),
    };
    writeFileAtomic(options.dataFile, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  };
  if (options.dataFile) {
    let text: string | undefined;
    try {
      text = readFileSync(options.dataFile, 'utf8');
    } catch {
      // first start: nothing registered yet
    }
    if (text !== undefined) {
      const data = persistedSchema.parse(JSON.parse(text));
      for (const [id, s] of Object.entries(data.suppliers)) suppliers.set(id, create(s.secret, s.rules, id));
    }
  }

  const later = (ms: number, run: () => Promise<void>) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) void run();
    }, ms);
    timers.add(timer);
  };

  /** POSTs one signed callback, retrying (bounded) while our API answers 5xx or cannot be reached. */
  const sendCallback = async (simId: string, po: PurchaseOrderWebhook, body: SupplierCallback) => {
    const supplier = suppliers.get(simId);
    if (!supplier || stopped) return;
    const kind = body.type.replace('purchase_order.', '');
    // One id per message: a re-sent acknowledgement is the same message, so our API de-duplicates it.
    const record: Callback = {
      supplier: simId,
      webhookId: `msg_sim_${po.data.purchaseOrderId}_${kind}`,
      url: po.data.callbackUrl,
      body,
      attempts: 0,
      sentAt: new Date().toISOString(),
    };
    keep(callbacks, record);
    const payload = JSON.stringify(body);
    const signer = new Webhook(supplier.secret);
    while (!stopped) {
      record.attempts += 1;
      const now = new Date();
      try {
        const res = await fetch(record.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [WEBHOOK_HEADERS.id]: record.webhookId,
            [WEBHOOK_HEADERS.timestamp]: String(Math.floor(now.getTime() / 1000)),
            [WEBHOOK_HEADERS.signature]: signer.sign(record.webhookId, now, payload),
          },
          body: payload,
          signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
        });
        await res.body?.cancel();
        record.status = res.status;
        record.error = undefined;
        if (res.status < 500) return;
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
      }
      if (record.attempts >= CALLBACK_ATTEMPTS || stopped) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            waits.delete(resolve);
            resolve();
          },
          CALLBACK_BACKOFF_MS * 2 ** (record.attempts - 1),
        );
        timers.add(timer);
        waits.add(resolve);
      });
    }
  };

  /** The answer to a purchase order: acknowledged or rejected after ackDelayMs, then shipped. */
  const answer = (simId: string, po: PurchaseOrderWebhook) => {
    const supplier = suppliers.get(simId);
    if (!supplier || supplier.rules.silent) return;
    const { rules } = supplier;
    const { purchaseOrderId, lines, expectedBy } = po.data;
    const refused = lines.filter((l) => rules.rejectSkus?.includes(l.sku)).map((l) => l.sku);
    const supplierReference = `SIM-${purchaseOrderId.slice('PO-'.length)}`;
    const expectedDeliveryDate = expectedBy.slice(0, 10);
    later(rules.ackDelayMs ?? DEFAULT_ACK_DELAY_MS, async () => {
      if (refused.length) {
        await sendCallback(simId, po, {
          type: 'purchase_order.rejected',
          purchaseOrderId,
          reason: `not available: ${refused.join(', ')}`,
        });
        return;
      }
      await sendCallback(simId, po, {
        type: 'purchase_order.acknowledged',
        purchaseOrderId,
        supplierReference,
        expectedDeliveryDate,
      });
      if (!rules.ship) return;
      later(rules.shipDelayMs ?? DEFAULT_SHIP_DELAY_MS, () =>
        sendCallback(simId, po, {
          type: 'purchase_order.shipped',
          purchaseOrderId,
          supplierReference,
          expectedDeliveryDate,
          lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
        }),
      );
    });
  };

  const app = new Hono();
  app.get('/health', (c) => c.json({ status: 'ok', suppliers: [...suppliers.keys()] }));
  app.get('/deliveries', (c) => c.json({ items: list(deliveries, c.req.query('supplier')) }));
  app.get('/callbacks', (c) => c.json({ items: list(callbacks, c.req.query('supplier')) }));
  // Sets a supplier's rules from outside (a demo, the bench): `{ "respondStatus": 503 }` takes it down.
  app.put('/suppliers/:simId/rules', async (c) => {
    const simId = c.req.param('simId');
    if (!suppliers.has(simId)) return c.json({ error: `no simulated supplier ${simId}` }, 404);
    const parsed = supplierRulesSchema.safeParse(safeJson(await c.req.text()));
    if (!parsed.success) {
      return c.json({ error: `not rules: ${issuesOf(parsed.error)}` }, 400);
    }
    // PUT replaces the rules (so a rule can be dropped); configure() merges.
    suppliers.set(simId, create(suppliers.get(simId)!.secret, parsed.data, simId));
    persist();
    return c.json({ supplier: simId, rules: parsed.data });
  });
  app.post('/suppliers/:simId/webhook', async (c) => {
    const simId = c.req.param('simId');
    const body = await c.req.text();
    const headers = Object.fromEntries(c.req.raw.headers);
    const webhookId = headers[WEBHOOK_HEADERS.id];
    const supplier = suppliers.get(simId);
    const delivery: Delivery = {
      supplier: simId,
      webhookId,
      headers,
      body,
      verified: false,
      status: 202,
      duplicate: false,
      receivedAt: new Date().toISOString(),
    };
    keep(deliveries, delivery);
    const refuse = (status: number, error: string) => {
      delivery.status = status;
      delivery.error = error;
      return c.json({ error }, status as ContentfulStatusCode);
    };
    if (!supplier) return refuse(404, `no simulated supplier ${simId}`);

    let signed: unknown;
    try {
      signed = new Webhook(supplier.secret).verify(body, headers);
      delivery.verified = true;
    } catch (error) {
      delivery.error = `signature: ${error instanceof Error ? error.message : String(error)}`;
    }
    const message = signed ?? safeJson(body);
    const cancelling = (message as { type?: unknown } | undefined)?.type === 'purchase_order.cancelled';
    const parsed = purchaseOrderWebhookSchema.safeParse(message);
    if (parsed.success) delivery.purchaseOrder = parsed.data;
    const cancellation = cancelling ? purchaseOrderCancelledWebhookSchema.safeParse(message) : undefined;
    if (cancellation?.success) delivery.cancellation = cancellation.data;

    const { rules } = supplier;
    if (rules.respondStatus !== undefined) return refuse(rules.respondStatus, 'configured to answer so');
    if (rules.failureRate !== undefined && supplier.random() < rules.failureRate)
      return refuse(503, 'simulated outage (failureRate)');
    if (!delivery.verified) return refuse(401, delivery.error ?? 'signature does not verify');
    if (cancellation) {
      // A cancellation: recorded, acknowledged, nothing called back.
      if (!cancellation.success) return refuse(400, `not a cancellation: ${issuesOf(cancellation.error)}`);
      if (cancellation.data.data.supplierId !== simId)
        return refuse(400, `cancellation for supplier ${cancellation.data.data.supplierId}, not ${simId}`);
      const seen = webhookId !== undefined && supplier.cancelled.has(webhookId);
      delivery.duplicate = seen;
      if (webhookId) supplier.cancelled.add(webhookId);
      delivery.status = seen ? 200 : 202;
      return c.json({ received: true, duplicate: seen }, seen ? 200 : 202);
    }
    if (!parsed.success) {
      return refuse(400, `not a purchase order: ${issuesOf(parsed.error)}`);
    }
    if (parsed.data.data.supplierId !== simId)
      return refuse(400, `purchase order of supplier ${parsed.data.data.supplierId}, not ${simId}`);

    const seen = webhookId !== undefined && supplier.accepted.has(webhookId);
    delivery.duplicate = seen;
    if (webhookId) supplier.accepted.set(webhookId, parsed.data);
    // A reminder (the same webhook-id again) means our answer was not seen: answer again.
    answer(simId, parsed.data);
    delivery.status = seen ? 200 : 202;
    return c.json({ received: true, duplicate: seen }, seen ? 200 : 202);
  });

  const server: ServerType = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((ok, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'EADDRINUSE'
          ? new Error(`supplier simulator: port ${options.port} is in use (set SUPPLIER_SIM_PORT)`)
          : error,
      ),
    );
    server.listen(options.port ?? 0, '127.0.0.1', ok);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const simulator: SupplierSimulator = {
    url,
    webhookUrlFor: (simId) => `${url}/suppliers/${simIdSchema.parse(simId)}/webhook`,
    register(simId, registration) {
      const { secret, ...rules } = registrationSchema.parse(registration);
      suppliers.set(simIdSchema.parse(simId), create(secret, rules, simId));
      persist();
    },
    has: (simId) => suppliers.has(simId),
    configure(simId, rules) {
      const current = suppliers.get(simId);
      if (!current) throw new Error(`supplier simulator: ${simId} is not registered`);
      const merged = supplierRulesSchema.parse({ ...current.rules, ...rules });
      suppliers.set(simId, create(current.secret, merged, simId));
      persist();
    },
    deliveries: (simId) => list(deliveries, simId),
    callbacks: (simId) => list(callbacks, simId),
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const release of waits) release();
      waits.clear();
      await new Promise((resolve) => {
        server.close(resolve);
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
    },
  };
  return simulator;
}

function keep<T>(records: T[], record: T): void {
  records.push(record);
  if (records.length > KEPT_RECORDS) records.splice(0, records.length - KEPT_RECORDS);
}

function list<T extends { supplier: string }>(items: T[], simId: string | undefined): T[] {
  return items.filter((i) => simId === undefined || i.supplier === simId);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Each field that failed, in words: `data.lines: Invalid input; ...`. */
function issuesOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}
