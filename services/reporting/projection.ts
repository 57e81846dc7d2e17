import type { z } from 'zod';
import type { Sql } from '../../lib/sql.ts';
import type { ProductSnapshot } from '../catalog/contract.ts';
import type { reportingEvents } from './service.ts';

type Consumed = (typeof reportingEvents)[number];
type EnvelopeOf<T extends Consumed['type']> = z.infer<Extract<Consumed, { type: T }>['envelope']>;
type AnyConsumed = { [T in Consumed['type']]: EnvelopeOf<T> }[Consumed['type']];

const day = (iso: string) => iso.slice(0, 10);
const ts = (iso: string) => ({ timestamp: iso.replace('T', ' ').replace('Z', '') });
const date = (iso: string) => ({ date: day(iso) });

/**
 * The read model's writer: each event in one transaction with its `processed_event` row, so an
 * event applied twice (a redelivery, a replay, a rebuild over live traffic) changes nothing the
 * second time. Every upsert is keyed by what the fact is about, and the rows that change over
 * time (a level, a product, an order line's status) keep the newest by version or by the order of
 * a lifecycle, so events arriving out of order give the same tables.
 */
export class ReadModel {
  constructor(private readonly sql: Sql) {}

  /** Applies the event once; false when it had been applied before. */
  async apply(event: AnyConsumed): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const fresh = await tx.query(
        `INSERT INTO processed_event (event_id, type, occurred_at) VALUES (:id, :type, :at)
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        { id: event.id, type: event.type, at: ts(event.occurredAt) },
      );
      if (fresh.length === 0) return false;
      await new Writer(tx).write(event);
      return true;
    });
  }
}

class Writer {
  constructor(private readonly tx: Sql) {}

  async write(event: AnyConsumed): Promise<void> {
    switch (event.type) {
      case 'StockLevelChanged':
        return this.level(event);
      case 'ReservationExpired':
        return this.expired(event);
      case 'ProductCreated':
      case 'ProductUpdated':
        return this.product(event.data, event.occurredAt);
      case 'ProductDeleted':
        return this.productDeleted(event);
      case 'OrderReserved':
        return this.orderReserved(event);
      case 'OrderRejected':
        return this.orderRejected(event);
      case 'OrderCompleted':
        return this.orderClosed(event.data.orderId, 'fulfilled', event.occurredAt, null);
      case 'OrderReleased':
        return this.orderClosed(event.data.orderId, 'released', event.occurredAt, event.data.reason);
      case 'PurchaseOrderCreated':
        return this.poCreated(event);
      case 'PurchaseOrderSent':
        return this.poStatus(event.data.purchaseOrderId, 'SENT', null, event.data.expectedBy);
      case 'PurchaseOrderReceiptRecorded':
        return this.receipt(event);
      case 'PurchaseOrderCancelled':
        return this.poStatus(event.data.purchaseOrderId, 'CANCELLED', event.occurredAt);
      case 'PurchaseOrderRejected':
        return this.poStatus(event.data.purchaseOrderId, 'REJECTED', event.occurredAt);
      case 'PurchaseOrderFailed':
        return this.poStatus(event.data.purchaseOrderId, 'FAILED', event.occurredAt);
    }
  }

  private async day(iso: string): Promise<void> {
    await this.tx.execute(
      `INSERT INTO dim_date (day, iso_year, iso_week, month, weekday)
       VALUES (:day, EXTRACT(ISOYEAR FROM CAST(:day AS date))::int, EXTRACT(WEEK FROM CAST(:day AS date))::int,
               to_char(CAST(:day AS date), 'YYYY-MM'), EXTRACT(ISODOW FROM CAST(:day AS date))::int)
       ON CONFLICT (day) DO NOTHING`,
      { day: date(iso) },
    );
  }

  private async level(event: EnvelopeOf<'StockLevelChanged'>): Promise<void> {
    const d = event.data;
    const q = d.quantities;
    await this.day(event.occurredAt);
    await this.tx.execute(
      `INSERT INTO dim_location (location_id) VALUES (:location) ON CONFLICT DO NOTHING`,
      { location: d.locationId },
    );
    const params = {
      sku: d.sku,
      location: d.locationId,
      version: d.levelVersion,
      onHand: q.onHand,
      reserved: q.reserved,
      incoming: q.incoming,
      safety: q.safetyStock,
      available: q.available,
      reorderPoint: d.reorderPoint ?? null,
      at: ts(event.occurredAt),
      day: date(event.occurredAt),
    };
    await this.tx.execute(
      `INSERT INTO level_current (sku, location_id, level_version, on_hand, reserved, incoming, safety_stock, available, reorder_point, updated_at)
       VALUES (:sku, :location, :version, :onHand, :reserved, :incoming, :safety, :available, :reorderPoint, :at)
       ON CONFLICT (sku, location_id) DO UPDATE SET
         level_version = EXCLUDED.level_version, on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved,
         incoming = EXCLUDED.incoming, safety_stock = EXCLUDED.safety_stock, available = EXCLUDED.available,
         reorder_point = EXCLUDED.reorder_point, updated_at = EXCLUDED.updated_at
       WHERE level_current.level_version < EXCLUDED.level_version`,
      params,
    );
    await this.tx.execute(
      `INSERT INTO fact_level_daily (day, sku, location_id, level_version, on_hand, reserved, available)
       VALUES (:day, :sku, :location, :version, :onHand, :reserved, :available)
       ON CONFLICT (sku, location_id, day) DO UPDATE SET
         level_version = EXCLUDED.level_version, on_hand = EXCLUDED.on_hand,
         reserved = EXCLUDED.reserved, available = EXCLUDED.available
       WHERE fact_level_daily.level_version < EXCLUDED.level_version`,
      params,
    );
    // Events from before the ledger line was added to them carry no deltas: no movement fact.
    if (!d.deltas) return;
    await this.tx.execute(
      `INSERT INTO fact_movement (movement_id, sku, location_id, kind, reason, reference, actor, at, day,
         d_on_hand, d_reserved, d_incoming, on_hand_after, reserved_after, incoming_after, level_version)
       VALUES (:movement, :sku, :location, :kind, :reason, :reference, :actor, :at, :day,
         :dOnHand, :dReserved, :dIncoming, :onHand, :reserved, :incoming, :version)
       ON CONFLICT (movement_id, sku, location_id) DO NOTHING`,
      {
        ...params,
        movement: d.movementId,
        kind: d.kind,
        reason: d.reason ?? null,
        reference: d.reference ?? null,
        actor: d.actor ?? null,
        dOnHand: d.deltas.onHand,
        dReserved: d.deltas.reserved,
        dIncoming: d.deltas.incoming,
      },
    );
  }

  private async expired(event: EnvelopeOf<'ReservationExpired'>): Promise<void> {
    await this.day(event.occurredAt);
    for (const line of event.data.lines) {
      await this.tx.execute(
        `INSERT INTO fact_reservation_event (event_id, sku, kind, quantity, at, day)
         VALUES (:id, :sku, 'expired', :quantity, :at, :day)
         ON CONFLICT (event_id, sku, kind) DO UPDATE SET quantity = fact_reservation_event.quantity + EXCLUDED.quantity`,
        {
          id: event.id,
          sku: line.sku,
          quantity: line.quantity,
          at: ts(event.occurredAt),
          day: date(event.occurredAt),
        },
      );
    }
  }

  private async product(p: ProductSnapshot, at: string): Promise<void> {
    await this.tx.execute(
      `INSERT INTO dim_product (sku, name, category, price_minor, cost_minor, currency, reorder_point, safety_stock, status, deleted, version, updated_at)
       VALUES (:sku, :name, :category, :price, :cost, :currency, :reorderPoint, :safety, :status, false, :version, :at)
       ON CONFLICT (sku) DO UPDATE SET
         name = EXCLUDED.name, category = EXCLUDED.category, price_minor = EXCLUDED.price_minor,
         cost_minor = EXCLUDED.cost_minor, currency = EXCLUDED.currency, reorder_point = EXCLUDED.reorder_point,
         safety_stock = EXCLUDED.safety_stock, status = EXCLUDED.status, deleted = false,
         version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
       WHERE dim_product.version < EXCLUDED.version`,
      {
        sku: p.sku,
        name: p.name,
        category: p.category,
        price: p.price.amount,
        cost: p.cost.amount,
        currency: p.cost.currency,
        reorderPoint: p.reorderPoint,
        safety: p.safetyStock,
        status: p.status,
        version: p.version,
        at: ts(at),
      },
    );
  }

  private async productDeleted(event: EnvelopeOf<'ProductDeleted'>): Promise<void> {
    // Kept (its facts still need a name), marked deleted; a snapshot older than the deletion loses.
    await this.tx.execute(
      `INSERT INTO dim_product (sku, name, category, status, deleted, version, updated_at)
       VALUES (:sku, :sku, '', 'archived', true, :version, :at)
       ON CONFLICT (sku) DO UPDATE SET deleted = true, status = 'archived', version = EXCLUDED.version,
         updated_at = EXCLUDED.updated_at
       WHERE dim_product.version < EXCLUDED.version`,
      { sku: event.data.sku, version: event.data.version, at: ts(event.occurredAt) },
    );
  }

  private async orderReserved(event: EnvelopeOf<'OrderReserved'>): Promise<void> {
    await this.day(event.occurredAt);
    for (const line of event.data.lines) {
      await this.orderLine(event.data.orderId, line.sku, line.quantity, 'placed', event.occurredAt);
    }
  }

  private async orderRejected(event: EnvelopeOf<'OrderRejected'>): Promise<void> {
    await this.day(event.occurredAt);
    for (const s of event.data.shortfalls) {
      // Lost sales: what was asked for and could not be had.
      await this.orderLine(event.data.orderId, s.sku, s.requested, 'rejected', event.occurredAt);
      await this.tx.execute(
        `INSERT INTO fact_reservation_event (event_id, sku, kind, quantity, at, day)
         VALUES (:id, :sku, 'rejected', :quantity, :at, :day)
         ON CONFLICT (event_id, sku, kind) DO NOTHING`,
        {
          id: event.id,
          sku: s.sku,
          quantity: s.requested,
          at: ts(event.occurredAt),
          day: date(event.occurredAt),
        },
      );
    }
  }

  /** A line placed or rejected: its placing time is the earliest seen; a closed line stays closed. */
  private async orderLine(orderId: string, sku: string, quantity: number, status: string, at: string) {
    await this.tx.execute(
      `INSERT INTO fact_order_line (order_id, sku, quantity, status, placed_at, placed_day)
       VALUES (:order, :sku, :quantity, :status, :at, :day)
       ON CONFLICT (order_id, sku) DO UPDATE SET
         quantity = EXCLUDED.quantity,
         placed_at = LEAST(fact_order_line.placed_at, EXCLUDED.placed_at),
         placed_day = LEAST(fact_order_line.placed_day, EXCLUDED.placed_day),
         status = CASE WHEN fact_order_line.status IN ('fulfilled', 'released') THEN fact_order_line.status
                       ELSE EXCLUDED.status END`,
      { order: orderId, sku, quantity, status, at: ts(at), day: date(at) },
    );
    // The order may have ended before this line arrived.
    await this.tx.execute(
      `UPDATE fact_order_line l SET status = c.status, closed_at = c.closed_at, release_reason = c.release_reason
       FROM order_close c
       WHERE c.order_id = l.order_id AND l.order_id = :order AND l.sku = :sku AND l.status IN ('placed', 'rejected')`,
      { order: orderId, sku },
    );
  }

  /** Fulfilled or released: every line of the order, whenever its placing arrives. */
  private async orderClosed(orderId: string, status: string, at: string, reason: string | null) {
    await this.tx.execute(
      `INSERT INTO order_close (order_id, status, closed_at, release_reason) VALUES (:order, :status, :at, :reason)
       ON CONFLICT (order_id) DO NOTHING`,
      { order: orderId, status, at: ts(at), reason },
    );
    await this.tx.execute(
      `UPDATE fact_order_line SET status = :status, closed_at = :at, release_reason = :reason
       WHERE order_id = :order AND status IN ('placed', 'rejected')`,
      { order: orderId, status, at: ts(at), reason },
    );
  }

  private async poCreated(event: EnvelopeOf<'PurchaseOrderCreated'>): Promise<void> {
    const d = event.data;
    await this.tx.execute(
      `INSERT INTO dim_supplier (supplier_id) VALUES (:supplier) ON CONFLICT DO NOTHING`,
      {
        supplier: d.supplierId,
      },
    );
    for (const line of d.lines) {
      await this.tx.execute(
        `INSERT INTO fact_po_line (purchase_order_id, sku, supplier_id, location_id, quantity, unit_cost_minor, currency,
           created_at, expected_by, status)
         VALUES (:po, :sku, :supplier, :location, :quantity, :cost, :currency, :at, :expected, 'CREATED')
         ON CONFLICT (purchase_order_id, sku) DO UPDATE SET quantity = EXCLUDED.quantity,
           unit_cost_minor = EXCLUDED.unit_cost_minor, created_at = EXCLUDED.created_at`,
        {
          po: d.purchaseOrderId,
          sku: line.sku,
          supplier: d.supplierId,
          location: d.locationId,
          quantity: line.quantity,
          cost: line.unitCost.amount,
          currency: line.unitCost.currency,
          at: ts(event.occurredAt),
          expected: ts(d.expectedBy),
        },
      );
    }
  }

  /** A status a PO reaches; a final one (closed) is never overwritten by a later-arriving earlier one. */
  private async poStatus(po: string, status: string, closedAt: string | null, expectedBy?: string) {
    await this.tx.execute(
      `UPDATE fact_po_line SET
         status = CASE WHEN closed_at IS NOT NULL THEN status ELSE :status END,
         closed_at = COALESCE(closed_at, :closed),
         expected_by = COALESCE(:expected, expected_by)
       WHERE purchase_order_id = :po`,
      {
        po,
        status,
        closed: closedAt ? ts(closedAt) : null,
        expected: expectedBy ? ts(expectedBy) : null,
      },
    );
  }

  private async receipt(event: EnvelopeOf<'PurchaseOrderReceiptRecorded'>): Promise<void> {
    const d = event.data;
    await this.day(event.occurredAt);
    for (const line of d.lines) {
      await this.tx.execute(
        `INSERT INTO fact_receipt (receipt_id, sku, purchase_order_id, supplier_id, location_id, quantity,
           unit_cost_minor, currency, at, day, lead_time_days, on_time)
         VALUES (:receipt, :sku, :po, :supplier, :location, :quantity, :cost, :currency, :at, :day, :lead, :onTime)
         ON CONFLICT (receipt_id, sku) DO NOTHING`,
        {
          receipt: d.receiptId,
          sku: line.sku,
          po: d.purchaseOrderId,
          supplier: d.supplierId,
          location: d.locationId,
          quantity: line.quantity,
          cost: line.unitCost.amount,
          currency: line.unitCost.currency,
          at: ts(event.occurredAt),
          day: date(event.occurredAt),
          lead: { decimal: String(d.leadTimeDays) },
          onTime: d.onTime,
        },
      );
    }
    if (d.status === 'RECEIVED') await this.poStatus(d.purchaseOrderId, 'RECEIVED', event.occurredAt);
  }
}
