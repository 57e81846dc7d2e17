import type { ServiceDecl } from '../../lib/topology.ts';
import { orderSaga } from '../../workflows/order-saga.ts';
import { StockLevelChanged } from '../stock/contract.ts';
import { orderEvents } from './contract.ts';

/** Everything the orders service has. `infra/` and `local/` are both built from this. */
export const ordersService = {
  name: 'orders',
  tables: [
    {
      name: 'orders',
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      indexes: [
        // Listing newest placement first: by status, and all orders (see store.ts).
        { name: 'gsi1', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
        { name: 'gsi2', partitionKey: { name: 'gsi2pk', type: 'S' }, sortKey: { name: 'gsi2sk', type: 'S' } },
      ],
      stream: { handler: 'publish-events', batchSize: 25, maxAttempts: 10 },
    },
  ],
  functions: [
    {
      id: 'api',
      entry: 'services/orders/handlers/api.ts',
      description: 'Orders HTTP API: listing, and an order with its history and saga timeline',
      tables: ['orders'],
      http: ['/api/v1/orders'],
      drives: [{ workflow: orderSaga.name, can: ['read'] }],
    },
    {
      id: 'inbound',
      entry: 'services/orders/handlers/inbound.ts',
      description:
        "The order platform's messages: records orders, starts and signals the order saga, re-announces outcomes",
      tables: ['orders'],
      timeoutSeconds: 20,
      drives: [{ workflow: orderSaga.name, can: ['start', 'answer'] }],
      // Re-announces a finished order's outcome when the platform re-sends one of its messages.
      publishes: true,
    },
    {
      id: 'publish-events',
      entry: 'services/orders/handlers/publish-events.ts',
      description: 'Publishes the outbox of committed order transitions (table stream) on SNS',
      tables: [],
      publishes: true,
    },
    {
      id: 'mark-status',
      entry: 'services/orders/handlers/mark-status.ts',
      description: 'Order saga task: records a status transition and its event (outbox), atomically',
      tables: ['orders'],
      timeoutSeconds: 15,
    },
    {
      id: 'await-outcome',
      entry: 'services/orders/handlers/await-outcome.ts',
      description:
        'Order saga callback task: parks the task token, or resumes at once if the outcome is known',
      tables: ['orders'],
      timeoutSeconds: 15,
      drives: [{ workflow: orderSaga.name, can: ['answer'] }],
    },
  ],
  queues: [
    {
      name: 'orders-inbound',
      handler: 'inbound',
      batchSize: 10,
      visibilityTimeoutSeconds: 60,
      maxReceiveCount: 5,
      external: true,
    },
    {
      // What the order platform reads. In AWS it subscribes its own queue to the topic instead.
      name: 'platform-events',
      batchSize: 10,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
      subscribesTo: [...orderEvents.map((e) => e.type), StockLevelChanged.type],
      external: true,
    },
  ],
  publishes: orderEvents.map((e) => e.type),
  workflows: [orderSaga],
} satisfies ServiceDecl;
