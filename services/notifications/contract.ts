import { z } from 'zod';
import { ROLES, type Role } from '../../lib/permissions.ts';
import { skuSchema } from '../catalog/contract.ts';
import { locationIdSchema, quantitiesSchema } from '../stock/contract.ts';

/**
 * The notifications service's public contract: the alerts it raises, who receives them over
 * which channel (preferences on three levels, as Novu has them), and the record of every
 * delivery. It consumes other services' events only through their contracts; nothing else
 * depends on its internals.
 */

// ------------------------------------------------------------------------------ alert types

export const alertCategorySchema = z
  .enum(['stock', 'purchasing', 'receiving', 'operations'])
  .meta({ id: 'AlertCategory' });
export type AlertCategory = z.infer<typeof alertCategorySchema>;

export const ALERT_TYPES = [
  // stock (from StockLevelChanged / StockShortfall)
  'StockLow',
  'OutOfStock',
  'BackInStock',
  'StockShortfall',
  // stock (from reporting's planning run: DaysOfCoverLow / DaysOfCoverRecovered)
  'DaysOfCoverLow',
  // purchasing (from the replenishment service's events)
  'PurchaseOrderAwaitingApproval',
  'PurchaseOrderFailed',
  'PurchaseOrderRejected',
  'AcknowledgementOverdue',
  'DeliveryOverdue',
  // receiving
  'InboundShipment',
  // operations
  'DeadLetterMessages',
  'LedgerDrift',
  'RejectedOrdersSpike',
  'ExpiredReservationsSpike',
] as const;
export const alertTypeSchema = z.enum(ALERT_TYPES).meta({ id: 'AlertType' });
export type AlertType = z.infer<typeof alertTypeSchema>;

export const severitySchema = z.enum(['critical', 'warning', 'info']).meta({ id: 'AlertSeverity' });
export type Severity = z.infer<typeof severitySchema>;

export const channelSchema = z.enum(['email', 'sms', 'inApp']).meta({ id: 'NotificationChannel' });
export type Channel = z.infer<typeof channelSchema>;

export interface AlertTypeInfo {
  category: AlertCategory;
  /** Who receives it when nobody set a preference (level 1 defaults; admins may change them). */
  defaultRoles: readonly Role[];
  /**
   * `always`: cannot be switched off entirely (in-app always remains), never held by quiet hours
   * or digests. `whenActive`: critical only for an active product (OutOfStock). `never`: may be
   * switched off, held, or digested.
   */
  critical: 'always' | 'whenActive' | 'never';
  /** Short human title, e.g. "Low stock". */
  title: string;
  /** One line of help shown in preferences. */
  description: string;
}

const managers: readonly Role[] = ['manager'];
const admins: readonly Role[] = ['admin'];

