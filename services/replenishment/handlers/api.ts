// TEMPORARY stub (branch h4 only, so CDK can synthesize the declaration): the lead drops it at merge.
import { handle } from 'hono/aws-lambda';
import { createApi } from '../../../lib/http.ts';

export const app = createApi('replenishment');
export const handler = handle(app);
