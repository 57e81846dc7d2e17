import { createHash } from 'node:crypto';
import type { Quantities } from '../../stock/contract.ts';
import { ALERT_TYPE_INFO, type Alert, type AlertType, type Severity } from '../contract.ts';

/**
 * What an alert says: its id (a hash of its dedupe key, so the same alert always has the same
 * id), its title and summary in words a person acts on, and the dashboard page to act on it.
 * Pure: time comes in (`raisedAt` is the triggering event's occurredAt).
 */

/** `al_` + the first 26 hex digits of sha-256 of the dedupe key. */
export function alertIdOf(dedupeKey: string): string {
  return `al_${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 26)}`;
}

export type StockEpisodeType = 'StockLow' | 'OutOfStock' | 'BackInStock';

/** `StockLow#<sku>#<location>#<episode>` (and OutOfStock, BackInStock). */
export const stockDedupeKey = (type: StockEpisodeType, sku: string, locationId: string, episode: number) =>
  `${type}#${sku}#${locationId}#${episode}`;

/** `DaysOfCoverLow#<sku>#<location>#<episode>`. */
export const coverDedupeKey = (sku: string, locationId: string, episode: number) =>
  `DaysOfCoverLow#${sku}#${locationId}#${episode}`;

/** `DeadLetterMessages#<queue>#<episode>`. */
export const dlqDedupeKey = (queue: string, episode: number) => `DeadLetterMessages#${queue}#${episode}`;

/** What the notifications service knows of a product (its projection of the catalog's snapshots). */
export interface ProductInfo {
  sku: string;
  name: string;
  category: string;
  status: 'active' | 'archived';
  reorderPoint: number;
  version: number;
  /** ProductDeleted seen: kept (with its version) so a late snapshot cannot bring it back. */
  deleted?: boolean;
}

/** An open purchase order's quantity still to come for one SKU at its location. */
export interface IncomingLine {
  purchaseOrderId: string;
  sku: string;
  locationId: string;
  /** Ordered minus received so far. */
  remaining: number;
  /** Ordered on this PO. */
  ordered: number;
  expectedBy?: string;
}

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** "5 Dec" (UTC). */
export function shortDate(iso: string): string {
  return DATE.format(new Date(iso));
}

/** The open PO due first (earliest expectedBy; one without a date last). */
export function earliestIncoming(lines: readonly IncomingLine[]): IncomingLine | undefined {
  const open = lines.filter((l) => l.remaining > 0);
  return open.sort(
    (a, b) =>
      (a.expectedBy ?? '\uffff').localeCompare(b.expectedBy ?? '\uffff') ||
      a.purchaseOrderId.localeCompare(b.purchaseOrderId),
  )[0];
}

export const productLink = (sku: string) => `/products/${encodeURIComponent(sku)}`;
export const purchaseOrderLink = (id: string) => `/purchasing/orders/${encodeURIComponent(id)}`;
/** Operations alerts point at the help page (dead-letter queues, ledger repair: the CLI). */
export const OPS_LINK = '/help';
/** Spikes of rejected orders or expired reservations: the orders page. */
export const ORDERS_LINK = '/orders';

/** A bare alert of a type: id from the key, category from ALERT_TYPE_INFO, status open. */
export function baseAlert(
  type: AlertType,
  dedupeKey: string,
  fields: { title: string; summary: string; link: string; raisedAt: string; severity?: Severity },
): Alert {
  return {
    id: alertIdOf(dedupeKey),
    dedupeKey,
    type,
    category: ALERT_TYPE_INFO[type].category,
    severity: fields.severity ?? (ALERT_TYPE_INFO[type].critical === 'always' ? 'critical' : 'warning'),
    title: fields.title,
    summary: fields.summary,
    link: fields.link,
    status: 'open',
    raisedAt: fields.raisedAt,
  };
}

export interface StockFacts {
  sku: string;
  locationId: string;
  quantities: Quantities;
  reorderPoint?: number;
  product?: ProductInfo;
  /** Open purchase orders of this SKU at this location. */
  incoming: readonly IncomingLine[];
  occurredAt: string;
}

function quantitiesPhrase(q: Quantities): string {
  const parts = [`${q.onHand} on hand`, `${q.reserved} reserved`];
  if (q.safetyStock > 0) parts.push(`${q.safetyStock} safety stock`);
  return `${q.available} available (${parts.join(', ')})`;
}

function incomingPhrase(facts: StockFacts): string {
  const first = earliestIncoming(facts.incoming);
  if (first) {
    const when = first.expectedBy ? `, expected ${shortDate(first.expectedBy)}` : '';
    return `${first.remaining} incoming${when} (${first.purchaseOrderId}).`;
  }
  if (facts.quantities.incoming > 0) return `${facts.quantities.incoming} incoming.`;
  return 'Nothing incoming.';
}

