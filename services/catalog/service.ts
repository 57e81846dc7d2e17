import type { ServiceDecl } from '../../lib/topology.ts';
import { StockLevelChanged } from '../stock/contract.ts';
import { catalogEvents } from './contract.ts';

/** Everything the catalog service has. `infra/` and `local/` are both built from this. */
export const catalogService = {
  name: 'catalog',
  tables: [
    {
      name: 'catalog',
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      indexes: [
        // Products by category, name-ordered, for filtered listing.
        { name: 'gsi1', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
      ],
      // Expiry of the API's idempotency records (services/catalog/idempotency.ts).
      ttlAttribute: 'expiration',
      stream: { handler: 'publish-events', batchSize: 25, maxAttempts: 10 },
    },
  ],
  functions: [
    {
      id: 'api',
      entry: 'services/catalog/handlers/api.ts',
      description: 'Catalog HTTP API: products CRUD, search, images',
      tables: ['catalog'],
      http: ['/api/v1/products'],
      bucket: true,
    },
    {
      id: 'publish-events',
      entry: 'services/catalog/handlers/publish-events.ts',
      description: 'Publishes the outbox of committed catalog changes (table stream) on SNS',
      tables: [],
      publishes: true,
    },
    {
      id: 'stock-events',
      entry: 'services/catalog/handlers/stock-events.ts',
      description: 'Keeps a projection of stock totals on each product (for listing and delete checks)',
      tables: ['catalog'],
    },
  ],
  queues: [
    {
      name: 'catalog-stock-events',
      handler: 'stock-events',
      batchSize: 10,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
      subscribesTo: [StockLevelChanged.type],
    },
  ],
  publishes: catalogEvents.map((e) => e.type),
  bucket: 'catalog-images',
} satisfies ServiceDecl;
