import type { z } from 'zod';
import { eventConsumer } from '../../../lib/consumer.ts';
import type { EventDefinition } from '../../../lib/events.ts';
import type { ProductSnapshot } from '../../catalog/contract.ts';
import { consumedEvents } from '../service.ts';
import { defaultAlerting, defaultAlertStore } from '../wiring.ts';

type Consumed = (typeof consumedEvents)[number];
type EnvelopeOf<T extends Consumed['type']> = z.infer<Extract<Consumed, { type: T }>['envelope']>;
// biome-ignore lint/suspicious/noExplicitAny: any envelope of the consumed events
type AnyEnvelope = z.infer<EventDefinition<string, any>['envelope']>;

const ctx = (event: AnyEnvelope) => ({ correlationId: event.correlationId, occurredAt: event.occurredAt });

const productOf = (p: ProductSnapshot) => ({
  sku: p.sku,
  name: p.name,
  category: p.category,
  status: p.status,
  reorderPoint: p.reorderPoint,
  version: p.version,
});

const ESCALATION = {
  acknowledgement_overdue: ['AcknowledgementOverdue', 'The supplier has not acknowledged it'],
  delivery_overdue: ['DeliveryOverdue', 'It has not been delivered by the date promised'],
} as const;

/**
 * Turns other services' events into alerts (once per episode or event) and keeps the projections
 * alerts need: product names, open purchase orders and their ETA, the people to tell. Every
 * handler is idempotent; a failure is retried by SQS and then lands in the DLQ.
 */
