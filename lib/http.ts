import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ulid } from 'ulid';
import { z } from 'zod';
import { authorize } from './auth.ts';
import { AppError, type FieldError, ValidationError } from './errors.ts';
import { observability } from './observability.ts';
import { PROBLEM_CONTENT_TYPE, problem, problemSchema } from './problem.ts';

export { PROBLEM_CONTENT_TYPE, problem, problemSchema };

/** Who is calling: set by the auth middleware; recorded as the ledger's actor. */
export interface Caller {
  id: string;
  email: string;
  roles: string[];
}
export type ApiEnv = { Variables: { caller?: Caller; requestId: string } };

const validationProblem = (c: Context, errors: FieldError[]): Response =>
  problem(c, 400, 'Invalid request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });

/**
 * A Hono app for one service's routes, with the conventions every route shares: zod validation
 * failures become 400 problem+json naming each field, domain errors map by class, anything else
 * is a logged 500 that reveals nothing.
 */
export function createApi(service: string): OpenAPIHono<ApiEnv> {
  const { logger } = observability(service);
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const where = (result as { target?: string }).target;
        const prefix = where === 'json' ? undefined : where;
        return validationProblem(c, ValidationError.fromZod(result.error, prefix).errors);
      }
    },
  });
  app.use('*', async (c, next) => {
    if (!c.get('requestId')) c.set('requestId', c.req.header('x-request-id') ?? ulid());
    await next();
  });
  app.use('*', authorize());
  app.onError((error, c) => mapError(error, c, logger));
  return app;
}

export function mapError(error: unknown, c: Context, logger = observability('api').logger): Response {
  if (error instanceof ValidationError) return validationProblem(c, error.errors);
  if (error instanceof AppError)
    return problem(c, error.status, error.title, error.message, error.extensions);
  if (error instanceof HTTPException) {
    // Hono's own validators throw these, e.g. for a body that is not JSON.
    const status = error.status;
    if (status === 400)
      return validationProblem(c, [{ field: 'body', message: error.message || 'malformed' }]);
    return problem(c, status, status === 404 ? 'Not found' : 'Request failed', error.message);
  }
  logger.error('unhandled error', { error: error as Error, path: c.req.path });
  return problem(c, 500, 'Internal error', 'Something went wrong on our side; it has been logged.');
}

const IDEMPOTENCY_KEY_PATTERN = /^[\w.:-]{1,128}$/;

/** The request's Idempotency-Key header, validated; undefined when absent. */
export function idempotencyKey(c: Context): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new ValidationError([
      { field: 'Idempotency-Key', message: 'must be 1-128 characters of letters, digits, . _ : -' },
    ]);
  }
  return key;
}

/** The ledger's actor for this request. */
export function actorOf(c: Context<ApiEnv>): string {
  return c.get('caller')?.email ?? 'anonymous';
}

/** Standard error responses for route definitions (OpenAPI). */
const problemResponse = {
  description: 'Problem details (RFC 9457)',
  content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
};
export const problemResponses = {
  400: problemResponse,
  401: problemResponse,
  403: problemResponse,
  404: problemResponse,
  409: problemResponse,
  422: problemResponse,
} as const;

/** A required JSON request body for a route definition (OpenAPI). */
export const jsonBody = <S extends z.ZodType>(schema: S, description: string) => ({
  required: true,
  description,
  content: { 'application/json': { schema } },
});

/** A JSON response for a route definition (OpenAPI). */
export const jsonResponse = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A JSON request body a route takes but does not need (OpenAPI); absent, `c.req.valid('json')` is undefined. */
export const optionalJsonBody = <S extends z.ZodType>(schema: S, description: string) => ({
  ...jsonBody(schema, description),
  required: false,
});

const IDEMPOTENT_POST =
  'Makes the POST safe to retry: same key and body → same response, done once. 1-128 of [A-Za-z0-9._:-]';

/**
 * The `Idempotency-Key` request header of a route definition (OpenAPI), documented once so every
 * service names it the same way; {@link idempotencyKey} checks it. `description`: what a repeat
 * does on this route, when it says more than the default.
 */
export const idempotencyHeaders = (description = IDEMPOTENT_POST) =>
  z.object({ 'idempotency-key': z.string().optional().meta({ description }) });
