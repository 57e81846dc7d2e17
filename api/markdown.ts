import { z } from 'zod';

/** Small helpers of the documents generated from the zod schemas (docs/integration.md). */

const FENCE = '```';

/** A fenced code block, as lines. */
export const block = (language: string, text: string): string[] => [`${FENCE}${language}`, text, FENCE];

/** A value as indented JSON. */
export const json = (value: unknown): string => JSON.stringify(value, null, 2);

/** A zod schema as indented JSON Schema. */
export const schemaOf = (schema: z.ZodType): string =>
  JSON.stringify(z.toJSONSchema(schema, { unrepresentable: 'any' }), null, 2);
