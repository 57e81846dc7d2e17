import { handle } from 'hono/aws-lambda';
import { createIdentityApi } from '../api.ts';

/** Sign-in and users: mounted by the local runtime as `app`, served by API Gateway as `handler`. */
export const app = createIdentityApi();
export const handler = handle(app);
