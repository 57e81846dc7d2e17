import { z } from 'zod';

/**
 * Events are versioned contracts: each has a type, a version and a zod schema of its data,
 * and travels in one envelope. Consumers subscribe to the `type` they understand (SNS filter
 * policy on the `type` message attribute) and check `version`.
 */
export const envelopeSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime(),
  correlationId: z.string().min(1),
  data: z.unknown(),
});
export type Envelope<T = unknown> = Omit<z.infer<typeof envelopeSchema>, 'data'> & { data: T };

export interface EventDefinition<Type extends string, Data extends z.ZodType> {
  type: Type;
  version: number;
  data: Data;
  /** The full envelope schema, for parsing on the consumer side and for docs. */
  envelope: z.ZodType<Envelope<z.infer<Data>> & { type: Type }>;
  /** Builds an envelope; `id` should be deterministic when the event may be re-emitted. */
  create(
    data: z.input<Data>,
    meta: { id: string; correlationId: string; occurredAt?: string },
  ): Envelope<z.infer<Data>> & { type: Type };
}

export function defineEvent<Type extends string, Data extends z.ZodType>(
  type: Type,
  version: number,
  data: Data,
): EventDefinition<Type, Data> {
  const envelope = envelopeSchema.extend({
    type: z.literal(type),
    version: z.literal(version),
    data,
  }) as unknown as EventDefinition<Type, Data>['envelope'];
  return {
    type,
    version,
    data,
    envelope,
    create(input, meta) {
      return {
        id: meta.id,
        type,
        version,
        occurredAt: meta.occurredAt ?? new Date().toISOString(),
        correlationId: meta.correlationId,
        data: data.parse(input),
      } as Envelope<z.infer<Data>> & { type: Type };
    },
  };
}
