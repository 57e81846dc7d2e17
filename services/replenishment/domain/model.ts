import { z } from 'zod';
import type { Envelope } from '../../../lib/events.ts';
import { skuSchema } from '../../catalog/contract.ts';
import { locationIdSchema } from '../../stock/contract.ts';
import {
  type PurchaseOrder,
  type PurchaseOrderStatus,
  purchaseOrderIdSchema,
  type ReorderRule,
  type Supplier,
  type SupplierItem,
  type SupplierPerformance,
} from '../contract.ts';

/**
 * The replenishment service's internal model, and the seams between its two halves:
 * - suppliers, their items, secrets, reorder rules and the planner that decides when and how
 *   much to order (`Suppliers`, `ReorderPlanner`);
 * - purchase orders, their saga tasks, the webhooks to and from suppliers, receipts
 *   (`PurchaseOrders`).
 * The planner asks purchase orders through {@link PurchaseOrdering}; purchase orders ask
 * suppliers through {@link SupplierDirectory} and {@link WebhookSecrets}.
 */

// ---------------------------------------------------------------- suppliers side

/** A supplier as stored (the signing secret is never part of it: see WebhookSecrets). */
export type StoredSupplier = Omit<Supplier, 'performance'> & { rev: number };
export type StoredSupplierItem = Omit<SupplierItem, 'performance'> & { rev: number };
export type StoredRule = Omit<ReorderRule, 'position'> & { rev: number };

export interface SupplierDirectory {
  getSupplier(supplierId: string): Promise<StoredSupplier | undefined>;
  getItem(supplierId: string, sku: string): Promise<StoredSupplierItem | undefined>;
  /** A 410 Gone from the webhook: stop sending until someone sets the webhook URL again. */
  disableWebhook(supplierId: string, reason: string): Promise<void>;
}

/**
 * Standard Webhooks secrets (`whsec_…`), one per supplier. Secrets Manager in AWS; the same SDK
 * calls against the local Secrets Manager endpoint, persisted under `.data/`, locally.
 */
export interface WebhookSecrets {
  /** A new supplier's secret: generated, stored, returned (the only time it is readable). */
  create(supplierId: string): Promise<string>;
  /**
   * A new secret; the previous one keeps verifying until `previousValidUntil` (24 h). With a
   * `rotationId`, idempotent: the same id again (a retry) answers the rotation it already made.
   */
  rotate(
    supplierId: string,
    options?: { rotationId?: string },
  ): Promise<{ secret: string; previousValidUntil: string }>;
  /** The secret outgoing webhooks are signed with. */
  signing(supplierId: string): Promise<string>;
  /**
   * The secrets an incoming callback may be signed with: current, and the previous within its
   * grace; none for a supplier without a secret. Reads may be cached briefly per process: `fresh`
   * reads the store (once a signature fails to verify, so a rotation elsewhere takes effect at once).
   */
  verifying(supplierId: string, options?: { fresh?: boolean }): Promise<string[]>;
}

// ---------------------------------------------------------------- purchase orders side

/** What the planner decided to order for one SKU × location (see domain/quantity.ts). */
export interface OrderPlan {
  sku: string;
  locationId: string;
  supplierId: string;
  supplierSku: string;
  quantity: number;
  unitCost: { amount: number; currency: string };
  leadTimeDays: number;
  /** From the rule: a total at or above it waits for a manager. */
  approvalThreshold?: { amount: number; currency: string };
  /** From the rule, when the plan's supplier is the preferred one: used if sending fails or it rejects. */
  fallbackSupplierId?: string;
}

/** Open purchase-order quantity (ordered - received) of a SKU × location, split at a horizon. */
export interface OpenQuantity {
  /** Expected by the horizon (now + lead time): counts as cover. */
  within: number;
  /** Expected after it: shown, never counted (OCA stock-logistics-warehouse #582). */
  later: number;
  /** The open POs, for display. */
  purchaseOrderIds: string[];
}

