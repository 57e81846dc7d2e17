import type { AlertType, Channel, DeliveryStatus, Severity } from '../api/types.ts';

/** The bell polls the unread count every 10 s while the tab is visible (and on window focus). */
export const ALERTS_POLL_MS = 10_000;

/**
 * Where pages say the caller's alerts changed (one marked read on /alerts, all marked read), so
 * the bell reloads its count at once instead of on its next poll.
 */
const alertEvents = new EventTarget();

export function alertsChanged(): void {
  alertEvents.dispatchEvent(new Event('changed'));
}

export function onAlertsChanged(listener: () => void): () => void {
  alertEvents.addEventListener('changed', listener);
  return () => alertEvents.removeEventListener('changed', listener);
}

export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'Critical',
  warning: 'Warning',
  info: 'Info',
};

export const CHANNEL_LABEL: Record<Channel, string> = {
  email: 'Email',
  sms: 'SMS',
  inApp: 'In-app',
};

/** Short titles of the alert types (services/notifications/contract.ts ALERT_TYPE_INFO). */
export const ALERT_TYPE_TITLE: Record<AlertType, string> = {
  StockLow: 'Low stock',
  OutOfStock: 'Out of stock',
  BackInStock: 'Back in stock',
  StockShortfall: 'Stock shortfall',
  DaysOfCoverLow: 'Low cover',
  PurchaseOrderAwaitingApproval: 'Purchase order awaiting approval',
  PurchaseOrderFailed: 'Purchase order failed',
  PurchaseOrderRejected: 'Purchase order rejected by the supplier',
  AcknowledgementOverdue: 'Acknowledgement overdue',
  DeliveryOverdue: 'Delivery overdue',
  InboundShipment: 'Shipment on its way',
  DeadLetterMessages: 'Messages in a dead-letter queue',
  LedgerDrift: 'Ledger drift',
  RejectedOrdersSpike: 'Spike of rejected orders',
  ExpiredReservationsSpike: 'Spike of expired reservations',
};

export const DELIVERY_STATUS_TONE: Record<DeliveryStatus, string> = {
  pending: 'info',
  held: 'warning',
  digest: 'info',
  sent: 'success',
  failed: 'danger',
  suppressed: 'muted',
  bounced: 'danger',
  complained: 'danger',
};

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

let relative: Intl.RelativeTimeFormat | undefined;

/** "5 minutes ago", "yesterday", "just now". */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return iso;
  const seconds = Math.round((at - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  relative ??= new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(Math.round(seconds / 60), 'minute');
}
