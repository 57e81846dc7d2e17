import { handle } from 'hono/aws-lambda';
import { createStockApi } from '../api.ts';

/** The stock HTTP API: mounted by the local runtime as `app`, served by API Gateway as `handler`. */
export const app = createStockApi();
export const handler = handle(app);
