import { z } from 'zod';
import { defineEvent } from '../../lib/events.ts';
import { moneySchema, skuSchema } from '../catalog/contract.ts';
import { locationIdSchema } from '../stock/contract.ts';

/**
 * The replenishment service's public contract: suppliers, their items, reorder rules and purchase
 * orders (the HTTP API's bodies and views), the webhooks exchanged with suppliers (Standard
 * Webhooks), and the events it publishes. Other services, the dashboard and the supplier
 * integration guide (generated) import this file only.
 */

// ---------------------------------------------------------------- identifiers

export const supplierIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'supplier id: 1-48 lower-case letters, digits, -')
  .meta({ description: 'Chosen at creation; part of the callback URL', example: 'acme-textiles' });

export const purchaseOrderIdSchema = z
  .string()
  .regex(/^PO-[0-9A-Z]{1,40}$/, 'purchase order id: PO- and 1-40 upper-case letters or digits')
  .meta({
    description: 'Also the replenishment saga execution name',
    example: 'PO-01JF3Q8Z6W2M4YB1V0X9K7T5RD',
  });

const quantity = z.number().int().positive().max(1_000_000_000);
const days = z.number().int().min(0).max(365);

// ---------------------------------------------------------------- suppliers

/** Standard Webhooks secret: `whsec_` + base64 of 24-64 random bytes. */
export const webhookSecretSchema = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/=]{32,88}$/)
  .meta({ id: 'WebhookSecret', description: 'Standard Webhooks signing secret (shown once)' });

export const backorderPolicySchema = z.enum(['keep_open', 'close_short']).meta({
  id: 'BackorderPolicy',
  description:
    'What a short delivery leaves: keep_open waits for the rest (PARTIALLY_RECEIVED); close_short closes the PO as RECEIVED and cancels what did not come',
});
export type BackorderPolicy = z.infer<typeof backorderPolicySchema>;

const supplierFields = {
  name: z.string().trim().min(1).max(120),
  email: z.email().max(254),
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'phone: E.164, e.g. +14155550100')
    .optional(),
  webhookUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .meta({
      description:
        'Where purchase orders are POSTed (https in production; http allowed for local simulators)',
    }),
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. USD'),
  leadTimeDays: days.meta({ description: 'Promised days from sending a PO to its delivery' }),
  active: z.boolean(),
  backorderPolicy: backorderPolicySchema,
};

// The defaults belong to the create only: on an update an absent field stays as it is.
export const createSupplierBodySchema = z
  .object({
    id: supplierIdSchema,
    ...supplierFields,
    active: supplierFields.active.default(true),
    backorderPolicy: supplierFields.backorderPolicy.default('keep_open'),
  })
  .meta({ id: 'SupplierCreate' });
export type CreateSupplierBody = z.infer<typeof createSupplierBodySchema>;

export const updateSupplierBodySchema = z
  .object(
    Object.fromEntries(Object.entries(supplierFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof supplierFields]: z.ZodOptional<(typeof supplierFields)[K]>;
    },
  )
  .refine((b) => Object.keys(b).length > 0, 'name at least one field to change')
  .meta({ id: 'SupplierUpdate' });
export type UpdateSupplierBody = z.infer<typeof updateSupplierBodySchema>;

export const supplierPerformanceSchema = z
  .object({
    receipts: z.number().int().nonnegative().meta({ description: 'Receipt lines observed' }),
    observedLeadTimeDays: z
      .number()
      .nonnegative()
      .nullable()
      .meta({ description: 'Mean days from SENT to each receipt; null before the first receipt' }),
    promisedLeadTimeDays: z.number().int().nonnegative(),
    onTimeRate: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .meta({ description: 'Share of receipt lines received by the expected date' }),
  })
  .meta({ id: 'SupplierPerformance' });
export type SupplierPerformance = z.infer<typeof supplierPerformanceSchema>;