export const handler = eventConsumer('notifications', consumedEvents, {
  StockLevelChanged: async (e: EnvelopeOf<'StockLevelChanged'>) => {
    await defaultAlerting().applyLevel(e.data, ctx(e));
  },
  StockShortfall: async (e: EnvelopeOf<'StockShortfall'>) => {
    const { sku, locationId, movementId, onHand, reserved, shortfall, reservations, unlisted } = e.data;
    await defaultAlerting().shortfall({
      sku,
      locationId,
      movementId,
      onHand,
      reserved,
      shortfall,
      reservationsAtRisk: reservations.length + unlisted,
      occurredAt: e.occurredAt,
    });
  },
  DaysOfCoverLow: async (e: EnvelopeOf<'DaysOfCoverLow'>) => {
    const { sku, locationId, daysOfCover, leadTimeDays, available, dailyDemand, runAt } = e.data;
    await defaultAlerting().daysOfCover({
      sku,
      locationId,
      daysOfCover,
      leadTimeDays,
      available,
      dailyDemand,
      runAt,
      low: true,
    });
  },
  DaysOfCoverRecovered: async (e: EnvelopeOf<'DaysOfCoverRecovered'>) => {
    await defaultAlerting().daysOfCover({ ...e.data, low: false });
  },
  LedgerDriftDetected: async (e: EnvelopeOf<'LedgerDriftDetected'>) => {
    await defaultAlerting().ledgerDrift({ ...e.data, occurredAt: e.occurredAt });
  },
  ReservationExpired: async (e: EnvelopeOf<'ReservationExpired'>) => {
    await defaultAlerting().countTowardsSpike('ExpiredReservationsSpike', e.id, e.occurredAt);
  },
  OrderRejected: async (e: EnvelopeOf<'OrderRejected'>) => {
    await defaultAlerting().countTowardsSpike('RejectedOrdersSpike', e.id, e.occurredAt);
  },
  PurchaseOrderCreated: async (e: EnvelopeOf<'PurchaseOrderCreated'>) => {
    const { lines, expectedBy } = e.data;
    await defaultAlerting().trackPurchaseOrder(e.data, { lines, expectedBy });
  },
  PurchaseOrderAwaitingApproval: async (e: EnvelopeOf<'PurchaseOrderAwaitingApproval'>) => {
    const { total, approvalThreshold } = e.data;
    const money = (m: typeof total) => `${(m.amount / 100).toFixed(2)} ${m.currency}`;
    await defaultAlerting().purchaseOrderAlert(
      'PurchaseOrderAwaitingApproval',
      e.data,
      `It totals ${money(total)}, above the ${money(approvalThreshold)} that needs a manager's approval. Approve or reject it.`,
      e.occurredAt,
      { total: money(total) },
    );
  },
  PurchaseOrderSent: async (e: EnvelopeOf<'PurchaseOrderSent'>) => {
    const { lines, expectedBy } = e.data;
    await defaultAlerting().trackPurchaseOrder(e.data, { lines, expectedBy });
  },
  PurchaseOrderAcknowledged: async (e: EnvelopeOf<'PurchaseOrderAcknowledged'>) => {
    await defaultAlerting().trackPurchaseOrder(e.data, { expectedBy: e.data.expectedBy });
  },
  PurchaseOrderShipped: async (e: EnvelopeOf<'PurchaseOrderShipped'>) => {
    const { expectedBy, supplierReference } = e.data;
    const alerting = defaultAlerting();
    await alerting.trackPurchaseOrder(e.data, { expectedBy });
    await alerting.purchaseOrderAlert(
      'InboundShipment',
      { ...e.data },
      `The supplier shipped it${supplierReference ? ` (their reference ${supplierReference})` : ''}. Be ready to receive it.`,
      e.occurredAt,
    );
  },
  PurchaseOrderReceiptRecorded: async (e: EnvelopeOf<'PurchaseOrderReceiptRecorded'>) => {
    const { receiptId, lines, status } = e.data;
    await defaultAlerting().trackPurchaseOrder(e.data, { receipt: { id: receiptId, lines, status } });
  },
  PurchaseOrderCancelled: async (e: EnvelopeOf<'PurchaseOrderCancelled'>) => {
    await defaultAlerting().trackPurchaseOrder(e.data, { closed: true });
  },
  PurchaseOrderRejected: async (e: EnvelopeOf<'PurchaseOrderRejected'>) => {
    const alerting = defaultAlerting();
    await alerting.trackPurchaseOrder(e.data, { closed: true });
    // A manager's own rejection needs no alert; a supplier's does.
    if (e.data.by !== 'supplier') return;
    const { reason, replacedBy } = e.data;
    const next = replacedBy
      ? ` It was re-ordered from another supplier as ${replacedBy}.`
      : ' Order it elsewhere.';
    await alerting.purchaseOrderAlert(
      'PurchaseOrderRejected',
      e.data,
      `The supplier declined it${reason ? `: ${reason}` : ''}.${next}`,
      e.occurredAt,
      { ...(reason ? { reason } : {}), ...(replacedBy ? { replacedBy } : {}) },
    );
  },
  PurchaseOrderFailed: async (e: EnvelopeOf<'PurchaseOrderFailed'>) => {
    const alerting = defaultAlerting();
    await alerting.trackPurchaseOrder(e.data, { closed: true });
    const { reason, replacedBy } = e.data;
    const next = replacedBy
      ? ` It was re-ordered from another supplier as ${replacedBy}.`
      : ' No other supplier is left: order by hand.';
    await alerting.purchaseOrderAlert(
      'PurchaseOrderFailed',
      e.data,
      `It could not be placed: ${reason}.${next}`,
      e.occurredAt,
      { reason, ...(replacedBy ? { replacedBy } : {}) },
    );
  },
  PurchaseOrderEscalated: async (e: EnvelopeOf<'PurchaseOrderEscalated'>) => {
    // Approval overdue: the awaiting-approval alert already stands.
    if (e.data.kind === 'approval_overdue') return;
    const [type, sentence] = ESCALATION[e.data.kind];
    await defaultAlerting().purchaseOrderAlert(
      type,
      e.data,
      `${sentence} (waiting since ${e.data.since.slice(0, 10)}).`,
      e.occurredAt,
      {
        status: e.data.status,
        since: e.data.since,
      },
    );
  },
  ProductCreated: async (e: EnvelopeOf<'ProductCreated'>) => {
    await defaultAlerting().product(productOf(e.data));
  },
  ProductUpdated: async (e: EnvelopeOf<'ProductUpdated'>) => {
    await defaultAlerting().product(productOf(e.data));
  },
  ProductDeleted: async (e: EnvelopeOf<'ProductDeleted'>) => {
    const known = await defaultAlertStore().product(e.data.sku);
    await defaultAlerting().product({
      sku: e.data.sku,
      name: known?.name ?? e.data.sku,
      category: known?.category ?? '',
      status: 'archived',
      reorderPoint: known?.reorderPoint ?? 0,
      version: e.data.version,
      deleted: true,
    });
  },
  UserChanged: async (e: EnvelopeOf<'UserChanged'>) => {
    await defaultAlerting().person(e.data);
  },
});