export interface PurchaseOrdering {
  openQuantity(sku: string, locationId: string, horizon: Date): Promise<OpenQuantity>;
  /**
   * Creates the PO (DRAFT) with the open-PO lock of its SKU × location × supplier in one
   * transaction, and starts its saga. A lock already held (a duplicate or concurrent trigger,
   * or a PO still open) changes nothing: `created: false` with the open PO's id.
   */
  raise(
    plan: OrderPlan,
    ctx: { actor: string; correlationId: string },
  ): Promise<{
    created: boolean;
    purchaseOrderId: string;
  }>;
  /**
   * Starts the saga of every PO whose raiser wrote it and died before starting it (a DRAFT with no
   * saga a while after its creation); the scheduled sweep calls it.
   */
  startStalled(): Promise<{ started: number; failed: number }>;
  /** Observed lead time and on-time rate of a supplier's receipts, overall and per SKU. */
  performance(
    supplierId: string,
  ): Promise<{ overall: SupplierPerformanceFigures; bySku: Map<string, SupplierPerformanceFigures> }>;
}

/** SupplierPerformance without the promise (the caller knows the promised lead time). */
export type SupplierPerformanceFigures = Omit<SupplierPerformance, 'promisedLeadTimeDays'>;

/** A PO as stored: the view plus what the saga and the signals need. */
export interface StoredPurchaseOrder extends PurchaseOrder {
  /** From the rule (or absent): where a failed or rejected PO goes next. */
  fallbackSupplierId?: string;
  approvalThreshold?: { amount: number; currency: string };
  approvedAt?: string;
  /** The saga's execution (the original PO's, for a fallback PO). */
  executionArn?: string;
  sagaStartedAt?: string;
  /** Task token of AwaitApproval while it waits. */
  approvalToken?: string;
  /** Task token of AwaitSupplier while it waits. */
  supplierToken?: string;
  /** Signals for the saga, in order; `handledSeq` is the last one it finished. */
  signals: SupplierSignal[];
  handledSeq: number;
  /** Reminders sent for a missing acknowledgement, escalations raised. */
  reminders: number;
  escalations: string[];
  rev: number;
  outbox: Envelope[];
}

export const isFinalPurchaseOrder = (status: PurchaseOrderStatus): boolean =>
  ['RECEIVED', 'REJECTED', 'CANCELLED', 'FAILED'].includes(status);

// ---------------------------------------------------------------- saga task I/O (Step Functions ↔ Lambda)

/**
 * The replenishment saga's tasks (workflows/replenishment-saga.ts), all in the replenishment
 * `saga-tasks` function, dispatched on `action`. Every one is idempotent: the saga retries them
 * on any error and re-drives them after a restart.
 */
const poRef = { purchaseOrderId: purchaseOrderIdSchema };
const stockLine = z.object({ sku: skuSchema, locationId: locationIdSchema, quantity: z.number().int() });
const waitSchema = z.object({
  /** Seconds the next callback step waits (TimeoutSecondsPath): at least 1. */
  seconds: z.number().int().positive(),
  /** True: the PO is final, the saga ends. */
  final: z.boolean(),
});
export type SagaWait = z.infer<typeof waitSchema>;

export const sagaTaskInputSchema = z.discriminatedUnion('action', [
  /** Reads the PO and says where the saga stands (also after a re-drive). */
  z.object({ action: z.literal('begin'), ...poRef }),
  /** Parks the approval token (status AWAITING_APPROVAL), or resumes at once if already decided. */
  z.object({ action: z.literal('await-approval'), ...poRef, taskToken: z.string().min(1) }),
  /** Publishes PurchaseOrderEscalated (notify ops and managers); idempotent per kind. */
  z.object({
    action: z.literal('escalate'),
    ...poRef,
    kind: z.enum(['approval_overdue', 'acknowledgement_overdue', 'delivery_overdue']),
  }),
  /** Cancels the PO for the saga (e.g. nobody approved it in time). */
  z.object({ action: z.literal('cancel'), ...poRef, reason: z.string().min(1).max(200) }),
  /** POSTs the PO to the supplier's webhook (Standard Webhooks). `reminder`: the same message again. */
  z.object({ action: z.literal('send'), ...poRef, reminder: z.boolean().optional() }),
  /** Records SENT (after the webhook was accepted and incoming was expected). */
  z.object({ action: z.literal('mark-sent'), ...poRef }),
  /** Parks the supplier token, or resumes at once with the first unhandled signal. */
  z.object({ action: z.literal('await-supplier'), ...poRef, taskToken: z.string().min(1) }),
  /** The wait ran out: reminder, escalation, or wait again. */
  z.object({ action: z.literal('overdue'), ...poRef }),
  /**
   * The PO was cancelled after the supplier had it: POSTs `purchase_order.cancelled` to its webhook
   * (Standard Webhooks, webhook-id `msg_<PO>_cancelled`); a no-op once delivered.
   */
  z.object({ action: z.literal('send-cancellation'), ...poRef }),
  /** The supplier could not be told of the cancellation (retries spent, or refused): a note on the PO. */
  z.object({
    action: z.literal('cancellation-undelivered'),
    ...poRef,
    error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
  }),
  /** The saga finished with a signal (its stock effects are in the ledger). */
  z.object({ action: z.literal('handled'), ...poRef, seq: z.number().int().positive() }),
  /**
   * Sending failed or the supplier rejected: marks this PO (FAILED, or REJECTED as it stands) and
   * creates the PO for the fallback supplier if there is one; otherwise alerts ops.
   */
  z.object({
    action: z.literal('fallback'),
    ...poRef,
    reason: z.enum(['send_failed', 'supplier_rejected']),
    error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
  }),
]);
export type SagaTaskInput = z.infer<typeof sagaTaskInputSchema>;