export const supplierSchema = z
  .object({
    id: supplierIdSchema,
    ...supplierFields,
    active: z.boolean(),
    backorderPolicy: backorderPolicySchema,
    webhookStatus: z.enum(['enabled', 'disabled']).meta({
      description: 'disabled: the webhook answered 410 Gone; set webhookUrl again to enable it',
    }),
    secretRotatedAt: z.iso.datetime().optional(),
    performance: supplierPerformanceSchema,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Supplier' });
export type Supplier = z.infer<typeof supplierSchema>;

/** The 201 of a create, and the answer of rotate-secret: the only times the secret is readable. */
export const supplierWithSecretSchema = supplierSchema
  .extend({ secret: webhookSecretSchema })
  .meta({ id: 'SupplierWithSecret' });

export const rotatedSecretSchema = z
  .object({
    secret: webhookSecretSchema,
    previousValidUntil: z.iso.datetime().meta({ description: 'The old secret verifies until then (24 h)' }),
  })
  .meta({ id: 'RotatedSecret' });

export const supplierPageSchema = z.object({ items: z.array(supplierSchema) }).meta({ id: 'SupplierList' });

// ---------------------------------------------------------------- supplier items

export const priceBreakSchema = z
  .object({ minQty: quantity, unitCost: moneySchema })
  .meta({ id: 'PriceBreak', description: 'From minQty units on, each costs unitCost' });

export const supplierItemBodySchema = z
  .object({
    supplierSku: z.string().trim().min(1).max(64),
    unitCost: moneySchema,
    minOrderQty: quantity.default(1),
    packMultiple: quantity.default(1).meta({ description: 'Orders are rounded up to whole packs' }),
    leadTimeDays: days.optional().meta({ description: "Overrides the supplier's lead time for this SKU" }),
    priceBreaks: z.array(priceBreakSchema).max(20).optional(),
  })
  .meta({ id: 'SupplierItemBody' });
export type SupplierItemBody = z.infer<typeof supplierItemBodySchema>;

export const supplierItemSchema = supplierItemBodySchema
  .extend({
    supplierId: supplierIdSchema,
    sku: skuSchema,
    minOrderQty: quantity,
    packMultiple: quantity,
    performance: supplierPerformanceSchema,
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'SupplierItem' });
export type SupplierItem = z.infer<typeof supplierItemSchema>;

export const supplierItemPageSchema = z
  .object({ items: z.array(supplierItemSchema) })
  .meta({ id: 'SupplierItemList' });

// ---------------------------------------------------------------- reorder rules

export const reorderRuleBodySchema = z
  .object({
    locationId: locationIdSchema.optional().meta({ description: 'Default `main`' }),
    min: z.number().int().nonnegative().max(1_000_000_000).meta({
      description: 'Order when available + incoming expected within the lead time falls to this or below',
    }),
    max: z.number().int().positive().max(1_000_000_000).meta({ description: 'Order up to this level' }),
    multiple: quantity
      .default(1)
      .meta({ description: 'Order quantities are rounded up to a multiple of it' }),
    preferredSupplierId: supplierIdSchema,
    fallbackSupplierId: supplierIdSchema.optional(),
    approvalThreshold: moneySchema.optional().meta({
      description: 'A PO whose total reaches it waits for a manager to approve it',
    }),
    snoozedUntil: z.iso.datetime().optional().meta({ description: 'No automatic PO before then' }),
  })
  .refine((r) => r.max > r.min, { message: 'must be greater than min', path: ['max'] })
  .refine((r) => r.fallbackSupplierId !== r.preferredSupplierId, {
    message: 'must differ from preferredSupplierId',
    path: ['fallbackSupplierId'],
  })
  .meta({ id: 'ReorderRuleBody' });
export type ReorderRuleBody = z.infer<typeof reorderRuleBodySchema>;

export const reorderRuleSchema = z
  .object({
    sku: skuSchema,
    locationId: locationIdSchema,
    min: z.number().int().nonnegative(),
    max: z.number().int().positive(),
    multiple: quantity,
    preferredSupplierId: supplierIdSchema,
    fallbackSupplierId: supplierIdSchema.optional(),
    approvalThreshold: moneySchema.optional(),
    snoozedUntil: z.iso.datetime().optional(),
    updatedAt: z.iso.datetime(),
    /** What the rule sees now (from the stock service's events); absent before the first one. */
    position: z
      .object({
        available: z.number().int(),
        onOrder: z.number().int().nonnegative().meta({
          description: 'Open purchase-order quantity expected within the lead time (counted as cover)',
        }),
        onOrderLater: z.number().int().nonnegative().meta({
          description: 'Open purchase-order quantity expected after the lead time (not counted)',
        }),
        suggestedQuantity: z.number().int().nonnegative().meta({
          description: 'What a PO raised now would order (0: nothing to order)',
        }),
        asOf: z.iso.datetime(),
      })
      .optional(),
  })
  .meta({ id: 'ReorderRule' });
export type ReorderRule = z.infer<typeof reorderRuleSchema>;

export const reorderRulePageSchema = z
  .object({ items: z.array(reorderRuleSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'ReorderRuleList' });

export const listReorderRulesQuerySchema = z
  .object({
    sku: skuSchema.optional(),
    locationId: locationIdSchema.optional(),
    cursor: z.string().max(2048).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .meta({ id: 'ReorderRulesQuery' });
export type ListReorderRulesQuery = z.infer<typeof listReorderRulesQuerySchema>;

// ---------------------------------------------------------------- purchase orders

export const purchaseOrderStatusSchema = z
  .enum([
    'DRAFT',
    'AWAITING_APPROVAL',
    'SENT',
    'ACKNOWLEDGED',
    'PARTIALLY_RECEIVED',
    'RECEIVED',
    'REJECTED',
    'CANCELLED',
    'FAILED',
  ])
  .meta({ id: 'PurchaseOrderStatus' });
export type PurchaseOrderStatus = z.infer<typeof purchaseOrderStatusSchema>;
export const FINAL_PO_STATUSES: readonly PurchaseOrderStatus[] = [
  'RECEIVED',
  'REJECTED',
  'CANCELLED',
  'FAILED',
];
/** Statuses in which goods are on their way: receipts are accepted, incoming counts them. */
export const INBOUND_PO_STATUSES: readonly PurchaseOrderStatus[] = [
  'SENT',
  'ACKNOWLEDGED',
  'PARTIALLY_RECEIVED',
];

export const purchaseOrderLineSchema = z
  .object({
    sku: skuSchema,
    supplierSku: z.string(),
    quantity,
    received: z.number().int().nonnegative(),
    unitCost: moneySchema,
  })
  .meta({ id: 'PurchaseOrderLine' });
export type PurchaseOrderLine = z.infer<typeof purchaseOrderLineSchema>;

export const purchaseOrderHistoryEntrySchema = z
  .object({
    status: purchaseOrderStatusSchema,
    at: z.iso.datetime(),
    by: z.string().meta({ description: 'A user, `supplier:<id>`, or `system`' }),
    note: z.string().optional(),
  })
  .meta({ id: 'PurchaseOrderHistoryEntry' });

export const receiptSchema = z
  .object({
    receiptId: z.string(),
    at: z.iso.datetime(),
    by: z.string(),
    locationId: locationIdSchema,
    lines: z.array(z.object({ sku: skuSchema, quantity })),
    /** True once the stock ledger has it (onHand up, incoming down): the saga applies it. */
    applied: z.boolean(),
  })
  .meta({ id: 'PurchaseOrderReceipt' });
export type Receipt = z.infer<typeof receiptSchema>;

export const purchaseOrderOriginSchema = z.enum(['rule', 'manual', 'fallback']).meta({
  description:
    'rule: raised by a reorder rule; manual: created by a manager; fallback: replaces a PO the preferred supplier rejected or could not receive',
});

export const purchaseOrderSchema = z
  .object({
    id: purchaseOrderIdSchema,
    supplierId: supplierIdSchema,
    locationId: locationIdSchema,
    lines: z.array(purchaseOrderLineSchema).min(1),
    total: moneySchema,
    status: purchaseOrderStatusSchema,
    origin: purchaseOrderOriginSchema,
    expectedBy: z.iso.datetime(),
    supplierReference: z.string().optional(),
    needsApproval: z.boolean(),
    approvedBy: z.string().optional(),
    reason: z.string().optional().meta({ description: 'Why it was rejected, cancelled or failed' }),
    replaces: purchaseOrderIdSchema.optional(),
    replacedBy: purchaseOrderIdSchema.optional(),
    history: z.array(purchaseOrderHistoryEntrySchema),
    receipts: z.array(receiptSchema),
    sentAt: z.iso.datetime().optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'PurchaseOrder' });
export type PurchaseOrder = z.infer<typeof purchaseOrderSchema>;

export const sagaStepSchema = z
  .object({
    step: z.string(),
    status: z.enum(['succeeded', 'failed', 'running']),
    startedAt: z.iso.datetime(),
    endedAt: z.iso.datetime().optional(),
    error: z.string().optional(),
    attempts: z.number().int().positive(),
  })
  .meta({ id: 'PurchaseOrderSagaStep' });

export const purchaseOrderDetailSchema = purchaseOrderSchema
  .extend({ timeline: z.array(sagaStepSchema) })
  .meta({ id: 'PurchaseOrderDetail' });

export const purchaseOrderPageSchema = z
  .object({ items: z.array(purchaseOrderSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'PurchaseOrderPage' });

export const listPurchaseOrdersQuerySchema = z
  .object({
    status: purchaseOrderStatusSchema.optional(),
    supplierId: supplierIdSchema.optional(),
    sku: skuSchema.optional(),
    cursor: z.string().max(2048).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
  })
  .meta({ id: 'PurchaseOrdersQuery' });
export type ListPurchaseOrdersQuery = z.infer<typeof listPurchaseOrdersQuerySchema>;

export const createPurchaseOrderBodySchema = z
  .object({
    supplierId: supplierIdSchema,
    locationId: locationIdSchema.optional(),
    lines: z
      .array(z.object({ sku: skuSchema, quantity }))
      .min(1)
      .max(100)
      .refine((lines) => new Set(lines.map((l) => l.sku)).size === lines.length, 'each SKU once'),
    expectedBy: z.iso.datetime().optional().meta({ description: "Default: now + the supplier's lead time" }),
  })
  .meta({
    id: 'PurchaseOrderCreate',
    description: 'Unit costs (and price breaks) come from the supplier items; every SKU needs one',
  });
export type CreatePurchaseOrderBody = z.infer<typeof createPurchaseOrderBodySchema>;

export const decisionBodySchema = z
  .object({ note: z.string().trim().max(500).optional() })
  .meta({ id: 'PurchaseOrderDecision' });

export const receiptBodySchema = z
  .object({
    lines: z
      .array(z.object({ sku: skuSchema, quantity }))
      .min(1)
      .max(100)
      .refine((lines) => new Set(lines.map((l) => l.sku)).size === lines.length, 'each SKU once'),
    locationId: locationIdSchema.optional().meta({ description: "Default: the PO's location" }),
    confirmOverReceipt: z.boolean().default(false).meta({
      description: 'Receive more than ordered (otherwise a 422 names the lines over)',
    }),
    closeShort: z.boolean().optional().meta({
      description:
        "Overrides the supplier's backorder policy for this receipt: true closes the PO, false keeps it open",
    }),
  })
  .meta({ id: 'PurchaseOrderReceiptBody' });
export type ReceiptBody = z.infer<typeof receiptBodySchema>;

// ---------------------------------------------------------------- webhooks (Standard Webhooks)

/** Headers of every webhook, both ways (https://www.standardwebhooks.com). */
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;
/** A callback whose timestamp is further off than this is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
/** After a rotation the previous secret keeps verifying callbacks this long. */
export const SECRET_GRACE_SECONDS = 24 * 3600;

/** We → supplier: POST to its webhookUrl. */
export const purchaseOrderWebhookSchema = z
  .object({
    type: z.literal('purchase_order.created'),
    version: z.literal(1),
    data: z.object({
      purchaseOrderId: purchaseOrderIdSchema,
      supplierId: supplierIdSchema,
      lines: z.array(z.object({ sku: skuSchema, supplierSku: z.string(), quantity, unitCost: moneySchema })),
      total: moneySchema,
      currency: z.string().regex(/^[A-Z]{3}$/),
      deliverTo: z.object({ locationId: locationIdSchema }),
      expectedBy: z.iso.datetime(),
      callbackUrl: z.url(),
    }),
  })
  .meta({ id: 'PurchaseOrderWebhook', description: 'A purchase order sent to a supplier' });
export type PurchaseOrderWebhook = z.infer<typeof purchaseOrderWebhookSchema>;

/** We → supplier: a PO the supplier had received was cancelled; stop working on it. Same webhookUrl, same signing. */
export const purchaseOrderCancelledWebhookSchema = z
  .object({
    type: z.literal('purchase_order.cancelled'),
    version: z.literal(1),
    data: z.object({
      purchaseOrderId: purchaseOrderIdSchema,
      supplierId: supplierIdSchema,
      reason: z.string().min(1).max(500),
      cancelledAt: z.iso.datetime(),
    }),
  })
  .meta({ id: 'PurchaseOrderCancelledWebhook', description: 'A purchase order cancelled after it was sent' });
export type PurchaseOrderCancelledWebhook = z.infer<typeof purchaseOrderCancelledWebhookSchema>;

/** Supplier → us: POST /api/v1/supplier-callbacks/{supplierId}, signed with the same secret. */
export const supplierCallbackSchema = z
  .object({
    type: z.enum(['purchase_order.acknowledged', 'purchase_order.rejected', 'purchase_order.shipped']),
    purchaseOrderId: purchaseOrderIdSchema,
    supplierReference: z.string().trim().min(1).max(128).optional(),
    expectedDeliveryDate: z.iso
      .date()
      .or(z.iso.datetime({ offset: true }))
      .optional(),
    reason: z.string().trim().max(500).optional().meta({ description: 'Why it was rejected' }),
    lines: z
      .array(z.object({ sku: skuSchema, quantity: z.number().int().nonnegative() }))
      .max(100)
      .optional()
      .meta({ description: 'With shipped: what is on its way' }),
  })
  .meta({ id: 'SupplierCallback' });
export type SupplierCallback = z.infer<typeof supplierCallbackSchema>;

export const callbackResultSchema = z
  .object({
    purchaseOrderId: purchaseOrderIdSchema,
    status: purchaseOrderStatusSchema,
    duplicate: z.boolean().meta({ description: 'true: this webhook-id was seen before; nothing changed' }),
  })
  .meta({ id: 'SupplierCallbackResult' });

// ---------------------------------------------------------------- events (on inventory-events)

const poRef = {
  purchaseOrderId: purchaseOrderIdSchema,
  supplierId: supplierIdSchema,
  locationId: locationIdSchema,
};
const poLines = z.array(z.object({ sku: skuSchema, quantity, unitCost: moneySchema }));

export const PurchaseOrderCreated = defineEvent(
  'PurchaseOrderCreated',
  1,
  z.object({
    ...poRef,
    origin: purchaseOrderOriginSchema,
    lines: poLines,
    total: moneySchema,
    expectedBy: z.iso.datetime(),
  }),
);
export const PurchaseOrderAwaitingApproval = defineEvent(
  'PurchaseOrderAwaitingApproval',
  1,
  z.object({ ...poRef, total: moneySchema, approvalThreshold: moneySchema }),
);
export const PurchaseOrderSent = defineEvent(
  'PurchaseOrderSent',
  1,
  z.object({ ...poRef, lines: poLines, expectedBy: z.iso.datetime() }),
);
export const PurchaseOrderAcknowledged = defineEvent(
  'PurchaseOrderAcknowledged',
  1,
  z.object({ ...poRef, supplierReference: z.string().optional(), expectedBy: z.iso.datetime() }),
);
export const PurchaseOrderShipped = defineEvent(
  'PurchaseOrderShipped',
  1,
  z.object({
    ...poRef,
    lines: z
      .array(z.object({ sku: skuSchema, quantity: z.number().int().nonnegative() }))
      .optional()
      .meta({ description: 'What is on its way, when the supplier said' }),
    expectedBy: z.iso.datetime(),
    supplierReference: z.string().optional(),
  }),
);
export const PurchaseOrderRejected = defineEvent(
  'PurchaseOrderRejected',
  1,
  z.object({
    ...poRef,
    by: z.enum(['supplier', 'manager']),
    reason: z.string().optional(),
    replacedBy: purchaseOrderIdSchema.optional(),
  }),
);
export const PurchaseOrderReceiptRecorded = defineEvent(
  'PurchaseOrderReceiptRecorded',
  1,
  z.object({
    ...poRef,
    receiptId: z.string(),
    lines: z.array(z.object({ sku: skuSchema, quantity, unitCost: moneySchema })),
    status: purchaseOrderStatusSchema,
    /** Days from SENT to this receipt (the learned lead time). */
    leadTimeDays: z.number().nonnegative(),
    onTime: z.boolean(),
  }),
);
export const PurchaseOrderCancelled = defineEvent(
  'PurchaseOrderCancelled',
  1,
  z.object({ ...poRef, reason: z.string() }),
);
export const PurchaseOrderFailed = defineEvent(
  'PurchaseOrderFailed',
  1,
  z.object({ ...poRef, reason: z.string(), replacedBy: purchaseOrderIdSchema.optional() }),
);
export const PurchaseOrderEscalated = defineEvent(
  'PurchaseOrderEscalated',
  1,
  z.object({
    ...poRef,
    kind: z.enum(['approval_overdue', 'acknowledgement_overdue', 'delivery_overdue']),
    status: purchaseOrderStatusSchema,
    since: z.iso.datetime().meta({ description: 'Since when it has been waiting' }),
  }),
);

export const replenishmentEvents = [
  PurchaseOrderCreated,
  PurchaseOrderAwaitingApproval,
  PurchaseOrderSent,
  PurchaseOrderAcknowledged,
  PurchaseOrderShipped,
  PurchaseOrderRejected,
  PurchaseOrderReceiptRecorded,
  PurchaseOrderCancelled,
  PurchaseOrderFailed,
  PurchaseOrderEscalated,
] as const;
