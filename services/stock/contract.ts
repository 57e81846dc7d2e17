import { z } from 'zod';
import { defineEvent } from '../../lib/events.ts';
import { skuSchema } from '../catalog/contract.ts';

/**
 * The stock service's public contract: its events, and the shapes of the operations the
 * order and replenishment sagas call. Other services import this file only.
 */

export const DEFAULT_LOCATION = 'main';
export const locationIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'location id: 1-32 lower-case letters, digits, -')
  .meta({ example: 'main' });

export const quantitiesSchema = z
  .object({
    onHand: z.number().int(),
    reserved: z.number().int(),
    incoming: z.number().int(),
    safetyStock: z.number().int(),
    available: z.number().int().meta({ description: 'onHand - reserved - safetyStock' }),
  })
  .meta({ id: 'Quantities' });
export type Quantities = z.infer<typeof quantitiesSchema>;

export const movementKindSchema = z.enum([
  'reserve',
  'release',
  'commit',
  'adjust',
  'count',
  'receive',
  'transfer_out',
  'transfer_in',
  'expect',
  'settings',
]);
export type MovementKind = z.infer<typeof movementKindSchema>;

export const StockLevelChanged = defineEvent(
  'StockLevelChanged',
  1,
  z.object({
    sku: skuSchema,
    locationId: locationIdSchema,
    movementId: z.string(),
    kind: movementKindSchema,
    /** The level's version after the change: consumers ignore older ones. */
    levelVersion: z.number().int().positive(),
    quantities: quantitiesSchema,
    /**
     * The level's reorder point after the change (the product's, or the location's own): with
     * `quantities.available` it tells whether the level is low. Absent on events from before it
     * was added.
     */
    reorderPoint: z.number().int().nonnegative().optional(),
    /**
     * What the movement changed at this level (after − before), its reason (adjustments), its
     * reference (receipts, transfers, orders) and who made it: the ledger line, for read models
     * (reporting). Absent on events from before they were added.
     */
    deltas: z
      .object({ onHand: z.number().int(), reserved: z.number().int(), incoming: z.number().int() })
      .optional(),
    reason: z.string().optional(),
    reference: z.string().optional(),
    actor: z.string().optional(),
  }),
);

export const StockLow = defineEvent(
  'StockLow',
  1,
  z.object({
    sku: skuSchema,
    locationId: locationIdSchema,
    available: z.number().int(),
    incoming: z.number().int(),
    reorderPoint: z.number().int(),
  }),
);

export const OutOfStock = defineEvent(
  'OutOfStock',
  1,
  z.object({ sku: skuSchema, locationId: locationIdSchema }),
);

export const reservationLineSchema = z.object({
  sku: skuSchema,
  quantity: z.number().int().positive(),
  locationId: locationIdSchema.optional(),
});
export type ReservationLine = z.infer<typeof reservationLineSchema>;

export const ReservationExpired = defineEvent(
  'ReservationExpired',
  1,
  z.object({ reservationId: z.string(), lines: z.array(reservationLineSchema) }),
);

/**
 * A physical count found less on hand than is reserved (for a product that does not allow
 * backorders): the counted reality is recorded, and some held reservations cannot all be
 * committed. `reservations` are the held ones at this SKU and location, oldest first, any of
 * which may meet the shortfall at commit (at most 500 listed, to keep the event well within
 * SNS's 256 KB and the movement item within DynamoDB's 400 KB; `unlisted` counts the rest);
 * `unaccounted` is reserved quantity the ledger could not attribute to a held reservation (0
 * unless something is wrong: check the ledger).
 */
