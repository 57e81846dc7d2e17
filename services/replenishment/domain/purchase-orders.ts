import { Webhook } from 'standardwebhooks';
import { ulid } from 'ulid';
import {
  AppError,
  ConflictError,
  type FieldError,
  NotFoundError,
  TransientError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '../../../lib/errors.ts';
import type { Envelope } from '../../../lib/events.ts';
import { parseOrThrow } from '../../../lib/parse.ts';
import { type SagaHistoryEvent, type SagaStep, timelineOf } from '../../../lib/saga-timeline.ts';
import {
  type CreatePurchaseOrderBody,
  INBOUND_PO_STATUSES,
  type ListPurchaseOrdersQuery,
  type PurchaseOrder,
  PurchaseOrderAcknowledged,
  PurchaseOrderAwaitingApproval,
  PurchaseOrderCancelled,
  PurchaseOrderCreated,
  PurchaseOrderEscalated,
  PurchaseOrderFailed,
  type PurchaseOrderLine,
  PurchaseOrderReceiptRecorded,
  PurchaseOrderRejected,
  PurchaseOrderSent,
  PurchaseOrderShipped,
  type PurchaseOrderStatus,
  purchaseOrderSchema,
  type ReceiptBody,
  type SupplierCallback,
  supplierCallbackSchema,
  WEBHOOK_HEADERS,
  WEBHOOK_TOLERANCE_SECONDS,
} from '../contract.ts';
import {
  type ApprovalSignal,
  type BeginOutput,
  type FallbackOutput,
  isFinalPurchaseOrder,
  type OpenQuantity,
  type OrderPlan,
  type PurchaseOrdering,
  type SagaInput,
  type SagaTaskInput,
  type SagaTimings,
  type SagaWait,
  type StoredPurchaseOrder,
  type SupplierDirectory,
  type SupplierPerformanceFigures,
  type SupplierSignal,
  type WebhookSecrets,
} from './model.ts';
import { type Money, roundUpTo, totalOf, unitCostFor } from './quantity.ts';

/**
 * Purchase orders: raised by the planner (or a manager), driven by the replenishment saga's
 * tasks, decided by managers, acknowledged and shipped by suppliers (signed callbacks), received
 * by the warehouse. Every change is read → decide → one conditional transaction (the PO on its
 * `rev`, plus the open-PO locks, replay and idempotency records it implies); a lost race re-reads
 * and decides again. The saga learns what happened through the PO's `signals`, resumed by task
 * token only after the write that recorded them.
 */

// ---------------------------------------------------------------- errors the saga branches on

/** The supplier's webhook is down (5xx, timeout, refused connection): the saga retries (SEND_RETRY). */
export class SupplierUnavailable extends AppError {
  override readonly name = 'SupplierUnavailable';
  readonly status = 502;
  readonly title = 'Supplier unavailable';
}
/** The supplier refused the PO (4xx), is inactive, or its webhook is disabled: no retry, fallback. */
export class SupplierRefused extends AppError {
  override readonly name = 'SupplierRefused';
  readonly status = 502;
  readonly title = 'Supplier refused';
}
/** The webhook answered 410 Gone: it is disabled until someone sets its URL again; fallback. */
export class SupplierGone extends AppError {
  override readonly name = 'SupplierGone';
  readonly status = 502;
  readonly title = 'Supplier gone';
}

// ---------------------------------------------------------------- the record and its ports

/** A PO as this service stores it: the stored view plus what only purchase orders need. */
export interface PoRecord extends StoredPurchaseOrder {
  /** Promised days from SENT to delivery; expectedBy moves with the sending unless it was given. */
  leadTimeDays: number;
  expectedByGiven?: boolean;
  shipments?: { at: string; supplierReference?: string; lines?: { sku: string; quantity: number }[] }[];
  /** The supplier was told of the cancellation (`delivered`), or could not be (`undelivered`). */
  cancellationNotice?: { at: string; outcome: 'delivered' | 'undelivered'; error?: string };
}

interface LockRef {
  sku: string;
  locationId: string;
  supplierId: string;
  purchaseOrderId: string;
}

/** One write of a transaction; the store turns each into a conditional DynamoDB operation. */
export type StoreOp =
  /** The PO, if its stored rev is still `expectedRev` (undefined: it must not exist yet). */
  | { kind: 'put'; po: PoRecord; expectedRev?: number }
  /** The open-PO lock of a SKU × location × supplier: must not be held. */
  | ({ kind: 'lock' } & LockRef)
  /** Deletes the lock if this PO holds it (or nobody does). */
  | ({ kind: 'unlock' } & LockRef)
  /** A supplier callback's webhook-id, seen once (kept 7 days). */
  | { kind: 'callback'; supplierId: string; webhookId: string; purchaseOrderId: string }
  /** A receipt's Idempotency-Key, used once per PO. */
  | { kind: 'receiptKey'; purchaseOrderId: string; key: string; request: string; receiptId: string }
  /** A manual create's Idempotency-Key, used once. */
  | { kind: 'createKey'; key: string; request: string; purchaseOrderId: string };

/** A transaction refused: `failed` are the writes whose condition did not hold. */
export class StoreRefused extends Error {
  constructor(
    readonly failed: StoreOp[],
    readonly contended: boolean,
  ) {
    super(`transaction refused: ${failed.map((op) => op.kind).join(', ') || 'contention'}`);
    this.name = 'StoreRefused';
  }
}

export interface PurchaseOrderStore {
  get(purchaseOrderId: string): Promise<PoRecord | undefined>;
  getMany(purchaseOrderIds: readonly string[]): Promise<PoRecord[]>;
  /** All or nothing; throws StoreRefused when a condition fails. */
  transact(ops: readonly StoreOp[]): Promise<void>;
  lockHolder(sku: string, locationId: string, supplierId: string): Promise<string | undefined>;
  openLocks(sku: string, locationId: string): Promise<{ supplierId: string; purchaseOrderId: string }[]>;
  callbackSeen(supplierId: string, webhookId: string): Promise<boolean>;
  receiptKey(
    purchaseOrderId: string,
    key: string,
  ): Promise<{ request: string; receiptId: string } | undefined>;
  createKey(key: string): Promise<{ request: string; purchaseOrderId: string } | undefined>;
  list(query: ListPurchaseOrdersQuery): Promise<{ items: PoRecord[]; nextCursor: string | null }>;
  /** The supplier's latest POs, newest first. */
  bySupplier(supplierId: string, limit: number): Promise<PoRecord[]>;
}

/** The replenishment saga (Step Functions), as purchase orders need it. */
export interface PurchaseOrderSaga {
  executionArnOf(executionName: string): string;
  /** Starts the execution of that name; one that exists already counts as started. */
  start(executionName: string, input: SagaInput): Promise<void>;
  /** SendTaskSuccess; false when the token is no longer waiting. */
  resume(taskToken: string, output: unknown): Promise<boolean>;
  history(executionArn: string): Promise<SagaHistoryEvent[]>;
}

/** POSTs a PO to its supplier's webhook, signed; throws SupplierUnavailable / SupplierRefused / SupplierGone. */
export interface PurchaseOrderSender {
  deliver(po: PoRecord): Promise<void>;
  /** POSTs `purchase_order.cancelled` (same signing, same errors). */
  deliverCancellation(po: PoRecord): Promise<void>;
}

/** WebhookSecrets as read here: `fresh` bypasses a process cache (a rotation takes effect at once). */
export interface CallbackSecrets extends Pick<WebhookSecrets, 'signing'> {
  verifying(supplierId: string, options?: { fresh?: boolean }): Promise<string[]>;
}

export interface PurchaseOrdersConfig {
  /** Read at each step (tests shorten them). */
  timings: () => SagaTimings;
  now?: () => Date;
  /** A PO failed with no fallback left: the metric that alarms ops. */
  onFailed?: (po: PoRecord) => void;
  log?: (message: string, details: Record<string, unknown>) => void;
  maxAttempts?: number;
}

export interface Actor {
  actor: string;
  correlationId?: string;
}

export type PurchaseOrderDetail = PurchaseOrder & { timeline: SagaStep[] };

export interface CallbackResult {
  purchaseOrderId: string;
  status: PurchaseOrderStatus;
  duplicate: boolean;
}

export type EscalationKind = 'approval_overdue' | 'acknowledgement_overdue' | 'delivery_overdue';

const DAY_MS = 86_400_000;
/**
 * A PO whose saga has not begun this long after its creation lost its raiser (it died between its
 * write and StartExecution): the sweep, or the next raise of the same SKU, starts it.
 */
export const UNSTARTED_GRACE_MS = 2 * 60_000;
/** A DynamoDB transaction holds 100 writes: the PO, its idempotency record and one lock per line. */
export const MAX_MANUAL_LINES = 98;
const OPEN_STATUSES: readonly PurchaseOrderStatus[] = [
  'DRAFT',
  'AWAITING_APPROVAL',
  'SENT',
  'ACKNOWLEDGED',
  'PARTIALLY_RECEIVED',
];
const FINAL_STATUSES: readonly PurchaseOrderStatus[] = ['RECEIVED', 'REJECTED', 'CANCELLED', 'FAILED'];
const UNSENT: readonly PurchaseOrderStatus[] = ['DRAFT', 'AWAITING_APPROVAL'];
const UNAUTHORIZED =
  'The callback is not signed by this supplier, or names a purchase order it does not have';

const plusDays = (at: Date, days: number) => new Date(at.getTime() + days * DAY_MS).toISOString();
const eventId = (po: { id: string }, type: string, suffix?: string) =>
  `${po.id}:${type}${suffix ? `:${suffix}` : ''}`;
const refOf = (po: PoRecord) => ({
  purchaseOrderId: po.id,
  supplierId: po.supplierId,
  locationId: po.locationId,
});
const eventLines = (po: PoRecord) =>
  po.lines.map(({ sku, quantity, unitCost }) => ({ sku, quantity, unitCost }));
const isInbound = (status: PurchaseOrderStatus) => INBOUND_PO_STATUSES.includes(status);
const unprocessable = (message: string, errors: FieldError[]) => new UnprocessableError(message, { errors });

/** The PO as the API and other services see it (store-only fields dropped). */
export const viewOf = (po: PoRecord): PurchaseOrder => purchaseOrderSchema.parse(po);

/** The first signal the saga has not finished. */
export const firstUnhandled = (po: PoRecord): SupplierSignal | undefined =>
  po.signals.find((s) => s.seq > po.handledSeq);

/** What will no longer come: −(ordered − received) per line still open, at the PO's location. */
function unexpectOf(po: PoRecord) {
  return po.lines
    .filter((l) => l.quantity > l.received)
    .map((l) => ({ sku: l.sku, locationId: po.locationId, quantity: -(l.quantity - l.received) }));
}

/** A date-only delivery date means by the end of that day (UTC). */
function expectedByOf(date: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(date)
    ? new Date(`${date}T23:59:59.999Z`).toISOString()
    : new Date(date).toISOString();
}

function withSignal(po: PoRecord, signal: Omit<SupplierSignal, 'seq'>): PoRecord {
  const seq = (po.signals.at(-1)?.seq ?? 0) + 1;
  const clean = { ...signal, seq } as SupplierSignal;
  if (clean.unexpect && clean.unexpect.length === 0) delete clean.unexpect;
  return { ...po, signals: [...po.signals, clean] };
}

function lockRefs(po: PoRecord): LockRef[] {
  return po.lines.map((l) => ({
    sku: l.sku,
    locationId: po.locationId,
    supplierId: po.supplierId,
    purchaseOrderId: po.id,
  }));
}

export class PurchaseOrders implements PurchaseOrdering {
  private readonly now: () => Date;
  private readonly log: NonNullable<PurchaseOrdersConfig['log']>;
  private readonly maxAttempts: number;

  constructor(
    private readonly store: PurchaseOrderStore,
    private readonly saga: PurchaseOrderSaga,
    private readonly directory: SupplierDirectory,
    private readonly secrets: CallbackSecrets,
    private readonly sender: PurchaseOrderSender,
    private readonly config: PurchaseOrdersConfig,
  ) {
    this.now = config.now ?? (() => new Date());
    this.log = config.log ?? (() => undefined);
    this.maxAttempts = config.maxAttempts ?? 20;
  }

  // ---------------------------------------------------------------- raising

  async raise(plan: OrderPlan, ctx: Actor): Promise<{ created: boolean; purchaseOrderId: string }> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const holder = await this.store.lockHolder(plan.sku, plan.locationId, plan.supplierId);
      if (holder) {
        await this.ensureStarted(holder);
        return { created: false, purchaseOrderId: holder };
      }
      const at = this.now();
      const lines: PurchaseOrderLine[] = [
        {
          sku: plan.sku,
          supplierSku: plan.supplierSku,
          quantity: plan.quantity,
          received: 0,
          unitCost: plan.unitCost,
        },
      ];
      const po = this.draft({
        supplierId: plan.supplierId,
        locationId: plan.locationId,
        lines,
        currency: plan.unitCost.currency,
        origin: 'rule',
        leadTimeDays: plan.leadTimeDays,
        at,
        by: ctx.actor,
        correlationId: ctx.correlationId,
        ...(plan.approvalThreshold ? { approvalThreshold: plan.approvalThreshold } : {}),
        ...(plan.fallbackSupplierId ? { fallbackSupplierId: plan.fallbackSupplierId } : {}),
      });
      try {
        await this.store.transact([
          { kind: 'put', po },
          ...lockRefs(po).map((l) => ({ kind: 'lock' as const, ...l })),
        ]);
      } catch (error) {
        if (!(error instanceof StoreRefused)) throw error;
        await backoff(attempt); // the lock was taken meanwhile (or contention): read the holder again
        continue;
      }
      this.log('purchase order raised', { purchaseOrderId: po.id, sku: plan.sku, quantity: plan.quantity });
      await this.saga.start(po.id, { purchaseOrderId: po.id });
      return { created: true, purchaseOrderId: po.id };
    }
    throw new TransientError(`raise ${plan.sku}@${plan.locationId}: gave up after contended writes`);
  }

  /** A manager's PO (POST /api/v1/purchase-orders): priced from the supplier items, no approval. */
  async create(
    body: CreatePurchaseOrderBody,
    ctx: Actor & { idempotencyKey?: string },
  ): Promise<{ created: boolean; purchaseOrder: PurchaseOrder }> {
    const request = JSON.stringify(body);
    const replay = async (): Promise<{ created: boolean; purchaseOrder: PurchaseOrder } | undefined> => {
      if (!ctx.idempotencyKey) return undefined;
      const seen = await this.store.createKey(ctx.idempotencyKey);
      if (!seen) return undefined;
      if (seen.request !== request) {
        throw new ConflictError('This Idempotency-Key was already used with a different request', {
          idempotencyKey: ctx.idempotencyKey,
        });
      }
      return { created: false, purchaseOrder: viewOf(await this.require(seen.purchaseOrderId)) };
    };
    const earlier = await replay();
    if (earlier) return earlier;
    if (body.lines.length > MAX_MANUAL_LINES) {
      throw unprocessable(`A purchase order holds at most ${MAX_MANUAL_LINES} lines`, [
        { field: 'lines', message: `at most ${MAX_MANUAL_LINES} lines` },
      ]);
    }
    const supplier = await this.directory.getSupplier(body.supplierId);
    if (!supplier) {
      throw unprocessable(`No supplier ${body.supplierId}`, [
        { field: 'supplierId', message: 'no such supplier' },
      ]);
    }
    if (!supplier.active || supplier.webhookStatus !== 'enabled') {
      const why = supplier.active ? 'its webhook is disabled (it answered 410 Gone)' : 'it is inactive';
      throw unprocessable(`Supplier ${supplier.id} cannot take orders: ${why}`, [
        { field: 'supplierId', message: `the supplier ${why}` },
      ]);
    }
    const items = await Promise.all(body.lines.map((l) => this.directory.getItem(supplier.id, l.sku)));
    const missing = body.lines
      .map((l, i) =>
        items[i]
          ? undefined
          : { field: `lines.${i}.sku`, message: `${supplier.id} has no item for ${l.sku}` },
      )
      .filter((e): e is FieldError => !!e);
    if (missing.length) throw unprocessable(missing.map((e) => e.message).join('; '), missing);
    const locationId = body.locationId ?? 'main';
    const lines = body.lines.map((l, i) => {
      const item = items[i]!;
      return {
        sku: l.sku,
        supplierSku: item.supplierSku,
        quantity: l.quantity,
        received: 0,
        unitCost: unitCostFor(item, l.quantity),
      };
    });
    const leadTimeDays = Math.max(...items.map((item) => item!.leadTimeDays ?? supplier.leadTimeDays));
    const po = this.draft({
      supplierId: supplier.id,
      locationId,
      lines,
      currency: supplier.currency,
      origin: 'manual',
      leadTimeDays,
      at: this.now(),
      by: ctx.actor,
      correlationId: ctx.correlationId,
      ...(body.expectedBy ? { expectedBy: new Date(body.expectedBy).toISOString() } : {}),
    });
    const ops: StoreOp[] = [
      { kind: 'put', po },
      ...lockRefs(po).map((l) => ({ kind: 'lock' as const, ...l })),
    ];
    if (ctx.idempotencyKey) {
      ops.push({ kind: 'createKey', key: ctx.idempotencyKey, request, purchaseOrderId: po.id });
    }
    try {
      await this.store.transact(ops);
    } catch (error) {
      if (!(error instanceof StoreRefused)) throw error;
      if (error.failed.some((op) => op.kind === 'createKey')) {
        const again = await replay();
        if (again) return again;
      }
      const held = await Promise.all(
        po.lines.map(async (l, i) => ({
          i,
          sku: l.sku,
          holder: await this.store.lockHolder(l.sku, locationId, supplier.id),
        })),
      );
      const open = held.filter((h) => h.holder);
      if (open.length) {
        throw new ConflictError(
          open
            .map((h) => `${h.sku} at ${locationId} is already on open purchase order ${h.holder}`)
            .join('; '),
          {
            errors: open.map((h) => ({
              field: `lines.${h.i}.sku`,
              message: `already on open purchase order ${h.holder} with ${supplier.id}`,
            })),
            purchaseOrderIds: [...new Set(open.map((h) => h.holder))],
          },
        );
      }
      throw new TransientError('create: contended write, retry', { cause: error });
    }
    await this.saga.start(po.id, { purchaseOrderId: po.id });
    return { created: true, purchaseOrder: viewOf(po) };
  }

  private draft(input: {
    supplierId: string;
    locationId: string;
    lines: PurchaseOrderLine[];
    currency: string;
    origin: PurchaseOrder['origin'];
    leadTimeDays: number;
    at: Date;
    by: string;
    correlationId?: string;
    expectedBy?: string;
    approvalThreshold?: Money;
    fallbackSupplierId?: string;
    replaces?: string;
    executionArn?: string;
  }): PoRecord {
    const id = `PO-${ulid()}`;
    const at = input.at.toISOString();
    const total = totalOf(input.lines, input.currency);
    const threshold = input.approvalThreshold;
    // A threshold in another currency cannot be compared: a manager looks at it.
    const needsApproval =
      !!threshold && (threshold.currency !== total.currency || total.amount >= threshold.amount);
    const expectedBy = input.expectedBy ?? plusDays(input.at, input.leadTimeDays);
    const po: PoRecord = {
      id,
      supplierId: input.supplierId,
      locationId: input.locationId,
      lines: input.lines,
      total,
      status: 'DRAFT',
      origin: input.origin,
      expectedBy,
      needsApproval,
      history: [{ status: 'DRAFT', at, by: input.by }],
      receipts: [],
      createdAt: at,
      updatedAt: at,
      leadTimeDays: input.leadTimeDays,
      ...(input.expectedBy ? { expectedByGiven: true } : {}),
      ...(threshold ? { approvalThreshold: threshold } : {}),
      ...(input.fallbackSupplierId ? { fallbackSupplierId: input.fallbackSupplierId } : {}),
      ...(input.replaces ? { replaces: input.replaces } : {}),
      ...(input.executionArn ? { executionArn: input.executionArn, sagaStartedAt: at } : {}),
      signals: [],
      handledSeq: 0,
      reminders: 0,
      escalations: [],
      rev: 1,
      outbox: [],
    };
    po.outbox = [
      PurchaseOrderCreated.create(
        { ...refOf(po), origin: po.origin, lines: eventLines(po), total, expectedBy },
        {
          id: eventId(po, PurchaseOrderCreated.type),
          correlationId: input.correlationId ?? id,
          occurredAt: at,
        },
      ),
    ];
    return po;
  }

  /** A lock held by a PO whose saga never started (see {@link isStalled}): start it now. */
  private async ensureStarted(purchaseOrderId: string): Promise<void> {
    const po = await this.store.get(purchaseOrderId);
    if (po && this.isStalled(po)) await this.saga.start(po.id, { purchaseOrderId: po.id });
  }

  /**
   * Open with no saga, {@link UNSTARTED_GRACE_MS} after its creation: its raiser (the planner, a
   * manager's POST) wrote it and died before StartExecution. A fresh one is left to its raiser,
   * which is starting it; a fallback PO continues its predecessor's execution, never its own.
   * (Begin records `sagaStartedAt` before anything else, so such a PO is always a DRAFT.)
   */
  private isStalled(po: PoRecord): boolean {
    if (po.status !== 'DRAFT' || po.sagaStartedAt || po.origin === 'fallback') return false;
    return this.now().getTime() - Date.parse(po.createdAt) >= UNSTARTED_GRACE_MS;
  }

  /**
   * Starts the saga of every stalled PO (see {@link isStalled}); the scheduled sweep calls it, so
   * a manual PO, which no stock event raises again, is not left a DRAFT for ever. A PO whose start
   * fails is counted and logged, and the next sweep tries it again.
   */
  async startStalled(): Promise<{ started: number; failed: number }> {
    const result = { started: 0, failed: 0 };
    let cursor: string | undefined;
    do {
      const page = await this.store.list({ status: 'DRAFT', limit: 100, ...(cursor ? { cursor } : {}) });
      for (const po of page.items.filter((p) => this.isStalled(p))) {
        try {
          await this.saga.start(po.id, { purchaseOrderId: po.id });
          result.started++;
          this.log('stalled purchase order saga started', {
            purchaseOrderId: po.id,
            createdAt: po.createdAt,
          });
        } catch (error) {
          result.failed++;
          this.log('stalled purchase order saga could not be started', {
            purchaseOrderId: po.id,
            error: (error as Error).message,
          });
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return result;
  }

  // ---------------------------------------------------------------- reading

  async get(purchaseOrderId: string): Promise<PurchaseOrderDetail> {
    const po = await this.require(purchaseOrderId);
    const timeline = po.executionArn ? timelineOf(await this.saga.history(po.executionArn)) : [];
    return { ...viewOf(po), timeline };
  }

  async list(query: ListPurchaseOrdersQuery): Promise<{ items: PurchaseOrder[]; nextCursor: string | null }> {
    const page = await this.store.list(query);
    return { items: page.items.map(viewOf), nextCursor: page.nextCursor };
  }

  async openQuantity(sku: string, locationId: string, horizon: Date): Promise<OpenQuantity> {
    const locks = await this.store.openLocks(sku, locationId);
    const pos = await this.store.getMany([...new Set(locks.map((l) => l.purchaseOrderId))]);
    const open: OpenQuantity = { within: 0, later: 0, purchaseOrderIds: [] };
    for (const po of pos) {
      if (isFinalPurchaseOrder(po.status) || po.locationId !== locationId) continue;
      const line = po.lines.find((l) => l.sku === sku);
      if (!line) continue;
      const quantity = Math.max(0, line.quantity - line.received);
      if (Date.parse(po.expectedBy) <= horizon.getTime()) open.within += quantity;
      else open.later += quantity;
      open.purchaseOrderIds.push(po.id);
    }
    return open;
  }

  /** From the supplier's latest 200 POs: days from SENT to each receipt line, and whether it was on time. */
  async performance(
    supplierId: string,
  ): Promise<{ overall: SupplierPerformanceFigures; bySku: Map<string, SupplierPerformanceFigures> }> {
    const pos = await this.store.bySupplier(supplierId, 200);
    type Tally = { n: number; days: number; onTime: number };
    const overall: Tally = { n: 0, days: 0, onTime: 0 };
    const bySku = new Map<string, Tally>();
    for (const po of pos) {
      if (!po.sentAt) continue;
      for (const receipt of po.receipts) {
        const days = Math.max(0, Date.parse(receipt.at) - Date.parse(po.sentAt)) / DAY_MS;
        const onTime = Date.parse(receipt.at) <= Date.parse(po.expectedBy) ? 1 : 0;
        for (const line of receipt.lines) {
          const tally = bySku.get(line.sku) ?? { n: 0, days: 0, onTime: 0 };
          for (const t of [overall, tally]) {
            t.n += 1;
            t.days += days;
            t.onTime += onTime;
          }
          bySku.set(line.sku, tally);
        }
      }
    }
    const figures = (t: Tally): SupplierPerformanceFigures => ({
      receipts: t.n,
      observedLeadTimeDays: t.n ? t.days / t.n : null,
      onTimeRate: t.n ? t.onTime / t.n : null,
    });
    return {
      overall: figures(overall),
      bySku: new Map([...bySku].map(([sku, t]) => [sku, figures(t)])),
    };
  }

  // ---------------------------------------------------------------- managers

  async approve(purchaseOrderId: string, note: string | undefined, ctx: Actor): Promise<PurchaseOrder> {
    const { after } = await this.mutate(purchaseOrderId, (po) => {
      if (po.approvedAt) return undefined;
      if (!po.needsApproval) throw new ConflictError(`${po.id} does not need approval`);
      if (!UNSENT.includes(po.status))
        throw new ConflictError(`${po.id} is ${po.status}; it cannot be approved`);
      const at = this.now().toISOString();
      return {
        po: {
          ...po,
          approvedBy: ctx.actor,
          approvedAt: at,
          updatedAt: at,
          history: [...po.history, { status: po.status, at, by: ctx.actor, note: note ?? 'approved' }],
        },
      };
    });
    if (after.approvalToken && UNSENT.includes(after.status)) {
      await this.resume(after.approvalToken, { decision: 'APPROVED' } satisfies ApprovalSignal);
    }
    return viewOf(after);
  }

  async reject(purchaseOrderId: string, note: string | undefined, ctx: Actor): Promise<PurchaseOrder> {
    const { after } = await this.mutate(purchaseOrderId, (po) => {
      if (po.status === 'REJECTED') return undefined;
      if (!po.needsApproval) throw new ConflictError(`${po.id} does not need approval; cancel it instead`);
      if (po.approvedAt) throw new ConflictError(`${po.id} was approved already; cancel it instead`);
      if (!UNSENT.includes(po.status))
        throw new ConflictError(`${po.id} is ${po.status}; it cannot be rejected`);
      const at = this.now().toISOString();
      const reason = note ?? 'rejected by a manager';
      const next = this.transition(po, 'REJECTED', at, ctx.actor, note);
      next.reason = reason;
      next.outbox = [
        PurchaseOrderRejected.create(
          { ...refOf(po), by: 'manager', reason },
          {
            id: eventId(po, PurchaseOrderRejected.type),
            correlationId: ctx.correlationId ?? po.id,
            occurredAt: at,
          },
        ),
      ];
      return { po: next };
    });
    if (after.approvalToken)
      await this.resume(after.approvalToken, { decision: 'REJECTED' } satisfies ApprovalSignal);
    return viewOf(after);
  }

  /** A manager's cancel: any time until RECEIVED. Goods already expected are given back by the saga. */
  async cancel(purchaseOrderId: string, note: string | undefined, ctx: Actor): Promise<PurchaseOrder> {
    return viewOf(await this.cancelAs(purchaseOrderId, note ?? 'cancelled by a manager', ctx.actor, true));
  }

  private async cancelAs(id: string, reason: string, by: string, strict: boolean): Promise<PoRecord> {
    const { before, after, changed } = await this.mutate(id, (po) => {
      if (po.status === 'CANCELLED') return undefined;
      if (isFinalPurchaseOrder(po.status)) {
        if (!strict) return undefined;
        throw new ConflictError(`${po.id} is ${po.status}; it cannot be cancelled`);
      }
      const at = this.now().toISOString();
      let next = this.transition(po, 'CANCELLED', at, by, reason);
      next.reason = reason;
      next.outbox = [
        PurchaseOrderCancelled.create(
          { ...refOf(po), reason },
          { id: eventId(po, PurchaseOrderCancelled.type), correlationId: po.id, occurredAt: at },
        ),
      ];
      if (isInbound(po.status)) next = withSignal(next, { kind: 'cancelled', at, unexpect: unexpectOf(po) });
      return { po: next };
    });
    if (changed && UNSENT.includes(before.status) && after.approvalToken) {
      await this.resume(after.approvalToken, { decision: 'CANCELLED' } satisfies ApprovalSignal);
    }
    await this.resumeSupplier(after);
    return after;
  }

  // ---------------------------------------------------------------- the warehouse

  async receive(
    purchaseOrderId: string,
    body: ReceiptBody,
    ctx: Actor & { idempotencyKey?: string },
  ): Promise<PurchaseOrder> {
    const request = JSON.stringify(body);
    const replay = async (): Promise<PurchaseOrder | undefined> => {
      if (!ctx.idempotencyKey) return undefined;
      const seen = await this.store.receiptKey(purchaseOrderId, ctx.idempotencyKey);
      if (!seen) return undefined;
      if (seen.request !== request) {
        throw new ConflictError('This Idempotency-Key was already used with a different receipt', {
          idempotencyKey: ctx.idempotencyKey,
        });
      }
      return viewOf(await this.require(purchaseOrderId));
    };
    const earlier = await replay();
    if (earlier) return earlier;
    const existing = await this.require(purchaseOrderId);
    const supplier = await this.directory.getSupplier(existing.supplierId);
    const closeShort = body.closeShort ?? supplier?.backorderPolicy === 'close_short';
    let after: PoRecord;
    try {
      ({ after } = await this.mutate(purchaseOrderId, (po) => {
        if (!isInbound(po.status)) {
          throw new ConflictError(
            `${po.id} is ${po.status}; receipts are taken when it is SENT, ACKNOWLEDGED or PARTIALLY_RECEIVED`,
          );
        }
        const unknown = body.lines
          .map((l, i) =>
            po.lines.some((p) => p.sku === l.sku)
              ? undefined
              : { field: `lines.${i}.sku`, message: `${l.sku} is not on ${po.id}` },
          )
          .filter((e): e is FieldError => !!e);
        if (unknown.length) throw unprocessable(unknown.map((e) => e.message).join('; '), unknown);
        const over = body.lines
          .map((l, i) => {
            const line = po.lines.find((p) => p.sku === l.sku)!;
            if (line.received + l.quantity <= line.quantity) return undefined;
            return {
              field: `lines.${i}.quantity`,
              message: `${l.sku}: ordered ${line.quantity}, received ${line.received}; ${l.quantity} more is ${line.received + l.quantity - line.quantity} over (confirmOverReceipt to accept)`,
            };
          })
          .filter((e): e is FieldError => !!e);
        if (over.length && !body.confirmOverReceipt) {
          throw unprocessable(`Over-receipt: ${over.map((e) => e.message).join('; ')}`, over);
        }
        const at = this.now().toISOString();
        const receiptId = `${po.id}:R${po.receipts.length + 1}`;
        const locationId = body.locationId ?? po.locationId;
        const lines = po.lines.map((line) => {
          const got = body.lines.find((l) => l.sku === line.sku)?.quantity ?? 0;
          return { ...line, received: line.received + got };
        });
        const complete = lines.every((l) => l.received >= l.quantity);
        const status: PurchaseOrderStatus = complete || closeShort ? 'RECEIVED' : 'PARTIALLY_RECEIVED';
        const receipt = { receiptId, at, by: ctx.actor, locationId, lines: body.lines, applied: false };
        let next: PoRecord = {
          ...(status === po.status
            ? { ...po, updatedAt: at }
            : this.transition(
                po,
                status,
                at,
                ctx.actor,
                complete || !closeShort ? undefined : 'closed short',
              )),
          lines,
          receipts: [...po.receipts, receipt],
        };
        const sentAt = po.sentAt ?? po.createdAt;
        next.outbox = [
          PurchaseOrderReceiptRecorded.create(
            {
              ...refOf(po),
              receiptId,
              lines: body.lines.map((l) => ({
                ...l,
                unitCost: po.lines.find((p) => p.sku === l.sku)!.unitCost,
              })),
              status,
              leadTimeDays: Math.max(0, Date.parse(at) - Date.parse(sentAt)) / DAY_MS,
              onTime: Date.parse(at) <= Date.parse(po.expectedBy),
            },
            {
              id: eventId(po, PurchaseOrderReceiptRecorded.type, receiptId),
              correlationId: ctx.correlationId ?? po.id,
              occurredAt: at,
            },
          ),
        ];
        next = withSignal(next, {
          kind: 'receipt',
          at,
          receiptId,
          receipt: body.lines.map((l) => ({ sku: l.sku, locationId, quantity: l.quantity })),
          ...(status === 'RECEIVED' && !complete ? { unexpect: unexpectOf(next) } : {}),
        });
        const ops: StoreOp[] = ctx.idempotencyKey
          ? [{ kind: 'receiptKey', purchaseOrderId: po.id, key: ctx.idempotencyKey, request, receiptId }]
          : [];
        return { po: next, ops };
      }));
    } catch (error) {
      if (error instanceof StoreRefused && error.failed.some((op) => op.kind === 'receiptKey')) {
        const again = await replay();
        if (again) return again;
      }
      throw error;
    }
    await this.resumeSupplier(after);
    return viewOf(after);
  }

  // ---------------------------------------------------------------- suppliers calling back

  /**
   * POST /api/v1/supplier-callbacks/{supplierId}: verified (Standard Webhooks, current or previous
   * secret, 5 minutes of tolerance) before anything is read from the body; anything that does not
   * verify, or names a PO the supplier does not have, is a 401 that changes nothing.
   */
  async callback(
    supplierId: string,
    rawBody: string,
    headers: Record<string, string | undefined>,
  ): Promise<CallbackResult> {
    const signed = {
      [WEBHOOK_HEADERS.id]: headers[WEBHOOK_HEADERS.id] ?? '',
      [WEBHOOK_HEADERS.timestamp]: headers[WEBHOOK_HEADERS.timestamp] ?? '',
      [WEBHOOK_HEADERS.signature]: headers[WEBHOOK_HEADERS.signature] ?? '',
    };
    const supplier = await this.directory.getSupplier(supplierId);
    if (!supplier || !(await this.verifies(supplierId, rawBody, signed)))
      throw new UnauthorizedError(UNAUTHORIZED);
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      throw new ValidationError([{ field: 'body', message: 'not JSON' }]);
    }
    const message = parseOrThrow(supplierCallbackSchema, json);
    const webhookId = signed[WEBHOOK_HEADERS.id];
    const existing = await this.store.get(message.purchaseOrderId);
    if (!existing || existing.supplierId !== supplierId) throw new UnauthorizedError(UNAUTHORIZED);
    const duplicate = (po: PoRecord): CallbackResult => ({
      purchaseOrderId: po.id,
      status: po.status,
      duplicate: true,
    });
    if (await this.store.callbackSeen(supplierId, webhookId)) return duplicate(existing);
    let after: PoRecord;
    try {
      ({ after } = await this.mutate(message.purchaseOrderId, (po) => ({
        po: this.applyCallback(po, message, `supplier:${supplierId}`),
        ops: [{ kind: 'callback', supplierId, webhookId, purchaseOrderId: po.id }],
      })));
    } catch (error) {
      if (error instanceof StoreRefused && error.failed.some((op) => op.kind === 'callback')) {
        return duplicate(await this.require(message.purchaseOrderId));
      }
      throw error;
    }
    await this.resumeSupplier(after);
    return { purchaseOrderId: after.id, status: after.status, duplicate: false };
  }

  private async verifies(supplierId: string, raw: string, headers: Record<string, string>): Promise<boolean> {
    const any = (secrets: readonly string[]) =>
      secrets.some((secret) => {
        try {
          new Webhook(secret).verify(raw, headers, { jsonParse: false });
          return true;
        } catch {
          return false;
        }
      });
    if (any(await this.secrets.verifying(supplierId))) return true;
    // Out of tolerance (a replay, a wrong clock): no secret helps, and no re-read for it either.
    const timestamp = Number(headers[WEBHOOK_HEADERS.timestamp]);
    const skew = Math.abs(this.now().getTime() / 1000 - timestamp);
    if (!headers[WEBHOOK_HEADERS.timestamp] || !(skew <= WEBHOOK_TOLERANCE_SECONDS)) return false;
    // Rotated a moment ago in another process? Read the secrets again, past any cache, once.
    return any(await this.secrets.verifying(supplierId, { fresh: true }));
  }

  private applyCallback(po: PoRecord, message: SupplierCallback, by: string): PoRecord {
    if (isFinalPurchaseOrder(po.status)) throw new ConflictError(`${po.id} is ${po.status}`);
    // The webhook was accepted, so the supplier may answer before MarkSent recorded SENT.
    const delivered = !UNSENT.includes(po.status) || !po.needsApproval || !!po.approvedAt;
    if (!delivered) throw new ConflictError(`${po.id} has not been sent yet`);
    const at = this.now().toISOString();
    const meta = (type: string) => ({ id: eventId(po, type), correlationId: po.id, occurredAt: at });
    if (message.type === 'purchase_order.rejected') {
      const reason = message.reason ?? 'rejected by the supplier';
      let next = this.transition(po, 'REJECTED', at, by, reason);
      next.reason = reason;
      next.outbox = [
        PurchaseOrderRejected.create(
          { ...refOf(po), by: 'supplier', reason },
          meta(PurchaseOrderRejected.type),
        ),
      ];
      next = withSignal(next, { kind: 'rejected', at, unexpect: unexpectOf(po) });
      return next;
    }
    const acknowledging = po.status === 'SENT' || UNSENT.includes(po.status);
    const next: PoRecord = acknowledging
      ? this.transition(
          po,
          'ACKNOWLEDGED',
          at,
          by,
          message.type === 'purchase_order.shipped' ? 'shipped' : undefined,
        )
      : { ...po, updatedAt: at };
    if (message.supplierReference) next.supplierReference = message.supplierReference;
    if (message.expectedDeliveryDate) next.expectedBy = expectedByOf(message.expectedDeliveryDate);
    if (message.type === 'purchase_order.shipped') {
      next.shipments = [
        ...(po.shipments ?? []),
        {
          at,
          ...(message.supplierReference ? { supplierReference: message.supplierReference } : {}),
          ...(message.lines ? { lines: message.lines } : {}),
        },
      ];
      if (!acknowledging) next.history = [...po.history, { status: po.status, at, by, note: 'shipped' }];
    }
    const reference = next.supplierReference ? { supplierReference: next.supplierReference } : {};
    next.outbox = [
      ...(acknowledging
        ? [
            PurchaseOrderAcknowledged.create(
              { ...refOf(po), expectedBy: next.expectedBy, ...reference },
              meta(PurchaseOrderAcknowledged.type),
            ),
          ]
        : []),
      ...(message.type === 'purchase_order.shipped'
        ? [
            PurchaseOrderShipped.create(
              {
                ...refOf(po),
                ...(message.lines ? { lines: message.lines } : {}),
                expectedBy: next.expectedBy,
                ...reference,
              },
              // One per shipment: a PO may ship in parts.
              {
                ...meta(PurchaseOrderShipped.type),
                id: eventId(po, PurchaseOrderShipped.type, String(next.shipments?.length ?? 1)),
              },
            ),
          ]
        : []),
    ];
    return withSignal(next, {
      kind: message.type === 'purchase_order.shipped' ? 'shipped' : 'acknowledged',
      at,
    });
  }

  // ---------------------------------------------------------------- saga tasks

  /** One task of the replenishment saga, by `action` (see model.ts `sagaTaskInputSchema`). */
  runTask(input: SagaTaskInput): Promise<unknown> {
    const id = input.purchaseOrderId;
    switch (input.action) {
      case 'begin':
        return this.begin(id);
      case 'await-approval':
        return this.awaitApproval(id, input.taskToken);
      case 'escalate':
        return this.escalate(id, input.kind);
      case 'cancel':
        return this.cancelForSaga(id, input.reason);
      case 'send':
        return this.send(id, input.reminder);
      case 'mark-sent':
        return this.markSent(id);
      case 'await-supplier':
        return this.awaitSupplier(id, input.taskToken);
      case 'overdue':
        return this.overdue(id);
      case 'send-cancellation':
        return this.sendCancellation(id);
      case 'cancellation-undelivered':
        return this.cancellationUndelivered(id, input.error);
      case 'handled':
        return this.handled(id, input.seq);
      case 'fallback':
        return this.fallback(id, input.reason, input.error);
    }
  }

  async begin(purchaseOrderId: string): Promise<BeginOutput> {
    const { after: po } = await this.mutate(purchaseOrderId, (po) => {
      if (po.sagaStartedAt && po.executionArn) return undefined;
      const at = this.now().toISOString();
      return {
        po: {
          ...po,
          sagaStartedAt: po.sagaStartedAt ?? at,
          executionArn: po.executionArn ?? this.saga.executionArnOf(po.id),
        },
      };
    });
    const timings = this.config.timings();
    return {
      purchaseOrderId: po.id,
      status: po.status,
      needsApproval: po.needsApproval,
      pendingSignals: !!firstUnhandled(po),
      expectLines: po.lines.map((l) => ({ sku: l.sku, locationId: po.locationId, quantity: l.quantity })),
      waits: {
        approvalSeconds: Math.max(1, timings.approvalSeconds),
        approvalEscalatedSeconds: Math.max(1, timings.approvalEscalatedSeconds),
      },
    };
  }

  /** Parks the approval token (AWAITING_APPROVAL), or resumes at once when the decision is known. */
  async awaitApproval(purchaseOrderId: string, taskToken: string): Promise<{ waiting: boolean }> {
    const { after: po } = await this.mutate(purchaseOrderId, (po) => {
      if (decisionOf(po) || po.approvalToken === taskToken) return undefined;
      const at = this.now().toISOString();
      if (po.status === 'AWAITING_APPROVAL') return { po: { ...po, approvalToken: taskToken } };
      const next = { ...this.transition(po, 'AWAITING_APPROVAL', at, 'system'), approvalToken: taskToken };
      next.outbox = [
        PurchaseOrderAwaitingApproval.create(
          { ...refOf(po), total: po.total, approvalThreshold: po.approvalThreshold ?? po.total },
          { id: eventId(po, PurchaseOrderAwaitingApproval.type), correlationId: po.id, occurredAt: at },
        ),
      ];
      return { po: next };
    });
    const decision = decisionOf(po);
    if (!decision) return { waiting: true };
    await this.resume(taskToken, { decision } satisfies ApprovalSignal);
    return { waiting: false };
  }

  async escalate(purchaseOrderId: string, kind: EscalationKind): Promise<{ escalated: boolean }> {
    const { changed } = await this.mutate(purchaseOrderId, (po) => this.escalation(po, kind));
    return { escalated: changed };
  }

  private escalation(po: PoRecord, kind: EscalationKind) {
    if (po.escalations.includes(kind) || isFinalPurchaseOrder(po.status)) return undefined;
    const at = this.now().toISOString();
    const since =
      kind === 'approval_overdue'
        ? (po.history.findLast((h) => h.status === 'AWAITING_APPROVAL')?.at ?? po.createdAt)
        : kind === 'acknowledgement_overdue'
          ? (po.sentAt ?? po.updatedAt)
          : po.expectedBy;
    this.log('purchase order escalated', { purchaseOrderId: po.id, kind });
    return {
      po: {
        ...po,
        updatedAt: at,
        escalations: [...po.escalations, kind],
        outbox: [
          PurchaseOrderEscalated.create(
            { ...refOf(po), kind, status: po.status, since },
            { id: eventId(po, PurchaseOrderEscalated.type, kind), correlationId: po.id, occurredAt: at },
          ),
        ],
      },
    };
  }

  /** The saga cancels (nobody approved in time). */
  async cancelForSaga(purchaseOrderId: string, reason: string): Promise<{ status: PurchaseOrderStatus }> {
    const po = await this.cancelAs(purchaseOrderId, reason, 'system', false);
    return { status: po.status };
  }

  /** POSTs the PO (or, `reminder`, the same message again) to the supplier's webhook. */
  async send(purchaseOrderId: string, reminder = false): Promise<{ outcome: 'SENT' | 'SKIPPED' }> {
    const po = await this.require(purchaseOrderId);
    if (reminder ? po.status !== 'SENT' : isFinalPurchaseOrder(po.status)) return { outcome: 'SKIPPED' };
    // Delivered before (the first answer was lost, or a re-drive): the supplier has it.
    if (!reminder && !UNSENT.includes(po.status)) return { outcome: 'SENT' };
    await this.sender.deliver(po);
    this.log(reminder ? 'purchase order reminder sent' : 'purchase order sent', { purchaseOrderId: po.id });
    return { outcome: 'SENT' };
  }

  /**
   * Tells the supplier a PO it had was cancelled (`purchase_order.cancelled`). Throws the sender's
   * errors for the saga's Retry and Catch; a notice already delivered is not sent again.
   */
  async sendCancellation(purchaseOrderId: string): Promise<{ outcome: 'SENT' | 'SKIPPED' }> {
    const po = await this.require(purchaseOrderId);
    // Only a PO the supplier had (its cancel was signalled to the saga for compensation).
    const supplierHadIt = po.signals.some((s) => s.kind === 'cancelled');
    if (po.status !== 'CANCELLED' || !supplierHadIt || po.cancellationNotice?.outcome === 'delivered') {
      return { outcome: 'SKIPPED' };
    }
    await this.sender.deliverCancellation(po);
    const at = this.now().toISOString();
    await this.mutate(purchaseOrderId, (current) =>
      current.cancellationNotice?.outcome === 'delivered'
        ? undefined
        : { po: { ...current, cancellationNotice: { at, outcome: 'delivered' } } },
    );
    this.log('purchase order cancellation sent', { purchaseOrderId });
    return { outcome: 'SENT' };
  }

  /** The cancellation could not be delivered: the PO stays cancelled, its history says the supplier was not told. */
  async cancellationUndelivered(
    purchaseOrderId: string,
    error?: { Error: string; Cause?: string },
  ): Promise<{ recorded: boolean }> {
    const why = `${error?.Error ?? 'unknown error'}${error?.Cause ? ` (${causeMessage(error.Cause).slice(0, 300)})` : ''}`;
    const { changed } = await this.mutate(purchaseOrderId, (po) => {
      if (po.cancellationNotice) return undefined;
      const at = this.now().toISOString();
      return {
        po: {
          ...po,
          updatedAt: at,
          cancellationNotice: { at, outcome: 'undelivered', error: why },
          history: [
            ...po.history,
            {
              status: po.status,
              at,
              by: 'system',
              note: `the supplier could not be told of the cancellation: ${why}`,
            },
          ],
        },
      };
    });
    if (changed) this.log('purchase order cancellation not delivered', { purchaseOrderId, error: why });
    return { recorded: changed };
  }

  /** Records SENT once the supplier accepted the webhook and incoming was expected. */
  async markSent(purchaseOrderId: string): Promise<SagaWait> {
    const { after } = await this.mutate(purchaseOrderId, (po) => {
      const at = this.now();
      const iso = at.toISOString();
      if (isFinalPurchaseOrder(po.status)) {
        // Cancelled or rejected while the webhook was on its way: incoming was expected, give it back.
        const compensated = po.signals.some((s) => s.kind === 'cancelled' || s.kind === 'rejected');
        if (compensated || po.status === 'RECEIVED') return undefined;
        return {
          po: withSignal({ ...po, updatedAt: iso }, { kind: 'cancelled', at: iso, unexpect: unexpectOf(po) }),
        };
      }
      if (po.sentAt) return undefined;
      const moved = UNSENT.includes(po.status);
      const next: PoRecord = moved ? this.transition(po, 'SENT', iso, 'system') : { ...po, updatedAt: iso };
      next.sentAt = iso;
      // The promise runs from the sending (an approval may have taken days), unless given or acknowledged.
      if (moved && !po.expectedByGiven) next.expectedBy = plusDays(at, po.leadTimeDays);
      next.outbox = [
        PurchaseOrderSent.create(
          { ...refOf(po), lines: eventLines(po), expectedBy: next.expectedBy },
          { id: eventId(po, PurchaseOrderSent.type), correlationId: po.id, occurredAt: iso },
        ),
      ];
      return { po: next };
    });
    return this.waitOf(after);
  }

  /** Parks the supplier token, or resumes at once with the first signal not handled yet. */
  async awaitSupplier(purchaseOrderId: string, taskToken: string): Promise<{ waiting: boolean }> {
    const { after: po } = await this.mutate(purchaseOrderId, (po) => {
      if (firstUnhandled(po) || po.supplierToken === taskToken) return undefined;
      return { po: { ...po, supplierToken: taskToken } };
    });
    let signal = firstUnhandled(po);
    // A final PO with nothing left to handle (its last step was lost): its last signal again ends
    // the saga (its stock steps are idempotent).
    if (!signal && isFinalPurchaseOrder(po.status)) signal = po.signals.at(-1);
    if (!signal) return { waiting: true };
    await this.resume(taskToken, signal);
    return { waiting: false };
  }

  /** The wait ran out: a reminder first, then an escalation; a late delivery escalates too. */
  async overdue(purchaseOrderId: string): Promise<SagaWait & { then: 'remind' | 'wait' }> {
    const now = this.now().getTime();
    const grace = this.config.timings().deliveryGraceSeconds * 1000;
    let remind = false;
    const { after } = await this.mutate(purchaseOrderId, (po) => {
      remind = false;
      if (po.status === 'SENT' && po.reminders === 0) {
        remind = true;
        return { po: { ...po, reminders: 1, updatedAt: new Date(now).toISOString() } };
      }
      if (po.status === 'SENT') return this.escalation(po, 'acknowledgement_overdue');
      if (
        (po.status === 'ACKNOWLEDGED' || po.status === 'PARTIALLY_RECEIVED') &&
        now > Date.parse(po.expectedBy) + grace
      ) {
        return this.escalation(po, 'delivery_overdue');
      }
      return undefined;
    });
    // biome-ignore lint/suspicious/noThenProperty: the saga's Choice reads `then` (a string, never called)
    return { ...this.waitOf(after), then: remind ? 'remind' : 'wait' };
  }

  /** The saga finished a signal (its stock effects are in the ledger). */
  async handled(purchaseOrderId: string, seq: number): Promise<SagaWait> {
    const { after } = await this.mutate(purchaseOrderId, (po) => {
      if (po.handledSeq >= seq) return undefined;
      const signal = po.signals.find((s) => s.seq === seq);
      const receipts = signal?.receiptId
        ? po.receipts.map((r) => (r.receiptId === signal.receiptId ? { ...r, applied: true } : r))
        : po.receipts;
      return { po: { ...po, handledSeq: seq, receipts } };
    });
    return this.waitOf(after);
  }

  /**
   * Sending failed or the supplier rejected: this PO ends (FAILED; a REJECTED one stays so), and
   * the same need goes to the rule's fallback supplier, in the same execution. Without one, ops
   * are alerted (PurchaseOrderFailed and the metric).
   */
  async fallback(
    purchaseOrderId: string,
    reason: 'send_failed' | 'supplier_rejected',
    error?: { Error: string; Cause?: string },
  ): Promise<FallbackOutput> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const po = await this.require(purchaseOrderId);
      if (po.status === 'CANCELLED') return { status: 'CANCELLED' };
      const status = po.status === 'REJECTED' ? 'REJECTED' : 'FAILED';
      // The saga's last step with a rejection (it goes on with the fallback PO, or ends): the
      // rejection is handled with it, so no re-drive takes the PO up again.
      const handledSeq =
        reason === 'supplier_rejected'
          ? Math.max(po.handledSeq, po.signals.findLast((s) => s.kind === 'rejected')?.seq ?? 0)
          : po.handledSeq;
      const settled = async (result: FallbackOutput): Promise<FallbackOutput> => {
        if (handledSeq > po.handledSeq) await this.handled(po.id, handledSeq);
        return result;
      };
      if (po.replacedBy) return settled({ next: po.replacedBy, status });
      if (po.status === 'FAILED') return settled({ status });
      const at = this.now();
      const iso = at.toISOString();
      const why =
        reason === 'send_failed'
          ? `send_failed: ${error?.Error ?? 'unknown error'}${error?.Cause ? ` (${error.Cause.slice(0, 300)})` : ''}`
          : (po.reason ?? 'rejected by the supplier');
      const replacement = await this.replacementFor(po, at);
      if (!replacement && status === 'REJECTED') return settled({ status });
      let old: PoRecord =
        status === 'FAILED' ? this.transition(po, 'FAILED', iso, 'system', why) : { ...po, updatedAt: iso };
      old.handledSeq = handledSeq;
      if (status === 'FAILED') old.reason = why;
      if (replacement) old = { ...old, replacedBy: replacement.id, outbox: [] };
      else if (status === 'FAILED') {
        old.outbox = [
          PurchaseOrderFailed.create(
            { ...refOf(po), reason: why },
            { id: eventId(po, PurchaseOrderFailed.type), correlationId: po.id, occurredAt: iso },
          ),
        ];
      }
      const ops: StoreOp[] = [{ kind: 'put', po: { ...old, rev: po.rev + 1 }, expectedRev: po.rev }];
      if (status === 'FAILED') ops.push(...lockRefs(po).map((l) => ({ kind: 'unlock' as const, ...l })));
      if (replacement) {
        ops.push(
          { kind: 'put', po: replacement },
          ...lockRefs(replacement).map((l) => ({ kind: 'lock' as const, ...l })),
        );
      }
      try {
        await this.store.transact(ops);
      } catch (e) {
        if (!(e instanceof StoreRefused)) throw e;
        if (replacement && e.failed.some((op) => op.kind === 'lock')) {
          // The fallback supplier already has an open PO for it: that one covers the need.
          this.log('fallback supplier already has an open PO', {
            purchaseOrderId: po.id,
            supplierId: replacement.supplierId,
          });
          const holder = await this.store.lockHolder(
            replacement.lines[0]!.sku,
            po.locationId,
            replacement.supplierId,
          );
          return settled(await this.failWithoutFallback(po, status, why, holder));
        }
        await backoff(attempt);
        continue;
      }
      if (replacement) {
        this.log('purchase order replaced by fallback', {
          purchaseOrderId: po.id,
          replacedBy: replacement.id,
        });
        return { next: replacement.id, status };
      }
      if (status === 'FAILED') this.config.onFailed?.(old);
      return { status };
    }
    throw new TransientError(`fallback ${purchaseOrderId}: gave up after contended writes`);
  }

  /**
   * This PO ends without a replacement of its own. `coveredBy`: the fallback supplier already has
   * an open PO for the SKU (with its own saga): named in the event, and no alarm, the need is met.
   */
  private async failWithoutFallback(
    po: PoRecord,
    status: 'FAILED' | 'REJECTED',
    why: string,
    coveredBy?: string,
  ): Promise<FallbackOutput> {
    const { changed, after } = await this.mutate(po.id, (current) => {
      if (current.status === 'FAILED' || current.status === 'CANCELLED' || status === 'REJECTED')
        return undefined;
      const iso = this.now().toISOString();
      const next = this.transition(current, 'FAILED', iso, 'system', why);
      next.reason = why;
      next.outbox = [
        PurchaseOrderFailed.create(
          { ...refOf(current), reason: why, ...(coveredBy ? { replacedBy: coveredBy } : {}) },
          { id: eventId(current, PurchaseOrderFailed.type), correlationId: current.id, occurredAt: iso },
        ),
      ];
      return { po: next };
    });
    if (changed && !coveredBy) this.config.onFailed?.(after);
    return { status: after.status === 'CANCELLED' ? 'CANCELLED' : status };
  }

  /** The fallback supplier's PO for what this one still needs, or undefined when there is none to use. */
  private async replacementFor(po: PoRecord, at: Date): Promise<PoRecord | undefined> {
    if (!po.fallbackSupplierId || po.origin === 'fallback') return undefined;
    const supplier = await this.directory.getSupplier(po.fallbackSupplierId);
    if (!supplier?.active || supplier.webhookStatus !== 'enabled') return undefined;
    const needed = po.lines.filter((l) => l.quantity > l.received);
    const items = await Promise.all(needed.map((l) => this.directory.getItem(supplier.id, l.sku)));
    if (!needed.length || items.some((item) => !item)) return undefined;
    const lines = needed.map((l, i) => {
      const item = items[i]!;
      const quantity = roundUpTo(Math.max(l.quantity - l.received, item.minOrderQty), item.packMultiple);
      return {
        sku: l.sku,
        supplierSku: item.supplierSku,
        quantity,
        received: 0,
        unitCost: unitCostFor(item, quantity),
      };
    });
    return this.draft({
      supplierId: supplier.id,
      locationId: po.locationId,
      lines,
      currency: supplier.currency,
      origin: 'fallback',
      leadTimeDays: Math.max(...items.map((item) => item!.leadTimeDays ?? supplier.leadTimeDays)),
      at,
      by: 'system',
      replaces: po.id,
      ...(po.approvalThreshold ? { approvalThreshold: po.approvalThreshold } : {}),
      ...(po.executionArn ? { executionArn: po.executionArn } : {}),
    });
  }

  /**
   * Starts again the saga of every PO that still needs one (runtimes whose executions do not
   * survive a restart): every PO not in a final state, and every final one with signals its saga
   * had not finished (a cancel, a rejection or a receipt recorded, then the restart before its
   * stock step: incoming would stay too high). A final PO replaced by a fallback PO is left out:
   * its execution goes on with the replacement, which is re-driven itself. Final POs are read by
   * status, all of them: locally, where this runs, that is a few pages.
   */
  async redriveOpen(): Promise<number> {
    let started = 0;
    for (const status of [...OPEN_STATUSES, ...FINAL_STATUSES]) {
      let cursor: string | undefined;
      do {
        const page = await this.store.list({ status, limit: 100, ...(cursor ? { cursor } : {}) });
        const due = page.items.filter(
          (po) =>
            po.status === status &&
            (!isFinalPurchaseOrder(po.status) || (!!firstUnhandled(po) && !po.replacedBy)),
        );
        await Promise.all(
          due.map((po) => {
            // A fallback PO continues the execution of the PO it replaces (named after that one).
            const name = po.executionArn?.split(':').at(-1) ?? po.id;
            return this.saga.start(name, { purchaseOrderId: po.id });
          }),
        );
        started += due.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    if (started) this.log('replenishment sagas re-driven', { purchaseOrders: started });
    return started;
  }

  // ---------------------------------------------------------------- internals

  /** How long the saga's next wait for the supplier lasts, and whether it is over. */
  private waitOf(po: PoRecord): SagaWait {
    const t = this.config.timings();
    const final = isFinalPurchaseOrder(po.status) && !firstUnhandled(po);
    let seconds = t.ackSeconds;
    if (po.status === 'SENT' && po.escalations.includes('acknowledgement_overdue'))
      seconds = t.reescalateSeconds;
    if (po.status === 'ACKNOWLEDGED' || po.status === 'PARTIALLY_RECEIVED') {
      seconds = po.escalations.includes('delivery_overdue')
        ? t.reescalateSeconds
        : Math.ceil(
            (Date.parse(po.expectedBy) + t.deliveryGraceSeconds * 1000 - this.now().getTime()) / 1000,
          );
    }
    return { seconds: Math.max(1, Math.floor(seconds)), final };
  }

  private transition(
    po: PoRecord,
    status: PurchaseOrderStatus,
    at: string,
    by: string,
    note?: string,
  ): PoRecord {
    return {
      ...po,
      status,
      updatedAt: at,
      history: [...po.history, { status, at, by, ...(note ? { note } : {}) }],
    };
  }

  private async require(purchaseOrderId: string): Promise<PoRecord> {
    const po = await this.store.get(purchaseOrderId);
    if (!po) throw new NotFoundError(`Purchase order ${purchaseOrderId} does not exist`);
    return po;
  }

  /** Resumes AwaitSupplier (if it waits) with the first signal not handled yet, after the write. */
  private async resumeSupplier(po: PoRecord): Promise<void> {
    const signal = firstUnhandled(po);
    if (po.supplierToken && signal) await this.resume(po.supplierToken, signal);
  }

  private async resume(taskToken: string, output: unknown): Promise<void> {
    if (!(await this.saga.resume(taskToken, output))) this.log('saga no longer waiting on that token', {});
  }

  /**
   * Read → decide → one transaction: the PO on its rev, the locks a final status releases, and
   * `ops` of the decision. A lost race on the PO re-reads and decides again; any other refused
   * condition is thrown (StoreRefused) for the caller to read.
   */
  private async mutate(
    purchaseOrderId: string,
    decide: (po: PoRecord) => { po: PoRecord; ops?: StoreOp[] } | undefined,
  ): Promise<{ before: PoRecord; after: PoRecord; changed: boolean }> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const before = await this.require(purchaseOrderId);
      const decision = decide(before);
      if (!decision) return { before, after: before, changed: false };
      const after: PoRecord = { ...decision.po, rev: before.rev + 1 };
      if (after.outbox === before.outbox) after.outbox = [];
      const ops: StoreOp[] = [{ kind: 'put', po: after, expectedRev: before.rev }, ...(decision.ops ?? [])];
      if (isFinalPurchaseOrder(after.status) && !isFinalPurchaseOrder(before.status)) {
        ops.push(...lockRefs(before).map((l) => ({ kind: 'unlock' as const, ...l })));
      }
      try {
        await this.store.transact(ops);
        return { before, after, changed: true };
      } catch (error) {
        if (!(error instanceof StoreRefused)) throw error;
        if (error.failed.some((op) => op.kind !== 'put')) throw error;
        await backoff(attempt);
      }
    }
    throw new TransientError(`purchase order ${purchaseOrderId}: gave up after contended writes`);
  }
}

/** A Lambda error's Cause is its JSON (`{"errorType","errorMessage",...}`): the message, else the text. */
function causeMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the text itself
  }
  return cause;
}

/** The approval decision a PO already carries, if any. */
function decisionOf(po: PoRecord): ApprovalSignal['decision'] | undefined {
  if (po.status === 'REJECTED') return 'REJECTED';
  if (po.status === 'CANCELLED' || po.status === 'FAILED') return 'CANCELLED';
  if (po.approvedAt || !po.needsApproval || !UNSENT.includes(po.status)) return 'APPROVED';
  return undefined;
}

const backoff = (attempt: number) =>
  new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * 2 ** attempt)));

export type { Envelope };