/** Every alert type: its category, default recipients and criticality. THE table. */
export const ALERT_TYPE_INFO: Readonly<Record<AlertType, AlertTypeInfo>> = {
  StockLow: {
    category: 'stock',
    defaultRoles: managers,
    critical: 'never',
    title: 'Low stock',
    description: 'Available stock fell to or below the reorder point (once per crossing).',
  },
  OutOfStock: {
    category: 'stock',
    defaultRoles: managers,
    critical: 'whenActive',
    title: 'Out of stock',
    description: 'Nothing left to sell: available stock reached zero.',
  },
  BackInStock: {
    category: 'stock',
    defaultRoles: managers,
    critical: 'never',
    title: 'Back in stock',
    description: 'A product that was out of stock can be sold again.',
  },
  StockShortfall: {
    category: 'stock',
    defaultRoles: ['manager', 'warehouse'],
    critical: 'never',
    title: 'Stock shortfall',
    description: 'A count found less on hand than is reserved for open orders.',
  },
  DaysOfCoverLow: {
    category: 'stock',
    defaultRoles: managers,
    critical: 'never',
    title: 'Low cover',
    description:
      'At the forecast demand the available stock runs out before a reorder placed now would arrive (days of cover below the lead time; once per episode).',
  },
  PurchaseOrderAwaitingApproval: {
    category: 'purchasing',
    defaultRoles: managers,
    critical: 'never',
    title: 'Purchase order awaiting approval',
    description: 'A purchase order above the approval threshold waits for a manager.',
  },
  PurchaseOrderFailed: {
    category: 'purchasing',
    defaultRoles: managers,
    critical: 'always',
    title: 'Purchase order failed',
    description: 'A purchase order could not be placed with any supplier: restock by hand.',
  },
  PurchaseOrderRejected: {
    category: 'purchasing',
    defaultRoles: managers,
    critical: 'never',
    title: 'Purchase order rejected by the supplier',
    description: 'A supplier declined a purchase order.',
  },
  AcknowledgementOverdue: {
    category: 'purchasing',
    defaultRoles: managers,
    critical: 'never',
    title: 'Acknowledgement overdue',
    description: 'A supplier has not acknowledged a purchase order in time.',
  },
  DeliveryOverdue: {
    category: 'receiving',
    defaultRoles: ['manager', 'warehouse'],
    critical: 'never',
    title: 'Delivery overdue',
    description: 'A purchase order was not received by its expected date.',
  },
  InboundShipment: {
    category: 'receiving',
    defaultRoles: ['warehouse'],
    critical: 'never',
    title: 'Shipment on its way',
    description: 'A supplier shipped a purchase order: expect it at the dock.',
  },
  DeadLetterMessages: {
    category: 'operations',
    defaultRoles: admins,
    critical: 'never',
    title: 'Messages in a dead-letter queue',
    description: 'Messages failed every retry and wait for an operator (npx azura dlq).',
  },
  LedgerDrift: {
    category: 'operations',
    defaultRoles: admins,
    critical: 'never',
    title: 'Ledger drift',
    description: 'A stock level no longer equals its ledger replayed.',
  },
  RejectedOrdersSpike: {
    category: 'operations',
    defaultRoles: admins,
    critical: 'never',
    title: 'Spike of rejected orders',
    description: 'Unusually many orders were rejected for lack of stock in a short window.',
  },
  ExpiredReservationsSpike: {
    category: 'operations',
    defaultRoles: admins,
    critical: 'never',
    title: 'Spike of expired reservations',
    description: 'Unusually many reservations expired: the order platform may not be confirming orders.',
  },
};

// ------------------------------------------------------------------------------ alerts

export const alertIdSchema = z
  .string()
  .regex(/^al_[a-f0-9]{26}$/, 'alert id: al_ and 26 hex digits')
  .meta({ example: 'al_5d41402abc4b2a76b9719d911f' });

export const alertSchema = z
  .object({
    /** Derived from `dedupeKey` (a hash): the same alert always has the same id. */
    id: alertIdSchema,
    /** `alertType#sku#location#episode`, or `alertType#<event id>` for alerts without an episode. */
    dedupeKey: z.string(),
    type: alertTypeSchema,
    category: alertCategorySchema,
    severity: severitySchema,
    title: z.string().meta({ example: 'Low stock: Classic T-shirt, blue, L at Main warehouse' }),
    summary: z.string().meta({ description: 'One sentence a person can act on' }),
    sku: skuSchema.optional(),
    productName: z.string().optional(),
    /** The product's catalog category (preferences may filter on it). */
    productCategory: z.string().optional(),
    locationId: locationIdSchema.optional(),
    locationName: z.string().optional(),
    quantities: quantitiesSchema.optional(),
    reorderPoint: z.number().int().optional(),
    incoming: z
      .object({
        quantity: z.number().int(),
        expectedBy: z.iso.datetime().optional(),
        purchaseOrderId: z.string().optional(),
      })
      .optional(),
    suggestedOrderQuantity: z
      .number()
      .int()
      .optional()
      .meta({ description: 'From an open purchase order or reorder rule, when replenishment knows it' }),
    daysOfCover: z.number().optional().meta({ description: 'When reporting knows it' }),
    purchaseOrderId: z.string().optional(),
    supplierId: z.string().optional(),
    /** Type-specific figures (e.g. shortfall, dead-letter depth per queue), all human-readable. */
    details: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    /** Path of the dashboard page to act on it, e.g. `/inventory/TSHIRT-BLUE-L`. */
    link: z.string(),
    status: z.enum(['open', 'resolved']),
    raisedAt: z.iso.datetime(),
    resolvedAt: z.iso.datetime().optional(),
  })
  .meta({ id: 'Alert' });
