import {
  ALERT_TYPES,
  type AlertType,
  type Delivery,
  type EffectivePreference,
  type InboxAlert,
  type NotificationDefaults,
  type PreferencesView,
  type UserPreferences,
} from '../api/types.ts';
import { ALERT_TYPE_TITLE } from '../lib/alerts.ts';

/** Alerts, preferences and deliveries as the notifications API answers them. */

let serial = 0;
const hex = (n: number) => n.toString(16).padStart(26, '0');

export function inboxAlert(overrides: Partial<InboxAlert> = {}): InboxAlert {
  const id = overrides.id ?? `al_${hex(++serial)}`;
  return {
    id,
    dedupeKey: `StockLow#TEE-S#main#${id}`,
    type: 'StockLow',
    category: 'stock',
    severity: 'warning',
    title: 'Low stock: T-shirt S at Main warehouse',
    summary: '4 available, reorder point 10.',
    sku: 'TEE-S',
    locationId: 'main',
    link: '/products/TEE-S',
    status: 'open',
    raisedAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    read: false,
    ...overrides,
  };
}

const CRITICAL: AlertType[] = ['PurchaseOrderFailed'];
const CATEGORY: Record<AlertType, EffectivePreference['category']> = {
  StockLow: 'stock',
  OutOfStock: 'stock',
  BackInStock: 'stock',
  StockShortfall: 'stock',
  DaysOfCoverLow: 'stock',
  PurchaseOrderAwaitingApproval: 'purchasing',
  PurchaseOrderFailed: 'purchasing',
  PurchaseOrderRejected: 'purchasing',
  AcknowledgementOverdue: 'purchasing',
  DeliveryOverdue: 'receiving',
  InboundShipment: 'receiving',
  DeadLetterMessages: 'operations',
  LedgerDrift: 'operations',
  RejectedOrdersSpike: 'operations',
  ExpiredReservationsSpike: 'operations',
};

export function preferencesView(
  userId: string,
  preferences: UserPreferences = { global: {}, types: {} },
  notes: Partial<Record<AlertType, string[]>> = {},
): PreferencesView {
  return {
    userId,
    preferences,
    effective: ALERT_TYPES.map((type) => ({
      type,
      category: CATEGORY[type],
      title: ALERT_TYPE_TITLE[type],
      critical: CRITICAL.includes(type),
      subscribed: true,
      channels: preferences.types[type]?.channels ?? preferences.global.channels ?? ['inApp', 'email'],
      notes: notes[type] ?? [],
    })),
  };
}

export function notificationDefaults(): NotificationDefaults {
  const types = {} as NotificationDefaults['types'];
  for (const type of ALERT_TYPES) types[type] = { roles: ['manager'], channels: ['email', 'inApp'] };
  return { types };
}

export function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    id: `dl_${hex(++serial)}`,
    alertId: `al_${hex(serial)}`,
    alertType: 'StockLow',
    sku: 'TEE-S',
    userId: 'user-manager',
    recipient: 'manager@azura.local',
    channel: 'email',
    status: 'sent',
    subject: 'Low stock: T-shirt S',
    attempts: [{ at: '2024-05-03T10:00:05.000Z', outcome: 'sent', providerMessageId: 'ses-1' }],
    createdAt: '2024-05-03T10:00:00.000Z',
    sentAt: '2024-05-03T10:00:05.000Z',
    ...overrides,
  };
}
