import { handle } from 'hono/aws-lambda';
import { composeApi } from '../../../api/app.ts';
import { createAnalysisApi } from '../analysis-api.ts';
import { createReportingApi } from '../api.ts';
import { createPlanningApi } from '../planning-api.ts';
import { defaultSql } from '../wiring.ts';

/**
 * The reporting HTTP API (reports, analysis reports, forecasts, reorder suggestions): mounted by
 * the local runtime as `app`, served by API Gateway as `handler`.
 */
export const app = composeApi([
  createReportingApi(defaultSql),
  createAnalysisApi(defaultSql),
  createPlanningApi(defaultSql),
]);
export const handler = handle(app);