export type Alert = z.infer<typeof alertSchema>;

export const inboxAlertSchema = alertSchema
  .extend({ read: z.boolean(), readAt: z.iso.datetime().optional() })
  .meta({ id: 'InboxAlert' });
export type InboxAlert = z.infer<typeof inboxAlertSchema>;

export const alertListSchema = z
  .object({
    items: z.array(inboxAlertSchema),
    unread: z.number().int().nonnegative().meta({ description: 'Unread alerts of the caller, in all' }),
    nextCursor: z.string().optional(),
  })
  .meta({ id: 'AlertList' });
export type AlertList = z.infer<typeof alertListSchema>;

export const readAllResultSchema = z
  .object({ unread: z.number().int().nonnegative() })
  .meta({ id: 'ReadAllResult' });

// ------------------------------------------------------------------------------ preferences

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'time of day as HH:MM, 00:00 to 23:59');
const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone, e.g. Europe/Paris or UTC')
  .meta({ example: 'Europe/Paris' });

export const quietHoursSchema = z
  .object({ start: hhmm, end: hhmm, timeZone: timeZoneSchema })
  .refine((q) => q.start !== q.end, {
    message: 'quiet hours must start and end at different times',
    path: ['end'],
  })
  .meta({
    id: 'QuietHours',
    description:
      'Non-critical alerts raised between start and end (local time; may span midnight) are held and sent when the quiet hours end. In-app alerts are never held.',
  });

export const digestSchema = z
  .object({ hour: z.number().int().min(0).max(23), timeZone: timeZoneSchema })
  .meta({
    id: 'Digest',
    description:
      'Non-critical email alerts are grouped into one email a day, sent at this hour (local time). SMS and in-app are not digested.',
  });

/** One level of preference. Every field is optional: absent means "inherit from the level below". */
export const preferenceSchema = z
  .object({
    /** Channels to receive on; `[]` switches the type off (critical types keep in-app). */
    channels: z.array(channelSchema).max(3).optional(),
    /** Only alerts for these categories (product categories), SKUs or locations; absent = all. */
    categories: z.array(z.string().min(1).max(100)).max(100).optional(),
    skus: z.array(skuSchema).max(500).optional(),
    locations: z.array(locationIdSchema).max(100).optional(),
    /** `null` clears quiet hours set on a lower level. */
    quietHours: quietHoursSchema.nullable().optional(),
    /** `null` clears a digest set on a lower level. */
    digest: digestSchema.nullable().optional(),
  })
  .meta({ id: 'NotificationPreference' });
export type Preference = z.infer<typeof preferenceSchema>;

/** Level 1: defaults per alert type (admins edit them). */
export const defaultPreferenceSchema = z
  .object({ roles: z.array(z.enum(ROLES)), channels: z.array(channelSchema).max(3) })
  .meta({ id: 'DefaultNotificationPreference' });
export type DefaultPreference = z.infer<typeof defaultPreferenceSchema>;

export const notificationDefaultsSchema = z
  .object({ types: z.record(alertTypeSchema, defaultPreferenceSchema) })
  .meta({ id: 'NotificationDefaults' });
export type NotificationDefaults = z.infer<typeof notificationDefaultsSchema>;

/** Levels 2 and 3 of one user, as stored and as PUT. */
export const userPreferencesBodySchema = z
  .object({
    /** Level 3: per user, every type. */
    global: preferenceSchema.default({}),
    /** Level 2: per user, per type (wins over global). */
    types: z.partialRecord(alertTypeSchema, preferenceSchema).default({}),
  })
  .meta({ id: 'UserNotificationPreferences' });
export type UserPreferences = z.infer<typeof userPreferencesBodySchema>;

