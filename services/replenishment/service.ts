import type { ServiceDecl } from '../../lib/topology.ts';
import { replenishmentSaga } from '../../workflows/replenishment-saga.ts';
import { StockLevelChanged } from '../stock/contract.ts';
import { replenishmentEvents } from './contract.ts';

/** Metric (namespace `Azura`, dimension `service=replenishment`) of POs that failed with no fallback left. */
export const PURCHASE_ORDER_FAILED_METRIC = 'PurchaseOrderFailed';

const SAGA = replenishmentSaga.name;

/** Everything the replenishment service has. `infra/` and `local/` are both built from this. */
export const replenishmentService = {
  name: 'replenishment',
  tables: [
    {
      name: 'replenishment',
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      indexes: [
        // Listings: suppliers (SUPPLIERS), rules (RULES), every PO newest first (POS); see store files.
        { name: 'gsi1', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
        // POs by status, newest first.
        { name: 'gsi2', partitionKey: { name: 'gsi2pk', type: 'S' }, sortKey: { name: 'gsi2sk', type: 'S' } },
        // POs by supplier, newest first (performance, the supplier page).
        { name: 'gsi3', partitionKey: { name: 'gsi3pk', type: 'S' }, sortKey: { name: 'gsi3sk', type: 'S' } },
      ],
      // Replayed supplier callbacks (webhook-id) expire after a week.
      ttlAttribute: 'ttl',
      stream: { handler: 'publish-events', batchSize: 25, maxAttempts: 10 },
    },
  ],
  functions: [
    {
      id: 'api',
      entry: 'services/replenishment/handlers/api.ts',
      description:
        'Replenishment HTTP API: suppliers, items, reorder rules, purchase orders, approvals, receipts, supplier callbacks',
      tables: ['replenishment'],
      http: [
        '/api/v1/suppliers',
        '/api/v1/reorder-rules',
        '/api/v1/purchase-orders',
        '/api/v1/supplier-callbacks',
      ],
      drives: [{ workflow: SAGA, can: ['start', 'read', 'answer'] }],
      secrets: ['read', 'write'],
      timeoutSeconds: 15,
    },
    {
      id: 'publish-events',
      entry: 'services/replenishment/handlers/publish-events.ts',
      description: 'Publishes the outbox of committed purchase-order transitions (table stream) on SNS',
      tables: [],
      publishes: true,
    },
    {
      id: 'stock-events',
      entry: 'services/replenishment/handlers/stock-events.ts',
      description:
        "Learns stock levels from the stock service's events and raises a PO when a rule's min is reached",
      tables: ['replenishment'],
      drives: [{ workflow: SAGA, can: ['start'] }],
      timeoutSeconds: 30,
    },
    {
      id: 'sweep',
      entry: 'services/replenishment/handlers/sweep.ts',
      description:
        'Scheduled: re-evaluates every reorder rule (catches a missed event) and starts sagas that never started',
      tables: ['replenishment'],
      drives: [{ workflow: SAGA, can: ['start'] }],
      scheduleMinutes: 15,
      timeoutSeconds: 120,
    },
    {
      id: 'saga-tasks',
      entry: 'services/replenishment/handlers/saga-tasks.ts',
      description:
        'Replenishment saga tasks: begin, approvals, send (signed webhook), mark-sent, await-supplier, overdue, handled, fallback',
      tables: ['replenishment'],
      drives: [{ workflow: SAGA, can: ['answer'] }],
      secrets: ['read'],
      timeoutSeconds: 30,
    },
  ],
  queues: [
    {
      name: 'replenishment-stock-events',
      handler: 'stock-events',
      batchSize: 10,
      visibilityTimeoutSeconds: 60,
      maxReceiveCount: 5,
      subscribesTo: [StockLevelChanged.type],
    },
  ],
  publishes: replenishmentEvents.map((e) => e.type),
  workflows: [replenishmentSaga],
} satisfies ServiceDecl;
