import { handle } from 'hono/aws-lambda';
import { composeApi } from '../../../api/app.ts';
import { createReportingApi } from '../api.ts';
import { createPlanningApi } from '../planning-api.ts';
import { defaultSql } from '../wiring.ts';

/** The reporting HTTP API: mounted by the local runtime as `app`, served by API Gateway as `handler`. */
export const app = composeApi([createReportingApi(defaultSql), createPlanningApi(defaultSql)]);
export const handler = handle(app);
