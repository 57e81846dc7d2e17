import { z } from 'zod';
import type { Envelope } from '../../../lib/events.ts';
import { reservationLineSchema } from '../../stock/contract.ts';
import { FINAL_STATUSES, type OrderStatus, orderIdSchema, orderShortfallSchema } from '../contract.ts';

/**
 * An order as the orders service stores it. A *placeholder* (`placed: false`) is what we keep
 * when an OrderFulfilled/OrderCancelled arrives before its OrderPlaced: only the outcome, so that
 * the placement, when it comes, finds it ("a cancel before its placement wins").
 */
export type Outcome = 'FULFILLED' | 'CANCELLED';
export type ReleaseReason = 'cancelled' | 'expired' | 'failed' | 'shortfall';

export interface PendingOutcome {
  outcome: Outcome;
  /** When the platform says it happened (fulfilledAt) or when we heard it (cancel). */
  at: string;
  reason?: string;
}

export interface OrderLine {
  sku: string;
  quantity: number;
}

export interface Order {
  orderId: string;
  placed: boolean;
  status?: OrderStatus;
  lines: OrderLine[];
  locationId?: string;
  /** UTC ISO 8601 (normalised from the message). */
  placedAt?: string;
  updatedAt: string;
  history: { status: OrderStatus; at: string }[];
  shortfalls?: z.infer<typeof orderShortfallSchema>[];
  releaseReason?: ReleaseReason;
  /** How long the saga waits for the platform's signal, fixed at placement. */
  holdSeconds?: number;
  executionArn?: string;
  /** The task token of the saga's AwaitOutcome step while it waits. */
  taskToken?: string;
  pendingOutcome?: PendingOutcome;
  /** Optimistic-lock revision: every write is conditioned on the one read. */
  rev: number;
  /** The latest event, published by the table stream (transactional outbox). */
  outbox: Envelope[];
}

export const isFinal = (status: OrderStatus | undefined): boolean =>
  status !== undefined && FINAL_STATUSES.includes(status);

// ---------------------------------------------------------------- saga task I/O (Step Functions ↔ Lambda)

/** The order saga's execution input (built by the inbound handler from the stored order). */
export const sagaInputSchema = z.object({
  orderId: orderIdSchema,
  lines: z.array(reservationLineSchema).min(1),
  /** How long AwaitOutcome waits for the platform (TimeoutSecondsPath). */
  holdSeconds: z.number().int().positive(),
  /** How long stock holds the reservation: a little longer, so the saga (not the sweeper) releases it. */
  stockHoldSeconds: z.number().int().positive(),
});
export type SagaInput = z.infer<typeof sagaInputSchema>;

/** What AwaitOutcome resumes with (SendTaskSuccess output). */
export const outcomeSignalSchema = z.object({
  outcome: z.enum(['FULFILLED', 'CANCELLED']),
  at: z.string(),
  reason: z.string().optional(),
});
export type OutcomeSignal = z.infer<typeof outcomeSignalSchema>;

export const awaitOutcomeInputSchema = z.object({ orderId: orderIdSchema, taskToken: z.string().min(1) });

const caughtErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() });

export const markStatusInputSchema = z.discriminatedUnion('transition', [
  z.object({ orderId: orderIdSchema, transition: z.literal('RESERVED') }),
  z.object({
    orderId: orderIdSchema,
    transition: z.literal('REJECTED'),
    shortfalls: z.array(
      orderShortfallSchema.extend({
        locationId: z.string().optional(),
        reason: z.enum(['insufficient_stock', 'unknown_sku']),
      }),
    ),
  }),
  // The fulfilment time is the one the platform reported, recorded on the order.
  z.object({ orderId: orderIdSchema, transition: z.literal('FULFILLED') }),
  z.object({
    orderId: orderIdSchema,
    transition: z.literal('RELEASED'),
    release: z.object({
      /** `lapsed`: the saga found the reservation already given up; the order's record tells why. */
      reason: z.enum(['cancelled', 'expired', 'failed', 'shortfall', 'lapsed']),
      error: caughtErrorSchema.optional(),
      shortfalls: z.array(orderShortfallSchema.extend({ locationId: z.string().optional() })).optional(),
    }),
  }),
]);
export type MarkStatusInput = z.infer<typeof markStatusInputSchema>;
