import type { ServiceDecl } from '../../lib/topology.ts';
import { identityEvents } from './contract.ts';

/**
 * Sign-in and users. In AWS the directory is Cognito (user pool + app client + one group per role,
 * from infra/); the `identity` table is the local user store, used when no user pool is configured,
 * and in Cognito mode the mirror of the pool's users, which publishes their UserChanged.
 */
export const identityService = {
  name: 'identity',
  tables: [
    {
      name: 'identity',
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      // The local directory's user items, and in Cognito mode the user mirror's items, carry their
      // UserChanged in an outbox (lib/outbox.ts).
      stream: { handler: 'publish-events', batchSize: 25, maxAttempts: 10 },
    },
  ],
  functions: [
    {
      id: 'api',
      entry: 'services/identity/handlers/api.ts',
      description: 'Sign-in, the current user, users and roles',
      tables: ['identity'],
      http: ['/api/v1/auth', '/api/v1/users'],
    },
    {
      id: 'sync-users',
      entry: 'services/identity/handlers/sync-users.ts',
      description:
        'Scheduled: records every Cognito user in the user mirror (deleted ones as disabled), which publishes UserChanged',
      tables: ['identity'],
      scheduleMinutes: 15,
      timeoutSeconds: 300,
    },
    {
      id: 'publish-events',
      entry: 'services/identity/handlers/publish-events.ts',
      description:
        'Publishes the outbox of committed user changes (UserChanged, from the table stream) on SNS',
      tables: [],
      publishes: true,
    },
  ],
  queues: [],
  publishes: identityEvents.map((e) => e.type),
} satisfies ServiceDecl;
