import { z } from 'zod';
import { defineEvent } from '../../lib/events.ts';
import { skuSchema } from '../catalog/contract.ts';
import { locationIdSchema } from '../stock/contract.ts';

/**
 * The contract with the order platform: the messages it sends to our SQS queue `orders-inbound`
 * and the events it receives from SNS `inventory-events`. docs/integration.md is generated from
 * these schemas.
 */

export const orderIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/, 'order id: 1-80 letters, digits, _ -')
  .meta({ description: 'The platform’s order id; also the saga execution name', example: 'ORD-2026-000123' });

export const orderLineSchema = z
  .object({ sku: skuSchema, quantity: z.number().int().positive().max(10_000) })
  .meta({ id: 'OrderLine' });

// ---------------------------------------------------------------- inbound (platform → us, SQS)

export const orderPlacedSchema = z
  .object({
    type: z.literal('OrderPlaced'),
    version: z.literal(1),
    orderId: orderIdSchema,
    placedAt: z.iso.datetime({ offset: true }),
    lines: z.array(orderLineSchema).min(1).max(40),
    locationId: locationIdSchema.optional(),
  })
  .meta({ id: 'OrderPlaced', description: 'A customer placed an order: reserve its stock' });

export const orderFulfilledSchema = z
  .object({
    type: z.literal('OrderFulfilled'),
    version: z.literal(1),
    orderId: orderIdSchema,
    fulfilledAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'OrderFulfilled', description: 'The order shipped: the reserved stock leaves onHand' });

export const orderCancelledSchema = z
  .object({
    type: z.literal('OrderCancelled'),
    version: z.literal(1),
    orderId: orderIdSchema,
    reason: z.string().max(500).optional(),
  })
  .meta({ id: 'OrderCancelled', description: 'The order was cancelled: its reservation is released' });

export const inboundOrderMessageSchema = z.discriminatedUnion('type', [
  orderPlacedSchema,
  orderFulfilledSchema,
  orderCancelledSchema,
]);
export type InboundOrderMessage = z.infer<typeof inboundOrderMessageSchema>;
export type OrderPlaced = z.infer<typeof orderPlacedSchema>;

// ---------------------------------------------------------------- outbound (us → platform, SNS)

const orderRef = { orderId: orderIdSchema };

export const OrderReserved = defineEvent(
  'OrderReserved',
  1,
  z.object({ ...orderRef, lines: z.array(orderLineSchema), expiresAt: z.iso.datetime() }),
);

export const OrderRejected = defineEvent(
  'OrderRejected',
  1,
  z.object({
    ...orderRef,
    shortfalls: z.array(
      z.object({
        sku: skuSchema,
        requested: z.number().int(),
        available: z.number().int(),
        reason: z.enum(['insufficient_stock', 'unknown_sku']),
      }),
    ),
  }),
);

export const OrderCompleted = defineEvent(
  'OrderCompleted',
  1,
  z.object({ ...orderRef, lines: z.array(orderLineSchema), fulfilledAt: z.iso.datetime({ offset: true }) }),
);

export const OrderReleased = defineEvent(
  'OrderReleased',
  1,
  z.object({
    ...orderRef,
    reason: z.enum(['cancelled', 'expired', 'failed', 'shortfall']).meta({
      description:
        'cancelled: the platform cancelled it; expired: not fulfilled within the hold; failed: a step failed; ' +
        'shortfall: the fulfilment could not be committed because a stock count found fewer units than were reserved',
    }),
    detail: z.string().optional(),
    /** With `shortfall`: the lines that were short, with what was on hand at the commit. */
    shortfalls: z
      .array(
        z.object({
          sku: skuSchema,
          requested: z.number().int(),
          available: z.number().int(),
          reason: z.literal('stock_shortfall'),
        }),
      )
      .optional(),
  }),
);

export const orderEvents = [OrderReserved, OrderRejected, OrderCompleted, OrderReleased] as const;

// ---------------------------------------------------------------- API views

export const orderStatusSchema = z.enum([
  'PENDING',
  'RESERVED',
  'FULFILLED',
  'REJECTED',
  'CANCELLED',
  'EXPIRED',
]);
export type OrderStatus = z.infer<typeof orderStatusSchema>;
export const FINAL_STATUSES: readonly OrderStatus[] = ['FULFILLED', 'REJECTED', 'CANCELLED', 'EXPIRED'];

export const orderHistoryEntrySchema = z
  .object({ status: orderStatusSchema, at: z.iso.datetime() })
  .meta({ id: 'OrderHistoryEntry' });

export const orderShortfallSchema = z
  .object({
    sku: skuSchema,
    requested: z.number().int(),
    available: z.number().int(),
    reason: z.enum(['insufficient_stock', 'unknown_sku', 'stock_shortfall']),
  })
  .meta({
    id: 'OrderShortfall',
    description:
      'Why a line could not be reserved (insufficient_stock, unknown_sku) or, after a stock count, committed (stock_shortfall)',
  });

export const sagaStepSchema = z
  .object({
    step: z.string().meta({ description: 'The state of the order saga, e.g. Reserve, AwaitOutcome' }),
    status: z.enum(['succeeded', 'failed', 'running']),
    startedAt: z.iso.datetime(),
    endedAt: z.iso.datetime().optional(),
    error: z.string().optional().meta({ description: 'The error of the last failed attempt' }),
    attempts: z.number().int().positive().meta({ description: 'Attempts made (retries included)' }),
  })
  .meta({ id: 'OrderSagaStep' });

export const orderSummarySchema = z
  .object({
    orderId: orderIdSchema,
    status: orderStatusSchema,
    lines: z.array(orderLineSchema),
    locationId: locationIdSchema.optional(),
    placedAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'OrderSummary' });

export const orderDetailSchema = orderSummarySchema
  .extend({
    history: z.array(orderHistoryEntrySchema),
    shortfalls: z.array(orderShortfallSchema).optional(),
    releaseReason: z.enum(['cancelled', 'expired', 'failed', 'shortfall']).optional(),
    executionArn: z.string().optional(),
    timeline: z.array(sagaStepSchema),
  })
  .meta({ id: 'OrderDetail' });

export const orderPageSchema = z
  .object({ items: z.array(orderSummarySchema), nextCursor: z.string().nullable() })
  .meta({ id: 'OrderPage' });

export const listOrdersQuerySchema = z
  .object({
    status: orderStatusSchema.optional(),
    cursor: z.string().max(2048).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
  })
  .meta({ id: 'OrdersQuery' });
export type ListOrdersQuery = z.infer<typeof listOrdersQuerySchema>;
