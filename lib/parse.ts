import type { z } from 'zod';
import { ValidationError } from './errors.ts';

/** Parses untrusted input with a zod schema; a failure is a ValidationError naming each field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix?: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw ValidationError.fromZod(result.error, prefix);
  return result.data;
}