export const beginOutputSchema = z.object({
  purchaseOrderId: purchaseOrderIdSchema,
  status: z.string(),
  needsApproval: z.boolean(),
  /**
   * The PO has signals the saga has not finished (a restart came between a cancel, a rejection or
   * a receipt and its stock step). A final PO with some goes on to AwaitSupplier, which resumes
   * at once with the first, instead of ending.
   */
  pendingSignals: z.boolean(),
  /** Ordered quantities, for the stock `expect` step (incoming += quantity, idempotent per line). */
  expectLines: z.array(stockLine).min(1),
  waits: z.object({
    approvalSeconds: z.number().int().positive(),
    approvalEscalatedSeconds: z.number().int().positive(),
  }),
});
export type BeginOutput = z.infer<typeof beginOutputSchema>;

export const approvalSignalSchema = z.object({ decision: z.enum(['APPROVED', 'REJECTED', 'CANCELLED']) });
export type ApprovalSignal = z.infer<typeof approvalSignalSchema>;

/** `SENT`: the supplier accepted the webhook (2xx); `SKIPPED`: the PO was cancelled meanwhile. */
export const sendOutputSchema = z.object({
  outcome: z.enum(['SENT', 'SKIPPED']),
  attempt: z.number().int().optional(),
});

/**
 * What AwaitSupplier resumes with. `unexpect`: lines (negative quantities) of what will no longer
 * come, for the stock `expect` compensation (present with rejected, cancelled, and a receipt that
 * closes the PO short); `receipt`: the lines to book (with a receipt).
 */
export const supplierSignalSchema = z.object({
  seq: z.number().int().positive(),
  kind: z.enum(['acknowledged', 'shipped', 'rejected', 'receipt', 'cancelled']),
  at: z.iso.datetime(),
  receiptId: z.string().optional(),
  receipt: z.array(stockLine).optional(),
  unexpect: z.array(stockLine).optional(),
});
export type SupplierSignal = z.infer<typeof supplierSignalSchema>;

export const fallbackOutputSchema = z.object({
  /** The fallback PO to continue with, or absent: this PO is the end of the line. */
  next: purchaseOrderIdSchema.optional(),
  /** How this PO ended. */
  status: z.enum(['FAILED', 'REJECTED', 'CANCELLED']),
});
export type FallbackOutput = z.infer<typeof fallbackOutputSchema>;

/** The saga's execution input. */
export const sagaInputSchema = z.object(poRef);
export type SagaInput = z.infer<typeof sagaInputSchema>;

/** Waits of the saga, in seconds, read from the environment at each step (tests shorten them). */
export interface SagaTimings {
  /** AwaitApproval, before escalating (REPLENISHMENT_APPROVAL_WAIT_SECONDS, default 24 h). */
  approvalSeconds: number;
  /** After the escalation, before cancelling (REPLENISHMENT_APPROVAL_ESCALATED_WAIT_SECONDS, default 48 h). */
  approvalEscalatedSeconds: number;
  /** SENT with no acknowledgement: the reminder, then the escalation (REPLENISHMENT_ACK_WAIT_SECONDS, 24 h). */
  ackSeconds: number;
  /** Past expectedBy by this much: delivery overdue (REPLENISHMENT_DELIVERY_GRACE_SECONDS, 24 h). */
  deliveryGraceSeconds: number;
  /** After an escalation, how long until the next look (REPLENISHMENT_REESCALATE_SECONDS, 7 days). */
  reescalateSeconds: number;
}

export type { ReorderRule, StoredPurchaseOrder as PurchaseOrderRecord, SupplierItem };
