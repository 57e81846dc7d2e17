import { handle } from 'hono/aws-lambda';
import { createOrdersApi } from '../api.ts';

/** The orders HTTP API: mounted by the local runtime as `app`, served by API Gateway as `handler`. */
export const app = createOrdersApi();
export const handler = handle(app);
