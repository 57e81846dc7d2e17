import { handle } from 'hono/aws-lambda';
import { createReportingApi } from '../api.ts';
import { defaultSql } from '../wiring.ts';

/** The reporting HTTP API: mounted by the local runtime as `app`, served by API Gateway as `handler`. */
export const app = createReportingApi(defaultSql);
export const handler = handle(app);
