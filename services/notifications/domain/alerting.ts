import { FINAL_PO_STATUSES, type PurchaseOrderStatus } from '../../replenishment/contract.ts';
import type { Quantities } from '../../stock/contract.ts';
import type { Alert } from '../contract.ts';
import {
  type CoverFacts,
  coverLowAlert,
  deadLetterAlert,
  type IncomingLine,
  ledgerDriftAlert,
  type ProductInfo,
  type PurchaseOrderAlertType,
  type PurchaseOrderFacts,
  purchaseOrderAlert,
  resolvedCoverAlert,
  resolvedDeadLetterAlert,
  resolvedStockAlert,
  type ShortfallFacts,
  SPIKE_WINDOW_MS,
  type SpikeType,
  type StockFacts,
  shortfallAlert,
  spikeAlert,
  spikeWindowStart,
  stockAlert,
} from './alert-content.ts';
import type { AlertSink, Context, Recipient, RecipientDirectory } from './model.ts';

/**
 * Alerting: events → the projections an alert needs (products, open purchase orders, people)
 * and episodes → at most one alert per dedupe key, handed to the {@link AlertSink} (delivery).
 *
 * A stock level's episodes: **low** while `available <= reorderPoint`, **out** while
 * `available <= 0`. Crossing into one opens an episode and raises its alert once; the episode
 * re-arms only when the level climbs back out of it (so a second drop while still low raises
 * nothing), and closing it resolves the alert. The level's state and the alerts raised at a
 * version are written in one conditional transaction; a redelivered event of that version
 * re-hands those alerts (the sink is idempotent), so a crash between the write and the delivery
 * loses nothing.
 */

// ------------------------------------------------------------------------------ state and store

/** What alerting keeps per SKU × location. */
export interface LevelState {
  sku: string;
  locationId: string;
  /** The levelVersion of the last StockLevelChanged applied. */
  version: number;
  quantities: Quantities;
  reorderPoint?: number;
  low: boolean;
  out: boolean;
  /** Episodes opened so far (the n-th crossing into low / out). */
  lowEpisode: number;
  outEpisode: number;
  /** The alert of the open episode, if it raised one. */
  openLowAlertId?: string;
  openOutAlertId?: string;
  /** Alerts raised or resolved at `version` (re-handed when that version is delivered again). */
  handed: string[];
}

/** What alerting knows of a purchase order (from its events; no versions, so terminal states stick). */
export interface PurchaseOrderState {
  purchaseOrderId: string;
  supplierId: string;
  locationId: string;
  lines: { sku: string; quantity: number }[];
  /** Received so far per SKU. */
  received: Record<string, number>;
  /** Receipt ids applied (a redelivered receipt counts once). */
  receipts: string[];
  expectedBy?: string;
  closed: boolean;
}

/** What the ops watch keeps per dead-letter queue. */
export interface DeadLetterState {
  queue: string;
  episode: number;
  openAlertId?: string;
}

/**
 * What alerting keeps of a SKU × location's days of cover (reporting's planning runs): an episode
 * opens when the cover falls below the lead time and closes when it is back; the run's `runAt`
 * orders the events (an older run's changes nothing).
 */
export interface CoverState {
  sku: string;
  locationId: string;
  /** The runAt of the last event that changed the state. */
  runAt: string;
  low: boolean;
  /** Episodes opened so far. */
  episode: number;
  /** The alert of the open episode. */
  openAlertId?: string;
  /** The alert raised or resolved at `runAt` (re-handed when that run's event comes again). */
  handed?: string;
}

export type CommitResult = 'committed' | 'conflict';

export interface AlertStore extends RecipientDirectory {
  // products (catalog snapshots; a version guard keeps the newest)
  product(sku: string): Promise<ProductInfo | undefined>;
  /** Writes it unless a version ≥ it is stored. */
  putProduct(product: ProductInfo): Promise<void>;

  // people (UserChanged; version guard)
  putRecipient(recipient: Recipient): Promise<void>;

  // purchase orders and what they bring
  purchaseOrder(id: string): Promise<PurchaseOrderState | undefined>;
  /** Writes the PO and, per line, its incoming item for the SKU × location (removed when closed or fully received). */
  putPurchaseOrder(po: PurchaseOrderState): Promise<void>;
  /** The open incoming lines of a SKU at a location. */
  incoming(sku: string, locationId: string): Promise<IncomingLine[]>;