/** What one alert type resolves to for one user: the three levels merged. */
export const effectivePreferenceSchema = z
  .object({
    type: alertTypeSchema,
    category: alertCategorySchema,
    title: z.string(),
    critical: z.boolean(),
    subscribed: z.boolean().meta({ description: 'Receives it (by role default or own choice)' }),
    channels: z.array(channelSchema),
    quietHours: quietHoursSchema.optional(),
    digest: digestSchema.optional(),
    /** Why a channel asked for is not used, e.g. "sms: no phone number on your profile". */
    notes: z.array(z.string()),
  })
  .meta({ id: 'EffectiveNotificationPreference' });

export const preferencesViewSchema = z
  .object({
    userId: z.string(),
    preferences: userPreferencesBodySchema,
    effective: z.array(effectivePreferenceSchema),
    updatedAt: z.iso.datetime().optional(),
  })
  .meta({ id: 'NotificationPreferences' });
export type PreferencesView = z.infer<typeof preferencesViewSchema>;

// ------------------------------------------------------------------------------ deliveries

export const deliveryStatusSchema = z
  .enum(['pending', 'held', 'digest', 'sent', 'failed', 'suppressed', 'bounced', 'complained'])
  .meta({
    id: 'DeliveryStatus',
    description:
      'pending: written, about to be sent; held: quiet hours; digest: waits for the daily digest; sent; failed: every retry failed (its message is in the DLQ); suppressed: not sent, see reason; bounced/complained: SES said so after sending',
  });
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>;

export const deliveryAttemptSchema = z
  .object({
    at: z.iso.datetime(),
    outcome: z.enum(['sent', 'error']),
    error: z.string().optional(),
    providerMessageId: z.string().optional(),
  })
  .meta({ id: 'DeliveryAttempt' });

export const deliverySchema = z
  .object({
    /** `dl_` + hash of `alertId#userId#channel` (or the digest's key): one per alert, person, channel. */
    id: z.string(),
    alertId: alertIdSchema.optional().meta({ description: 'Absent for a digest' }),
    alertType: alertTypeSchema.optional(),
    /** For a digest: the alerts it groups. */
    alertIds: z.array(alertIdSchema).optional(),
    sku: skuSchema.optional(),
    userId: z.string(),
    /** Email address or phone number it went to; the user id for in-app. */
    recipient: z.string(),
    channel: channelSchema,
    status: deliveryStatusSchema,
    reason: z.string().optional(),
    subject: z.string().optional(),
    attempts: z.array(deliveryAttemptSchema),
    createdAt: z.iso.datetime(),
    releaseAt: z.iso.datetime().optional().meta({ description: 'When a held or digested delivery goes out' }),
    sentAt: z.iso.datetime().optional(),
  })
  .meta({ id: 'Delivery' });
export type Delivery = z.infer<typeof deliverySchema>;

export const deliveryPageSchema = z
  .object({ items: z.array(deliverySchema), nextCursor: z.string().optional() })
  .meta({ id: 'DeliveryList' });

export const deliveryContentSchema = z
  .object({ subject: z.string().optional(), html: z.string().optional(), text: z.string() })
  .meta({ id: 'DeliveryContent', description: 'What was sent: the rendered email, or the SMS text' });

/** The message on the `notifications-send` queue: one delivery to attempt. */
export const sendMessageSchema = z.object({ deliveryId: z.string().min(1) });
export type SendMessage = z.infer<typeof sendMessageSchema>;

// ------------------------------------------------------------------------------ queries

export const alertListQuerySchema = z
  .object({
    unread: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .meta({ description: 'Only unread alerts' }),
    cursor: z.string().max(2048).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .meta({ id: 'AlertListQuery' });

export const deliveryLogQuerySchema = z
  .object({
    channel: channelSchema.optional(),
    type: alertTypeSchema.optional(),
    sku: skuSchema.optional(),
    status: deliveryStatusSchema.optional(),
    cursor: z.string().max(2048).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
  })
  .meta({ id: 'DeliveryLogQuery' });

/** PUT body of the defaults: any subset of the alert types. */
export const defaultsBodySchema = z
  .object({ types: z.partialRecord(alertTypeSchema, defaultPreferenceSchema) })
  .meta({ id: 'NotificationDefaultsChange' });
