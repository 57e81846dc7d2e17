import { handle } from 'hono/aws-lambda';
import { createCatalogApi } from '../api.ts';

/** The catalog HTTP API: mounted by the local runtime as `app`, served by API Gateway as `handler`. */
export const app = createCatalogApi();
export const handler = handle(app);
