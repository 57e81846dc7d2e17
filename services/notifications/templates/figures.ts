import { ALERT_TYPE_INFO, type Alert } from '../contract.ts';
import { shortDate } from '../domain/alert-content.ts';

/**
 * What the email and SMS templates say of an alert beyond its title and summary: the figures a
 * person acts on (each only when the alert has it), the alert's own details, and its absolute link.
 * Pure; shared by the email components and the SMS text.
 */

export interface Figure {
  label: string;
  value: string;
  /** Worth the reader's eye: available at or below the reorder point, nothing left. */
  emphasis?: 'alert';
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});

/** "3 Dec 2026, 10:00 UTC". */
export function dateTime(iso: string): string {
  return `${DATE_TIME.format(new Date(iso))} UTC`;
}

const NUMBER = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });
const num = (n: number): string => NUMBER.format(n);

/** `reservationsAtRisk` → "Reservations at risk". */
export function labelOf(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const detailValue = (value: string | number): string =>
  typeof value === 'number' ? num(value) : ISO_DATETIME.test(value) ? dateTime(value) : value;

/** "40, expected 5 Dec, on PO-1042". */
export function incomingText(incoming: NonNullable<Alert['incoming']>): string {
  const when = incoming.expectedBy ? `, expected ${shortDate(incoming.expectedBy)}` : '';
  const po = incoming.purchaseOrderId ? `, on ${incoming.purchaseOrderId}` : '';
  return `${num(incoming.quantity)}${when}${po}`;
}

/** The stock and purchasing figures of the alert, in reading order; absent ones are left out. */
export function figuresOf(alert: Alert): Figure[] {
  const rows: Figure[] = [];
  if (alert.sku) rows.push({ label: 'SKU', value: alert.sku });
  if (alert.productName) rows.push({ label: 'Product', value: alert.productName });
  if (alert.locationId || alert.locationName) {
    const value =
      alert.locationName && alert.locationId && alert.locationName !== alert.locationId
        ? `${alert.locationName} (${alert.locationId})`
        : (alert.locationName ?? alert.locationId)!;
    rows.push({ label: 'Location', value });
  }
  const q = alert.quantities;
  if (q) {
    rows.push({ label: 'On hand', value: num(q.onHand) });
    rows.push({ label: 'Reserved', value: num(q.reserved) });
    const low = q.available <= 0 || (alert.reorderPoint !== undefined && q.available <= alert.reorderPoint);
    rows.push({
      label: 'Available',
      value: num(q.available),
      ...(low && alert.status === 'open' ? { emphasis: 'alert' as const } : {}),
    });
  }
  if (alert.reorderPoint !== undefined) rows.push({ label: 'Reorder point', value: num(alert.reorderPoint) });
  if (q && q.safetyStock > 0) rows.push({ label: 'Safety stock', value: num(q.safetyStock) });
  if (alert.incoming) rows.push({ label: 'Incoming', value: incomingText(alert.incoming) });
  if (alert.suggestedOrderQuantity !== undefined)
    rows.push({ label: 'Suggested order quantity', value: num(alert.suggestedOrderQuantity) });
  if (alert.daysOfCover !== undefined)
    rows.push({
      label: 'Days of cover',
      value: num(alert.daysOfCover),
      ...(alert.daysOfCover < 1 && alert.status === 'open' ? { emphasis: 'alert' as const } : {}),
    });
  if (alert.purchaseOrderId && alert.purchaseOrderId !== alert.incoming?.purchaseOrderId)
    rows.push({ label: 'Purchase order', value: alert.purchaseOrderId });
  if (alert.supplierId && alert.details?.supplier === undefined)
    rows.push({ label: 'Supplier', value: alert.supplierId });
  return rows;
}

/** The alert's type-specific details (dead-letter depth, shortfall…), labelled; none that repeat a figure. */
export function detailsOf(alert: Alert, figures: readonly Figure[] = figuresOf(alert)): Figure[] {
  const shown = new Set(figures.map((f) => f.label.toLowerCase()));
  return Object.entries(alert.details ?? {})
    .map(([key, value]) => ({ label: labelOf(key), value: detailValue(value) }))
    .filter((row) => !shown.has(row.label.toLowerCase()));
}

/** The few figures an SMS has room for, most telling first (each a short phrase). */
export function smsFigures(alert: Alert): string[] {
  const parts: string[] = [];
  const q = alert.quantities;
  if (q) {
    const rp = alert.reorderPoint === undefined ? '' : ` (reorder pt ${num(alert.reorderPoint)})`;
    parts.push(`${num(q.available)} available${rp}.`);
  }
  if (alert.incoming) {
    const when = alert.incoming.expectedBy ? ` ${shortDate(alert.incoming.expectedBy)}` : '';
    parts.push(`${num(alert.incoming.quantity)} incoming${when}.`);
  }
  if (!q && alert.details) {
    // Purchase-order alerts carry their lines in the title already.
    const { shortfall, depth } = alert.details;
    if (shortfall !== undefined) parts.push(`${detailValue(shortfall)} short.`);
    else if (depth !== undefined) parts.push(`${detailValue(depth)} messages.`);
  }
  return parts;
}

/** `https://x.example` + `/products/A` (a trailing slash of the base is dropped); throws on a base that is no http(s) URL. */
export function absoluteUrl(dashboardUrl: string, path: string): string {
  let base: URL;
  try {
    base = new URL(dashboardUrl);
  } catch {
    throw new Error(`the dashboard URL ${JSON.stringify(dashboardUrl)} is not an absolute URL`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new Error(`the dashboard URL ${JSON.stringify(dashboardUrl)} is not an http(s) URL`);
  if (!path.startsWith('/'))
    throw new Error(`the link ${JSON.stringify(path)} is not a path starting with /`);
  return `${dashboardUrl.replace(/\/+$/, '')}${path}`;
}

export const settingsUrl = (dashboardUrl: string): string => absoluteUrl(dashboardUrl, '/settings');

export const typeTitle = (alert: Alert): string => ALERT_TYPE_INFO[alert.type].title;