  // levels and their episodes
  level(sku: string, locationId: string): Promise<LevelState | undefined>;
  /**
   * One transaction: the level (on condition its stored version is `expectedVersion`, or absent
   * when undefined) and every alert given (new ones created, resolved ones replaced).
   */
  commitLevel(next: LevelState, expectedVersion: number | undefined, alerts: Alert[]): Promise<CommitResult>;

  // alerts
  alerts(ids: string[]): Promise<Alert[]>;
  /** Stores it unless one with its id exists; returns what is stored. */
  raiseOnce(alert: Alert): Promise<Alert>;

  // spikes: counts per window, each event counted once
  /** Counts the event in the window (once per eventId); returns the window's count after it. */
  countOnce(kind: SpikeType, windowStart: string, eventId: string, expiresAt: number): Promise<number>;

  // days of cover (reporting's planning runs)
  coverState(sku: string, locationId: string): Promise<CoverState | undefined>;
  /** One transaction: the state (on condition its stored runAt is `expectedRunAt`, or absent) and the alert. */
  commitCover(next: CoverState, expectedRunAt: string | undefined, alert?: Alert): Promise<CommitResult>;

  // dead-letter queues
  deadLetterState(queue: string): Promise<DeadLetterState | undefined>;
  /** One transaction: the state (conditional on the stored episode) and the alert. */
  commitDeadLetter(
    next: DeadLetterState,
    expectedEpisode: number | undefined,
    alert: Alert,
  ): Promise<CommitResult>;
}

// ------------------------------------------------------------------------------ alerting

export interface AlertingOptions {
  /** Events in one 15-minute window that make a spike (default 10). */
  spikeThreshold?: number;
}

export interface LevelChange {
  sku: string;
  locationId: string;
  levelVersion: number;
  quantities: Quantities;
  reorderPoint?: number;
}

const MAX_CONFLICT_RETRIES = 5;

export class Alerting {
  private readonly spikeThreshold: number;

  constructor(
    private readonly store: AlertStore,
    private readonly sink: AlertSink,
    options: AlertingOptions = {},
  ) {
    this.spikeThreshold = options.spikeThreshold ?? 10;
  }

  private async hand(alerts: readonly Alert[]): Promise<void> {
    for (const alert of alerts) await this.sink.deliver(alert);
  }

  // -------------------------------------------------------------------- stock levels

  /** A StockLevelChanged: opens or closes the level's episodes; older versions change nothing. */
  async applyLevel(change: LevelChange, context: Context): Promise<Alert[]> {
    for (let attempt = 0; ; attempt++) {
      const before = await this.store.level(change.sku, change.locationId);
      if (before && before.version > change.levelVersion) return [];
      if (before && before.version === change.levelVersion) {
        // Delivered again: hand again what this version raised (a crash may have cut delivery short).
        const again = await this.store.alerts(before.handed);
        await this.hand(again);
        return again;
      }
      const { next, alerts } = await this.evaluate(before, change, context);
      const result = await this.store.commitLevel(next, before?.version, alerts);
      if (result === 'committed') {
        await this.hand(alerts);
        return alerts;
      }
      if (attempt >= MAX_CONFLICT_RETRIES)
        throw new Error(`level ${change.sku}@${change.locationId} kept changing`);
    }
  }

