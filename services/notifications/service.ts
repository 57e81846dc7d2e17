import type { ServiceDecl } from '../../lib/topology.ts';
import { ProductCreated, ProductDeleted, ProductUpdated } from '../catalog/contract.ts';
import { UserChanged } from '../identity/contract.ts';
import { OrderRejected } from '../orders/contract.ts';
import {
  PurchaseOrderAcknowledged,
  PurchaseOrderAwaitingApproval,
  PurchaseOrderCancelled,
  PurchaseOrderCreated,
  PurchaseOrderEscalated,
  PurchaseOrderFailed,
  PurchaseOrderReceiptRecorded,
  PurchaseOrderRejected,
  PurchaseOrderSent,
  PurchaseOrderShipped,
} from '../replenishment/contract.ts';
import { DaysOfCoverLow, DaysOfCoverRecovered } from '../reporting/events.ts';
import {
  LedgerDriftDetected,
  ReservationExpired,
  StockLevelChanged,
  StockShortfall,
} from '../stock/contract.ts';

/** The events the notifications service learns from (its `notifications-events` queue). */
export const consumedEvents = [
  // alerts
  StockLevelChanged,
  StockShortfall,
  LedgerDriftDetected,
  ReservationExpired,
  OrderRejected,
  PurchaseOrderAwaitingApproval,
  PurchaseOrderFailed,
  PurchaseOrderRejected,
  PurchaseOrderEscalated,
  PurchaseOrderShipped,
  DaysOfCoverLow,
  DaysOfCoverRecovered,
  // what an alert says: product names, incoming stock and its ETA, who to tell
  PurchaseOrderCreated,
  PurchaseOrderSent,
  PurchaseOrderAcknowledged,
  PurchaseOrderReceiptRecorded,
  PurchaseOrderCancelled,
  ProductCreated,
  ProductUpdated,
  ProductDeleted,
  UserChanged,
] as const;

export const SEND_QUEUE = 'notifications-send';
export const SES_FEEDBACK_QUEUE = 'notifications-ses-feedback';
/** Metric (namespace `Azura`, dimension `service=notifications`) of deliveries that failed every retry. */
export const DELIVERY_FAILED_METRIC = 'NotificationDeliveryFailed';

/**
 * Everything the notifications service has. `infra/` and `local/` are both built from this.
 * Events become alerts (`events`), each alert one delivery per person and channel, written before
 * anything is sent; the `send` queue then sends each one (retried, then its DLQ).
 */
export const notificationsService = {
  name: 'notifications',
  tables: [
    {
      name: 'notifications',
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      indexes: [
        // The delivery log, newest first (gsi1pk = DELIVERIES).
        { name: 'gsi1', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
        // Deliveries waiting: held by quiet hours or for a digest, by releaseAt (gsi2pk = WAITING).
        { name: 'gsi2', partitionKey: { name: 'gsi2pk', type: 'S' }, sortKey: { name: 'gsi2sk', type: 'S' } },
      ],
      // Spike windows and processed-event markers expire.
      ttlAttribute: 'ttl',
    },
  ],
  bucket: 'notifications-content',
  functions: [
    {
      id: 'api',
      entry: 'services/notifications/handlers/api.ts',
      description:
        'Notifications HTTP API: the bell (alerts, read, read-all), preferences, defaults, the delivery log',
      tables: ['notifications'],
      http: ['/api/v1/alerts', '/api/v1/me', '/api/v1/notification-preferences', '/api/v1/notifications'],
      bucket: true,
    },
    {
      id: 'events',
      entry: 'services/notifications/handlers/events.ts',
      description:
        'Turns stock, purchasing, order and days-of-cover events into alerts (once per episode) and one delivery per person and channel',
      tables: ['notifications'],
      sendsTo: [SEND_QUEUE],
      timeoutSeconds: 30,
    },
    {
      id: 'send',
      entry: 'services/notifications/handlers/send.ts',
      description: 'Sends one delivery: email through SES v2 (rendered templates) or SMS through SNS',
      tables: ['notifications'],
      bucket: true,
      sendsEmail: true,
      sendsSms: true,
      timeoutSeconds: 20,
    },
    {
      id: 'flush',
      entry: 'services/notifications/handlers/flush.ts',
      description: 'Scheduled: sends what quiet hours held once they end, and the daily digests when due',
      tables: ['notifications'],
      sendsTo: [SEND_QUEUE],
      scheduleMinutes: 5,
      timeoutSeconds: 60,
    },
    {
      id: 'ops-watch',
      entry: 'services/notifications/handlers/ops-watch.ts',
      description: 'Scheduled: alerts operators when a dead-letter queue holds messages (once per episode)',
      tables: ['notifications'],
      sendsTo: [SEND_QUEUE],
      watchesDeadLetterQueues: true,
      scheduleMinutes: 5,
      timeoutSeconds: 60,
    },
    {
      id: 'ses-feedback',
      entry: 'services/notifications/handlers/ses-feedback.ts',
      description:
        "SES's bounce and complaint events (configuration set): marks the delivery, suppresses the address",
      tables: ['notifications'],
      timeoutSeconds: 20,
    },
  ],
  queues: [
    {
      name: 'notifications-events',
      handler: 'events',
      batchSize: 10,
      visibilityTimeoutSeconds: 60,
      maxReceiveCount: 5,
      subscribesTo: consumedEvents.map((e) => e.type),
    },
    {
      name: SEND_QUEUE,
      handler: 'send',
      batchSize: 5,
      // Also the backoff between attempts: a failed send is retried when its visibility ends.
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    },
    {
      // Fed by the SES configuration set's SNS event destination (infra/), not by the events topic.
      name: SES_FEEDBACK_QUEUE,
      handler: 'ses-feedback',
      fedBy: 'email-feedback',
      batchSize: 10,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    },
  ],
  publishes: [],
} satisfies ServiceDecl;
