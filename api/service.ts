import type { ServiceDecl } from '../lib/topology.ts';

/** The API's documentation (OpenAPI document + Swagger UI), served like any other route. */
export const docsService = {
  name: 'docs',
  tables: [],
  functions: [
    {
      id: 'api',
      entry: 'api/handler.ts',
      description: 'OpenAPI document and Swagger UI of the whole API',
      tables: [],
      http: ['/api/openapi.json', '/api/docs'],
      // Swagger UI's files are read from the package at run time: ship the package, not a bundle of it.
      bundleNodeModules: ['swagger-ui-dist'],
    },
  ],
  queues: [],
  publishes: [],
} satisfies ServiceDecl;