export const StockShortfall = defineEvent(
  'StockShortfall',
  1,
  z.object({
    sku: skuSchema,
    locationId: locationIdSchema,
    /** The count movement that found the shortfall. */
    movementId: z.string(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    /** reserved - onHand */
    shortfall: z.number().int().positive(),
    reservations: z
      .array(z.object({ reservationId: z.string(), quantity: z.number().int().positive() }))
      .max(500),
    /** Held reservations beyond the 500 listed. */
    unlisted: z.number().int().nonnegative(),
    unaccounted: z.number().int().nonnegative(),
  }),
);

/**
 * The scheduled drift check found levels that do not equal their ledger replayed (an operator
 * repairs them with `npx azura ledger repair --sku`). Published once per check run that finds
 * drift; `runId` names the run, so a retried run publishes the same event id.
 */
export const LedgerDriftDetected = defineEvent(
  'LedgerDriftDetected',
  1,
  z.object({
    runId: z.string(),
    skus: z.array(skuSchema).max(500),
    /** Drifted SKUs beyond the 500 listed. */
    unlisted: z.number().int().nonnegative(),
    checkedAt: z.iso.datetime(),
  }),
);

export const stockEvents = [
  StockLevelChanged,
  StockLow,
  OutOfStock,
  ReservationExpired,
  StockShortfall,
  LedgerDriftDetected,
] as const;

/** Per-line shortfall when a reservation cannot be met. */
export const shortfallSchema = z
  .object({
    sku: skuSchema,
    locationId: locationIdSchema,
    requested: z.number().int(),
    available: z.number().int(),
    /**
     * `insufficient_stock`: not enough available to reserve; `unknown_sku`: not a product stock
     * sells; `stock_shortfall`: a held reservation's commit found less on hand than it holds.
     */
    reason: z.enum(['insufficient_stock', 'unknown_sku', 'stock_shortfall']),
  })
  .meta({ id: 'Shortfall' });
export type Shortfall = z.infer<typeof shortfallSchema>;

// ---------------------------------------------------------------- HTTP API bodies and views

export const adjustmentReasonSchema = z.enum([
  'correction',
  'damaged',
  'lost',
  'found',
  'cycle_count',
  'returned',
]);
export type AdjustmentReason = z.infer<typeof adjustmentReasonSchema>;

const quantity = z.number().int().positive().max(1_000_000_000);

export const adjustmentBodySchema = z
  .object({
    locationId: locationIdSchema.optional(),
    delta: z
      .number()
      .int()
      .min(-1_000_000_000)
      .max(1_000_000_000)
      .refine((d) => d !== 0, 'must not be zero'),
    reason: adjustmentReasonSchema,
    note: z.string().max(500).optional(),
  })
  .meta({ id: 'StockAdjustment', description: 'Adds delta to onHand (negative removes), for a reason' });

export const countBodySchema = z
  .object({
    locationId: locationIdSchema.optional(),
    countedQuantity: z.number().int().nonnegative().max(1_000_000_000),
    note: z.string().max(500).optional(),
  })
  .meta({ id: 'StockCount', description: 'A physical count: onHand becomes countedQuantity' });

export const receiptBodySchema = z
  .object({
    locationId: locationIdSchema.optional(),
    quantity,
    reference: z.string().min(1).max(128).optional(),
  })
  .meta({
    id: 'StockReceipt',
    description: 'Goods received: onHand += quantity, incoming -= min(incoming, quantity)',
  });

export const transferBodySchema = z
  .object({
    fromLocationId: locationIdSchema,
    toLocationId: locationIdSchema,
    quantity,
  })
  .refine((b) => b.fromLocationId !== b.toLocationId, {
    message: 'must differ from fromLocationId',
    path: ['toLocationId'],
  })
  .meta({ id: 'StockTransfer' });

export const locationSchema = z
  .object({ id: locationIdSchema, name: z.string().trim().min(1).max(100) })
  .meta({ id: 'Location' });

export const levelViewSchema = z
  .object({
    locationId: locationIdSchema,
    onHand: z.number().int(),
    reserved: z.number().int(),
    incoming: z.number().int(),
    safetyStock: z.number().int(),
    available: z.number().int(),
    shortfall: z.number().int().nonnegative().meta({
      description:
        'reserved - onHand when a count found less on hand than is reserved (0 otherwise, and always 0 for a product that allows backorders): held reservations at risk',
    }),
    reorderPoint: z.number().int().nonnegative().meta({
      description: 'The reorder point in force here: the location’s own, or else the product’s',
    }),
    thresholds: z.enum(['product', 'location']).meta({
      description: 'Whether reorderPoint and safetyStock are the product’s or set for this location',
    }),
    updatedAt: z.string(),
  })
  .meta({ id: 'StockLevel' });

/**
 * Per-location thresholds (`PUT /api/v1/stock/{sku}/locations/{locationId}/thresholds`): each
 * value set overrides the product's at this location; `null` goes back to the product's. The
 * level is re-evaluated at once (a `settings` movement and its StockLevelChanged).
 */
export const locationThresholdsBodySchema = z
  .object({
    reorderPoint: z.number().int().nonnegative().max(1_000_000_000).nullable(),
    safetyStock: z.number().int().nonnegative().max(1_000_000_000).nullable(),
  })
  .meta({ id: 'LocationThresholds' });
export type LocationThresholds = z.infer<typeof locationThresholdsBodySchema>;

export const stockViewSchema = z
  .object({
    sku: skuSchema,
    totals: z.object({
      onHand: z.number().int(),
      reserved: z.number().int(),
      available: z.number().int(),
      incoming: z.number().int(),
      shortfall: z.number().int().nonnegative().meta({ description: "The sum of the locations' shortfalls" }),
    }),
    locations: z.array(levelViewSchema),
  })
  .meta({ id: 'Stock' });

const deltasSchema = z.object({
  onHand: z.number().int(),
  reserved: z.number().int(),
  incoming: z.number().int(),
});

export const movementSchema = z
  .object({
    id: z.string(),
    sku: skuSchema,
    locationId: locationIdSchema,
    kind: movementKindSchema,
    deltas: deltasSchema,
    after: quantitiesSchema,
    reason: z.string().optional(),
    note: z.string().optional(),
    reference: z.string().optional(),
    actor: z.string(),
    at: z.string(),
    idempotencyKey: z.string(),
    correlationId: z.string(),
  })
  .meta({ id: 'Movement', description: 'An immutable ledger entry' });

export const movementResultSchema = z
  .object({ movement: movementSchema, level: levelViewSchema })
  .meta({ id: 'MovementResult' });

export const transferResultSchema = z
  .object({ transferId: z.string(), movements: z.array(movementSchema), levels: z.array(levelViewSchema) })
  .meta({ id: 'TransferResult' });

export const movementPageSchema = z
  .object({ items: z.array(movementSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'MovementPage' });

export const ledgerCheckSchema = z
  .object({
    sku: skuSchema,
    consistent: z.boolean(),
    movements: z.number().int(),
    levels: z.record(
      z.string(),
      deltasSchema.extend({ safetyStock: z.number().int(), available: z.number().int() }),
    ),
    replayed: z.record(z.string(), deltasSchema),
  })
  .meta({
    id: 'LedgerCheck',
    description: 'The ledger replayed per location, compared with the stored levels',
  });

// ---------------------------------------------------------------- saga tasks (Step Functions → Lambda)

/**
 * The order saga's task Lambdas (`services/stock/handlers/saga-tasks.ts`). Plain JSON in and
 * out. Either call the named exports `reserveHandler` / `commitHandler` / `releaseHandler`
 * with the input below, or the single `handler` with the same input plus `action`.
 * Insufficient stock is a RESULT (`status: 'REJECTED'`), so the state machine branches on it.
 * Errors thrown, by Lambda error type: `TransientError` (contention, throttling, any unexpected
 * infrastructure failure: Retry it),
 * `ValidationError` (bad input), `ConflictError` (commit of a released/expired reservation, or a
 * reservation id reused with other lines), `NotFoundError` (commit of an unknown reservation).
 */
export const sagaReserveInputSchema = z
  .object({
    /** The natural idempotency key: reserving the same id again returns the same reservation. */
    reservationId: z.string().min(1).max(128),
    lines: z.array(reservationLineSchema).min(1).max(40),
    /** How long the stock is held before the sweeper releases it; default 900. */
    holdSeconds: z
      .number()
      .int()
      .positive()
      .max(30 * 24 * 3600)
      .optional(),
    correlationId: z.string().min(1).optional(),
  })
  .meta({ id: 'SagaReserveInput' });
export type SagaReserveInput = z.infer<typeof sagaReserveInputSchema>;

/**
 * RESERVED: the stock is held until `expiresAt` (also when the reservation already existed, held).
 * REJECTED: nothing held, per-line shortfalls. COMMITTED / RELEASED / EXPIRED: the reservation
 * already exists and has moved on (a saga re-driven after a crash, or a duplicate start): its
 * real state, so the saga never waits on stock that is no longer held.
 */
export const sagaReserveOutputSchema = z
  .discriminatedUnion('status', [
    z.object({ status: z.literal('RESERVED'), reservationId: z.string(), expiresAt: z.string() }),
    z.object({
      status: z.literal('REJECTED'),
      reservationId: z.string(),
      shortfalls: z.array(shortfallSchema),
    }),
    z.object({ status: z.enum(['COMMITTED', 'RELEASED', 'EXPIRED']), reservationId: z.string() }),
  ])
  .meta({ id: 'SagaReserveOutput' });
export type SagaReserveOutput = z.infer<typeof sagaReserveOutputSchema>;

export const sagaCommitInputSchema = z
  .object({ reservationId: z.string().min(1).max(128), correlationId: z.string().min(1).optional() })
  .meta({ id: 'SagaCommitInput' });
export type SagaCommitInput = z.infer<typeof sagaCommitInputSchema>;

/**
 * COMMITTED: the stock left. SHORTFALL: a count found less on hand than the reservation holds (no
 * backorders), so nothing was committed and the reservation is still held: the saga releases it.
 */
export const sagaCommitOutputSchema = z
  .discriminatedUnion('status', [
    z.object({ status: z.literal('COMMITTED'), reservationId: z.string() }),
    z.object({
      status: z.literal('SHORTFALL'),
      reservationId: z.string(),
      shortfalls: z.array(shortfallSchema),
    }),
  ])
  .meta({ id: 'SagaCommitOutput' });
export type SagaCommitOutput = z.infer<typeof sagaCommitOutputSchema>;

export const sagaReleaseInputSchema = z
  .object({
    reservationId: z.string().min(1).max(128),
    reason: z.string().min(1).max(64).optional(),
    correlationId: z.string().min(1).optional(),
  })
  .meta({ id: 'SagaReleaseInput' });
export type SagaReleaseInput = z.infer<typeof sagaReleaseInputSchema>;

/** The reservation's status after the call; a release is a no-op when already final or unknown. */
export const sagaReleaseOutputSchema = z
  .object({
    status: z.enum(['RELEASED', 'COMMITTED', 'EXPIRED', 'UNKNOWN']),
    reservationId: z.string(),
  })
  .meta({ id: 'SagaReleaseOutput' });
export type SagaReleaseOutput = z.infer<typeof sagaReleaseOutputSchema>;

// ---------------------------------------------------------------- replenishment saga tasks

/**
 * Goods on order (the replenishment saga): `expect` moves incoming by each line's quantity
 * (positive when a purchase order is sent, negative to compensate what will not come), `receive`
 * books a receipt (onHand += quantity, incoming -= what was expected, in one ledger operation per
 * line). Idempotent per line: the ledger keys each line by `reference` (the PO id and phase, or the
 * receipt id) with its SKU and location, so a retried or re-driven step changes nothing twice.
 */
const stockLineSchema = z.object({
  sku: skuSchema,
  locationId: locationIdSchema,
  quantity: z.number().int(),
});

export const sagaExpectInputSchema = z
  .object({
    reference: z.string().regex(/^[\w.:-]{1,100}$/),
    lines: z
      .array(
        stockLineSchema.refine((l) => l.quantity !== 0, { message: 'must not be zero', path: ['quantity'] }),
      )
      .min(1)
      .max(100),
    correlationId: z.string().min(1).optional(),
  })
  .meta({ id: 'SagaExpectInput' });
export type SagaExpectInput = z.infer<typeof sagaExpectInputSchema>;

export const sagaReceiveInputSchema = z
  .object({
    reference: z.string().regex(/^[\w.:-]{1,100}$/),
    lines: z
      .array(
        stockLineSchema.refine((l) => l.quantity > 0, { message: 'must be positive', path: ['quantity'] }),
      )
      .min(1)
      .max(100),
    correlationId: z.string().min(1).optional(),
  })
  .meta({ id: 'SagaReceiveInput' });
export type SagaReceiveInput = z.infer<typeof sagaReceiveInputSchema>;

/** Every line is in the ledger (now, or already by an earlier attempt). */
export const sagaLinesOutputSchema = z
  .object({ status: z.literal('APPLIED'), movements: z.array(z.string()) })
  .meta({ id: 'SagaLinesOutput' });
export type SagaLinesOutput = z.infer<typeof sagaLinesOutputSchema>;

/** Input of the single `handler` entry: one of the above with its `action`. */
export const sagaTaskInputSchema = z.discriminatedUnion('action', [
  sagaReserveInputSchema.extend({ action: z.literal('reserve') }),
  sagaCommitInputSchema.extend({ action: z.literal('commit') }),
  sagaReleaseInputSchema.extend({ action: z.literal('release') }),
  sagaExpectInputSchema.extend({ action: z.literal('expect') }),
  sagaReceiveInputSchema.extend({ action: z.literal('receive') }),
]);
export type SagaTaskInput = z.infer<typeof sagaTaskInputSchema>;
