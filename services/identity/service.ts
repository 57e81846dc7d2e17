import type { ServiceDecl } from '../../lib/topology.ts';

/**
 * Sign-in and users. In AWS the directory is Cognito (user pool + app client + one group per role,
 * from infra/); the `identity` table is the local user store, used when no user pool is configured.
 */
export const identityService = {
  name: 'identity',
  tables: [{ name: 'identity', partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } }],
  functions: [
    {
      id: 'api',
      entry: 'services/identity/handlers/api.ts',
      description: 'Sign-in, the current user, users and roles',
      tables: ['identity'],
      http: ['/api/v1/auth', '/api/v1/users'],
    },
  ],
  queues: [],
  publishes: [],
} satisfies ServiceDecl;