  private async evaluate(
    before: LevelState | undefined,
    change: LevelChange,
    context: Context,
  ): Promise<{ next: LevelState; alerts: Alert[] }> {
    const { sku, locationId, quantities } = change;
    const reorderPoint = change.reorderPoint ?? before?.reorderPoint;
    const low = reorderPoint !== undefined && quantities.available <= reorderPoint;
    const out = quantities.available <= 0;
    const wasLow = before?.low ?? false;
    const wasOut = before?.out ?? false;
    const next: LevelState = {
      sku,
      locationId,
      version: change.levelVersion,
      quantities,
      ...(reorderPoint === undefined ? {} : { reorderPoint }),
      low,
      out,
      lowEpisode: before?.lowEpisode ?? 0,
      outEpisode: before?.outEpisode ?? 0,
      ...(before?.openLowAlertId ? { openLowAlertId: before.openLowAlertId } : {}),
      ...(before?.openOutAlertId ? { openOutAlertId: before.openOutAlertId } : {}),
      handed: [],
    };
    // A level first seen empty, never stocked (a product just created): its state, not a drop.
    const fresh = !before && quantities.onHand === 0 && quantities.reserved === 0;
    if (fresh) return { next, alerts: [] };
    const opensLow = low && !wasLow;
    const opensOut = out && !wasOut;
    const closesLow = !low && wasLow;
    const closesOut = !out && wasOut;
    if (!opensLow && !opensOut && !closesLow && !closesOut) return { next, alerts: [] };

    const [product, incoming] = await Promise.all([
      this.store.product(sku),
      this.store.incoming(sku, locationId),
    ]);
    const facts: StockFacts = {
      sku,
      locationId,
      quantities,
      ...(reorderPoint === undefined ? {} : { reorderPoint }),
      ...(product ? { product } : {}),
      incoming,
      occurredAt: context.occurredAt,
    };
    const alerts: Alert[] = [];
    const open = await this.store.alerts(
      [closesLow && before?.openLowAlertId, closesOut && before?.openOutAlertId].filter(
        (id): id is string => typeof id === 'string',
      ),
    );
    for (const alert of open) alerts.push(resolvedStockAlert(alert, facts));
    if (closesLow) delete next.openLowAlertId;
    if (closesOut) {
      // Sellable again: worth saying when running out was (once per episode: its id comes from it).
      if (before?.openOutAlertId) alerts.push(stockAlert('BackInStock', next.outEpisode, facts));
      delete next.openOutAlertId;
    }
    if (opensLow) next.lowEpisode++;
    if (opensOut) next.outEpisode++;
    if (opensOut) {
      // Out of stock says more than low: one alert for the crossing (the low episode opens with it).
      const alert = stockAlert('OutOfStock', next.outEpisode, facts);
      next.openOutAlertId = alert.id;
      alerts.push(alert);
    } else if (opensLow) {
      const alert = stockAlert('StockLow', next.lowEpisode, facts);
      next.openLowAlertId = alert.id;
      alerts.push(alert);
    }
    next.handed = alerts.map((a) => a.id);
    return { next, alerts };
  }

  // -------------------------------------------------------------------- one-off alerts

  private async raise(alert: Alert): Promise<Alert> {
    const stored = await this.store.raiseOnce(alert);
    await this.sink.deliver(stored);
    return stored;
  }

  async shortfall(facts: Omit<ShortfallFacts, 'product'>): Promise<Alert> {
    const product = await this.store.product(facts.sku);
    return this.raise(shortfallAlert({ ...facts, ...(product ? { product } : {}) }));
  }

  async ledgerDrift(facts: Parameters<typeof ledgerDriftAlert>[0]): Promise<Alert> {
    return this.raise(ledgerDriftAlert(facts));
  }

  /** One rejected order or expired reservation: counted once per event; the window's threshold-th raises the spike. */
  async countTowardsSpike(kind: SpikeType, eventId: string, occurredAt: string): Promise<Alert | undefined> {
    const windowStart = spikeWindowStart(occurredAt);
    const expiresAt = Math.floor((Date.parse(windowStart) + 2 * SPIKE_WINDOW_MS) / 1000) + 24 * 3600;
    const count = await this.store.countOnce(kind, windowStart, eventId, expiresAt);
    if (count < this.spikeThreshold) return undefined;
    // Raised once per window (its id comes from the window), whichever event got there.
    return this.raise(spikeAlert(kind, windowStart, count, occurredAt));
  }

  // -------------------------------------------------------------------- purchase orders

  async purchaseOrderAlert(
    type: PurchaseOrderAlertType,
    ref: { purchaseOrderId: string; supplierId: string; locationId: string; expectedBy?: string },
    sentence: string,
    occurredAt: string,
    details: Record<string, string | number> = {},
  ): Promise<Alert> {
    const po = await this.store.purchaseOrder(ref.purchaseOrderId);
    const lines = po?.lines ?? [];
    const product = lines.length === 1 ? await this.store.product(lines[0]!.sku) : undefined;
    const expectedBy = ref.expectedBy ?? po?.expectedBy;
    const facts: PurchaseOrderFacts = {
      purchaseOrderId: ref.purchaseOrderId,
      supplierId: ref.supplierId,
      locationId: ref.locationId,
      lines,
      ...(product ? { product } : {}),
      ...(expectedBy ? { expectedBy } : {}),
      occurredAt,
    };
    return this.raise(purchaseOrderAlert(type, facts, sentence, details));
  }