/** Severity of an OutOfStock alert: critical for an active product (or one we do not know yet). */
export function outOfStockSeverity(product: ProductInfo | undefined): Severity {
  return !product || (product.status === 'active' && !product.deleted) ? 'critical' : 'warning';
}

/** A StockLow, OutOfStock or BackInStock alert of episode `episode` from the level's facts. */
export function stockAlert(type: StockEpisodeType, episode: number, facts: StockFacts): Alert {
  const { sku, locationId, quantities, reorderPoint, product } = facts;
  const name = product && !product.deleted ? product.name : sku;
  const info = ALERT_TYPE_INFO[type];
  const rp = reorderPoint === undefined ? '' : `, reorder point ${reorderPoint}`;
  let summary: string;
  let severity: Severity;
  if (type === 'StockLow') {
    severity = 'warning';
    summary = `${quantitiesPhrase(quantities)}${rp}. ${incomingPhrase(facts)}`;
  } else if (type === 'OutOfStock') {
    severity = outOfStockSeverity(product);
    const archived = severity === 'warning' ? ' The product is not active.' : '';
    summary = `Nothing left to sell: ${quantitiesPhrase(quantities)}${rp}. ${incomingPhrase(facts)}${archived}`;
  } else {
    severity = 'info';
    summary = `Can be sold again: ${quantitiesPhrase(quantities)}${rp}.`;
  }
  const first = earliestIncoming(facts.incoming);
  const alert: Alert = {
    ...baseAlert(type, stockDedupeKey(type, sku, locationId, episode), {
      title: `${info.title}: ${name} at ${locationId}`,
      summary,
      link: productLink(sku),
      raisedAt: facts.occurredAt,
      severity,
    }),
    sku,
    locationId,
    quantities,
  };
  if (product && !product.deleted) {
    alert.productName = product.name;
    alert.productCategory = product.category;
  }
  if (reorderPoint !== undefined) alert.reorderPoint = reorderPoint;
  if (first) {
    alert.incoming = {
      quantity: first.remaining,
      purchaseOrderId: first.purchaseOrderId,
      ...(first.expectedBy ? { expectedBy: first.expectedBy } : {}),
    };
    alert.suggestedOrderQuantity = first.ordered;
  } else if (quantities.incoming > 0) {
    alert.incoming = { quantity: quantities.incoming };
  }
  return alert;
}

/** The open alert, resolved at `at` with the level as it is now. */
export function resolvedStockAlert(open: Alert, facts: StockFacts): Alert {
  const why =
    open.type === 'OutOfStock'
      ? 'Back in stock'
      : `Back above the reorder point${facts.reorderPoint === undefined ? '' : ` of ${facts.reorderPoint}`}`;
  return {
    ...open,
    status: 'resolved',
    resolvedAt: facts.occurredAt,
    quantities: facts.quantities,
    ...(facts.reorderPoint === undefined ? {} : { reorderPoint: facts.reorderPoint }),
    summary: `Resolved: ${why}: ${quantitiesPhrase(facts.quantities)}.`,
  };
}

/** What an alert about one purchase order says of it. */
export interface PurchaseOrderFacts {
  purchaseOrderId: string;
  supplierId: string;
  locationId: string;
  /** The PO's lines as far as known (empty when no Created/Sent was seen yet). */
  lines: readonly { sku: string; quantity: number }[];
  /** The product of the only line, when the PO has one. */
  product?: ProductInfo;
  expectedBy?: string;
  occurredAt: string;
}

export type PurchaseOrderAlertType =
  | 'PurchaseOrderAwaitingApproval'
  | 'PurchaseOrderFailed'
  | 'PurchaseOrderRejected'
  | 'AcknowledgementOverdue'
  | 'DeliveryOverdue'
  | 'InboundShipment';

function linesPhrase(facts: PurchaseOrderFacts): string {
  if (facts.lines.length === 0) return '';
  if (facts.lines.length === 1) {
    const [line] = facts.lines;
    const name = facts.product && !facts.product.deleted ? facts.product.name : line!.sku;
    return `${line!.quantity} × ${name}`;
  }
  const units = facts.lines.reduce((n, l) => n + l.quantity, 0);
  return `${facts.lines.length} lines, ${units} units`;
}

/**
 * An alert about a purchase order, keyed `<type>#<poId>`. `sentence` is what happened, e.g.
 * "Supplier acme declined it: out of fabric."; the PO's lines and ETA are added.
 */
