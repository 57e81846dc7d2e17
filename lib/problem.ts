import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';

/** RFC 9457 problem details, the body of every error response. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem' });

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problem(
  c: Context,
  status: number,
  title: string,
  detail?: string,
  extensions: Record<string, unknown> = {},
): Response {
  const body = {
    type: `https://azura.example/problems/${title.toLowerCase().replace(/[^a-z]+/g, '-')}`,
    title,
    status,
    ...(detail ? { detail } : {}),
    ...extensions,
  };
  return c.body(JSON.stringify(body), status as ContentfulStatusCode, {
    'content-type': PROBLEM_CONTENT_TYPE,
  });
}
