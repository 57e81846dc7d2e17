import type { ServiceDecl } from '../../lib/topology.ts';
import { ProductCreated, ProductDeleted, ProductUpdated } from '../catalog/contract.ts';
import { stockEvents } from './contract.ts';

/** Metric (namespace `Azura`, dimension `service=stock`) of drifted SKUs found by `drift-check`. */
export const LEDGER_DRIFT_METRIC = 'LedgerDrift';

/** Everything the stock service has. `infra/` and `local/` are both built from this. */
export const stockService = {
  name: 'stock',
  tables: [
    {
      name: 'stock',
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      indexes: [
        // Sparse: only held reservations carry gsi1pk, keyed by expiry for the sweeper.
        { name: 'gsi1', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
      ],
      ttlAttribute: 'ttl',
      stream: { handler: 'publish-events', batchSize: 25, maxAttempts: 10 },
    },
  ],
  functions: [
    {
      id: 'api',
      entry: 'services/stock/handlers/api.ts',
      description: 'Stock HTTP API: levels, adjustments, counts, receipts, transfers, ledger',
      tables: ['stock'],
      http: ['/api/v1/stock', '/api/v1/locations'],
    },
    {
      id: 'publish-events',
      entry: 'services/stock/handlers/publish-events.ts',
      description: 'Publishes the outbox of committed stock changes (table stream) on SNS',
      tables: [],
      publishes: true,
    },
    {
      id: 'catalog-events',
      entry: 'services/stock/handlers/catalog-events.ts',
      description: 'Learns products and their thresholds from catalog events',
      tables: ['stock'],
    },
    {
      id: 'sweeper',
      entry: 'services/stock/handlers/sweeper.ts',
      description: 'Releases expired reservations through the ledger',
      tables: ['stock'],
      scheduleMinutes: 1,
      timeoutSeconds: 60,
    },
    {
      // One pass may span runs: each stops within its timeout and stores where to carry on.
      id: 'drift-check',
      entry: 'services/stock/handlers/drift-check.ts',
      description: 'Drift detector: replays the ledger of every level and compares it with the stored level',
      tables: ['stock'],
      publishes: true,
      scheduleMinutes: 60,
      timeoutSeconds: 300,
    },
    {
      id: 'saga-tasks',
      entry: 'services/stock/handlers/saga-tasks.ts',
      description:
        'Saga tasks: reserve, commit, release (order saga); expect, receive (replenishment saga). Input `action`; see sagaTaskInputSchema',
      tables: ['stock'],
      timeoutSeconds: 30,
    },
  ],
  queues: [
    {
      name: 'stock-catalog-events',
      handler: 'catalog-events',
      batchSize: 10,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
      subscribesTo: [ProductCreated.type, ProductUpdated.type, ProductDeleted.type],
    },
  ],
  publishes: stockEvents.map((e) => e.type),
} satisfies ServiceDecl;