export function purchaseOrderAlert(
  type: PurchaseOrderAlertType,
  facts: PurchaseOrderFacts,
  sentence: string,
  details: Record<string, string | number> = {},
): Alert {
  const info = ALERT_TYPE_INFO[type];
  const what = linesPhrase(facts);
  const eta =
    facts.expectedBy &&
    (type === 'InboundShipment' || type === 'DeliveryOverdue' || type === 'AcknowledgementOverdue')
      ? ` Expected ${shortDate(facts.expectedBy)}.`
      : '';
  const alert: Alert = {
    ...baseAlert(type, `${type}#${facts.purchaseOrderId}`, {
      title: `${info.title}: ${facts.purchaseOrderId}${what ? ` (${what})` : ''}`,
      summary: `${sentence}${eta}`.trim(),
      link: purchaseOrderLink(facts.purchaseOrderId),
      raisedAt: facts.occurredAt,
      severity: info.critical === 'always' ? 'critical' : type === 'InboundShipment' ? 'info' : 'warning',
    }),
    purchaseOrderId: facts.purchaseOrderId,
    supplierId: facts.supplierId,
    locationId: facts.locationId,
  };
  const allDetails: Record<string, string | number> = { supplier: facts.supplierId, ...details };
  if (facts.lines.length === 1) {
    const line = facts.lines[0]!;
    alert.sku = line.sku;
    allDetails.quantity = line.quantity;
    if (facts.product && !facts.product.deleted) {
      alert.productName = facts.product.name;
      alert.productCategory = facts.product.category;
    }
  } else if (facts.lines.length > 1) {
    allDetails.lines = facts.lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ');
  }
  if (facts.expectedBy) allDetails.expectedBy = facts.expectedBy;
  alert.details = allDetails;
  return alert;
}

export interface ShortfallFacts {
  sku: string;
  locationId: string;
  movementId: string;
  onHand: number;
  reserved: number;
  shortfall: number;
  reservationsAtRisk: number;
  product?: ProductInfo;
  occurredAt: string;
}

export function shortfallAlert(f: ShortfallFacts): Alert {
  const name = f.product && !f.product.deleted ? f.product.name : f.sku;
  const alert: Alert = {
    ...baseAlert('StockShortfall', `StockShortfall#${f.movementId}`, {
      title: `${ALERT_TYPE_INFO.StockShortfall.title}: ${name} at ${f.locationId}`,
      summary: `A count found ${f.onHand} on hand but ${f.reserved} reserved: ${f.shortfall} short, ${f.reservationsAtRisk} reservation(s) at risk. Recount or restock before they are committed.`,
      link: productLink(f.sku),
      raisedAt: f.occurredAt,
    }),
    sku: f.sku,
    locationId: f.locationId,
    details: {
      shortfall: f.shortfall,
      reserved: f.reserved,
      onHand: f.onHand,
      reservationsAtRisk: f.reservationsAtRisk,
      movementId: f.movementId,
    },
  };
  if (f.product && !f.product.deleted) {
    alert.productName = f.product.name;
    alert.productCategory = f.product.category;
  }
  return alert;
}

export function ledgerDriftAlert(f: {
  runId: string;
  skus: readonly string[];
  unlisted: number;
  checkedAt: string;
  occurredAt: string;
}): Alert {
  const count = f.skus.length + f.unlisted;
  const shown = f.skus.slice(0, 10).join(', ');
  const more = count > 10 ? ` and ${count - 10} more` : '';
  return {
    ...baseAlert('LedgerDrift', `LedgerDrift#${f.runId}`, {
      title: `${ALERT_TYPE_INFO.LedgerDrift.title}: ${count} SKU${count === 1 ? '' : 's'}`,
      summary: `The drift check of ${f.checkedAt} found ${count} stock level(s) that differ from their ledger: ${shown}${more}. Repair with npx azura ledger repair --sku <SKU>.`,
      link: OPS_LINK,
      raisedAt: f.occurredAt,
    }),
    details: { skus: f.skus.join(', '), count, runId: f.runId },
  };
}

export type SpikeType = 'RejectedOrdersSpike' | 'ExpiredReservationsSpike';

/** Fixed 15-minute windows. */
export const SPIKE_WINDOW_MS = 15 * 60 * 1000;
export const spikeWindowStart = (occurredAt: string): string =>
  new Date(Math.floor(Date.parse(occurredAt) / SPIKE_WINDOW_MS) * SPIKE_WINDOW_MS).toISOString();