  /** What a PO event says of its lines, receipts and ETA (the incoming stock alerts show). */
  async trackPurchaseOrder(
    ref: { purchaseOrderId: string; supplierId: string; locationId: string },
    change: {
      lines?: { sku: string; quantity: number }[];
      expectedBy?: string;
      receipt?: { id: string; lines: { sku: string; quantity: number }[]; status: PurchaseOrderStatus };
      closed?: boolean;
    },
  ): Promise<void> {
    const po: PurchaseOrderState = (await this.store.purchaseOrder(ref.purchaseOrderId)) ?? {
      ...ref,
      lines: [],
      received: {},
      receipts: [],
      closed: false,
    };
    if (change.lines && change.lines.length > 0 && po.lines.length === 0) po.lines = change.lines;
    if (change.expectedBy) po.expectedBy = change.expectedBy;
    if (change.receipt && !po.receipts.includes(change.receipt.id)) {
      po.receipts.push(change.receipt.id);
      for (const line of change.receipt.lines)
        po.received[line.sku] = (po.received[line.sku] ?? 0) + line.quantity;
      if (FINAL_PO_STATUSES.includes(change.receipt.status as PurchaseOrderStatus)) po.closed = true;
    }
    if (change.closed) po.closed = true;
    await this.store.putPurchaseOrder(po);
  }

  // -------------------------------------------------------------------- projections

  async product(info: ProductInfo): Promise<void> {
    await this.store.putProduct(info);
  }

  async person(recipient: Recipient): Promise<void> {
    await this.store.putRecipient(recipient);
  }

  // -------------------------------------------------------------------- days of cover

  /**
   * A planning run's word on a SKU × location: `low` (DaysOfCoverLow) opens an episode and raises
   * its alert once; not low (DaysOfCoverRecovered) closes it and resolves the alert. Hourly repeats
   * of the same state change nothing; an event of a run older than the last applied is ignored;
   * the same run's event again re-hands what it raised.
   */
  async daysOfCover(facts: Omit<CoverFacts, 'product'> & { low: boolean }): Promise<Alert | undefined> {
    const { sku, locationId, runAt, low } = facts;
    for (let attempt = 0; ; attempt++) {
      const before = await this.store.coverState(sku, locationId);
      const order = before ? Date.parse(before.runAt) - Date.parse(runAt) : -1;
      if (order > 0) return undefined;
      if (before && order === 0) {
        const [again] = before.handed ? await this.store.alerts([before.handed]) : [];
        if (again) await this.sink.deliver(again);
        return again;
      }
      if (low === (before?.low ?? false)) return undefined;
      let next: CoverState;
      let alert: Alert | undefined;
      if (low) {
        const product = await this.store.product(sku);
        const episode = (before?.episode ?? 0) + 1;
        alert = coverLowAlert(episode, { ...facts, ...(product ? { product } : {}) });
        next = { sku, locationId, runAt, low, episode, openAlertId: alert.id, handed: alert.id };
      } else {
        const [open] = before?.openAlertId ? await this.store.alerts([before.openAlertId]) : [];
        alert = open && resolvedCoverAlert(open, facts);
        next = {
          sku,
          locationId,
          runAt,
          low,
          episode: before?.episode ?? 0,
          ...(alert ? { handed: alert.id } : {}),
        };
      }
      const result = await this.store.commitCover(next, before?.runAt, alert);
      if (result === 'committed') {
        if (alert) await this.sink.deliver(alert);
        return alert;
      }
      if (attempt >= MAX_CONFLICT_RETRIES) throw new Error(`cover of ${sku}@${locationId} kept changing`);
    }
  }

  // -------------------------------------------------------------------- dead-letter queues

  /** The depth of a dead-letter queue now: a first message opens an episode (one alert); empty again resolves it. */
  async deadLetterDepth(queue: string, depth: number, at: string): Promise<Alert | undefined> {
    for (let attempt = 0; ; attempt++) {
      const state = await this.store.deadLetterState(queue);
      const open = state?.openAlertId;
      let next: DeadLetterState;
      let alert: Alert;
      if (depth > 0 && !open) {
        const episode = (state?.episode ?? 0) + 1;
        alert = deadLetterAlert(queue, episode, depth, at);
        next = { queue, episode, openAlertId: alert.id };
      } else if (depth === 0 && state && open) {
        const [current] = await this.store.alerts([open]);
        next = { queue, episode: state.episode };
        alert = current ? resolvedDeadLetterAlert(current, at) : deadLetterAlert(queue, state.episode, 0, at);
      } else {
        return undefined;
      }
      const result = await this.store.commitDeadLetter(next, state?.episode, alert);
      if (result === 'committed') {
        await this.sink.deliver(alert);
        return alert;
      }
      if (attempt >= MAX_CONFLICT_RETRIES) throw new Error(`dead-letter state of ${queue} kept changing`);
    }
  }
}
