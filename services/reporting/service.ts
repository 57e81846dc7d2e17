import type { ServiceDecl } from '../../lib/topology.ts';
import { ProductCreated, ProductDeleted, ProductUpdated } from '../catalog/contract.ts';
import { OrderCompleted, OrderRejected, OrderReleased, OrderReserved } from '../orders/contract.ts';
import {
  PurchaseOrderCancelled,
  PurchaseOrderCreated,
  PurchaseOrderFailed,
  PurchaseOrderReceiptRecorded,
  PurchaseOrderRejected,
  PurchaseOrderSent,
} from '../replenishment/contract.ts';
import { ReservationExpired, StockLevelChanged } from '../stock/contract.ts';
import { reportingPublishedEvents } from './events.ts';

/** The events the reporting read model is fed by (its `reporting-events` queue). */
export const reportingEvents = [
  StockLevelChanged,
  ReservationExpired,
  ProductCreated,
  ProductUpdated,
  ProductDeleted,
  OrderReserved,
  OrderRejected,
  OrderCompleted,
  OrderReleased,
  PurchaseOrderCreated,
  PurchaseOrderSent,
  PurchaseOrderReceiptRecorded,
  PurchaseOrderCancelled,
  PurchaseOrderRejected,
  PurchaseOrderFailed,
] as const;

/**
 * Everything the reporting service has. `infra/` and `local/` are both built from this. Its
 * data is a SQL read model (Aurora PostgreSQL through the RDS Data API; PGlite behind the local
 * Data API endpoint): a star schema upserted from events, idempotently by event id.
 */
export const reportingService = {
  name: 'reporting',
  tables: [],
  database: { name: 'reporting', migrations: 'services/reporting/migrations' },
  bucket: 'reporting-exports',
  functions: [
    {
      id: 'api',
      entry: 'services/reporting/handlers/api.ts',
      description:
        'Reporting HTTP API: the summary and the reports (JSON or CSV), forecasts, reorder suggestions',
      tables: [],
      database: true,
      http: ['/api/v1/reports', '/api/v1/forecasts', '/api/v1/reorder-suggestions'],
      timeoutSeconds: 30,
    },
    {
      id: 'events',
      entry: 'services/reporting/handlers/events.ts',
      description:
        'Upserts the read model from stock, catalog, order and purchase-order events (once per event id)',
      tables: [],
      database: true,
      timeoutSeconds: 60,
    },
    {
      id: 'planning',
      entry: 'services/reporting/handlers/planning.ts',
      description:
        'Scheduled: days of cover per SKU and location from the forecasts; publishes DaysOfCoverLow (below the lead time) and DaysOfCoverRecovered',
      tables: [],
      database: true,
      publishes: true,
      scheduleMinutes: 60,
      timeoutSeconds: 300,
    },
  ],
  queues: [
    {
      name: 'reporting-events',
      handler: 'events',
      batchSize: 10,
      visibilityTimeoutSeconds: 120,
      maxReceiveCount: 5,
      subscribesTo: reportingEvents.map((e) => e.type),
    },
  ],
  publishes: reportingPublishedEvents.map((e) => e.type),
} satisfies ServiceDecl;