export function spikeAlert(type: SpikeType, windowStart: string, count: number, occurredAt: string): Alert {
  const end = new Date(Date.parse(windowStart) + SPIKE_WINDOW_MS).toISOString();
  const hhmm = (iso: string) => iso.slice(11, 16);
  const what =
    type === 'RejectedOrdersSpike' ? 'orders were rejected for lack of stock' : 'reservations expired';
  const hint =
    type === 'RejectedOrdersSpike'
      ? 'Check the stock of the best sellers.'
      : 'The order platform may not be confirming orders.';
  return {
    ...baseAlert(type, `${type}#${windowStart}`, {
      title: `${ALERT_TYPE_INFO[type].title}: ${count} in 15 minutes`,
      summary: `${count} ${what} between ${hhmm(windowStart)} and ${hhmm(end)} UTC on ${shortDate(windowStart)}. ${hint}`,
      link: ORDERS_LINK,
      raisedAt: occurredAt,
    }),
    details: { count, windowStart, windowEnd: end },
  };
}

export function deadLetterAlert(queue: string, episode: number, depth: number, raisedAt: string): Alert {
  return {
    ...baseAlert('DeadLetterMessages', dlqDedupeKey(queue, episode), {
      title: `${ALERT_TYPE_INFO.DeadLetterMessages.title}: ${queue}`,
      summary: `${depth} message(s) in ${queue} failed every retry. Look with npx azura dlq show ${queue}, fix the cause, then npx azura dlq redrive ${queue}.`,
      link: OPS_LINK,
      raisedAt,
    }),
    details: { queue, depth, look: `npx azura dlq show ${queue}`, redrive: `npx azura dlq redrive ${queue}` },
  };
}

export function resolvedDeadLetterAlert(open: Alert, at: string): Alert {
  const queue = String(open.details?.queue ?? '');
  return {
    ...open,
    status: 'resolved',
    resolvedAt: at,
    summary: `Resolved: ${queue} is empty again.`,
    details: { ...open.details, depth: 0 },
  };
}

/** What reporting's planning run said of one SKU × location (DaysOfCoverLow / DaysOfCoverRecovered). */
export interface CoverFacts {
  sku: string;
  locationId: string;
  /** null: no demand forecast (never runs out). */
  daysOfCover: number | null;
  leadTimeDays: number | null;
  available: number | null;
  /** Forecast units a day (the SKU's, all locations). */
  dailyDemand: number | null;
  product?: ProductInfo;
  runAt: string;
}

/** Days and units a day as people read them: at most one decimal ("2.5", "7"). */
const figure = (n: number) => String(Math.round(n * 10) / 10);
const daysPhrase = (n: number) => `${figure(n)} day${figure(n) === '1' ? '' : 's'}`;

/** A DaysOfCoverLow alert of episode `episode`: cover below the lead time at this location. */
export function coverLowAlert(episode: number, facts: CoverFacts): Alert {
  const { sku, locationId, product } = facts;
  const name = product && !product.deleted ? product.name : sku;
  const cover = facts.daysOfCover ?? 0;
  const lead = facts.leadTimeDays ?? 0;
  const demand = facts.dailyDemand ?? 0;
  const available = facts.available ?? 0;
  const alert: Alert = {
    ...baseAlert('DaysOfCoverLow', coverDedupeKey(sku, locationId, episode), {
      title: `${ALERT_TYPE_INFO.DaysOfCoverLow.title}: ${name} at ${locationId}`,
      summary: `${daysPhrase(cover)} of cover (${available} available at ${figure(demand)} a day forecast), less than the ${daysPhrase(lead)} lead time: a reorder placed now arrives after the stock runs out. Reorder now.`,
      link: productLink(sku),
      raisedAt: facts.runAt,
      severity: 'warning',
    }),
    sku,
    locationId,
    daysOfCover: cover,
    details: {
      daysOfCover: figure(cover),
      leadTimeDays: figure(lead),
      available,
      dailyDemand: figure(demand),
    },
  };
  if (product && !product.deleted) {
    alert.productName = product.name;
    alert.productCategory = product.category;
    alert.reorderPoint = product.reorderPoint;
  }
  return alert;
}

/** The open DaysOfCoverLow alert, resolved at the run that found the cover back at or above the lead time. */
export function resolvedCoverAlert(open: Alert, facts: CoverFacts): Alert {
  const why =
    facts.daysOfCover === null
      ? 'no demand is forecast any more'
      : `${daysPhrase(facts.daysOfCover)} of cover${facts.leadTimeDays === null ? '' : `, at or above the ${daysPhrase(facts.leadTimeDays)} lead time`}`;
  const resolved: Alert = {
    ...open,
    status: 'resolved',
    resolvedAt: facts.runAt,
    summary: `Resolved: ${why}.`,
  };
  if (facts.daysOfCover === null) delete resolved.daysOfCover;
  else resolved.daysOfCover = facts.daysOfCover;
  return resolved;
}
