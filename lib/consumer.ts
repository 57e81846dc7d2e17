import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSHandler, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { ValidationError } from './errors.ts';
import type { EventDefinition } from './events.ts';
import { observability } from './observability.ts';

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of event definitions
type AnyEvent = EventDefinition<string, any>;
type HandlerMap<E extends AnyEvent> = {
  [T in E['type']]: (event: z.infer<Extract<E, { type: T }>['envelope']>) => Promise<void>;
};

function jsonBodyOf(record: SQSRecord): unknown {
  try {
    return JSON.parse(record.body);
  } catch {
    throw new ValidationError([{ field: 'body', message: 'not JSON' }]);
  }
}

/**
 * An SQS consumer of domain events (raw SNS delivery: the body is the envelope). Each record is
 * parsed against the envelope of its type and dispatched; a record that fails (bad JSON, unknown
 * type or version, schema error, or a thrown domain error) is reported as a partial batch
 * failure, so SQS redelivers it and finally moves it to the queue's DLQ. Handlers must be
 * idempotent: SQS delivers at least once.
 */
export function eventConsumer<E extends AnyEvent>(
  service: string,
  definitions: readonly E[],
  handlers: HandlerMap<E>,
): SQSHandler {
  const { logger } = observability(service);
  const byType = new Map(definitions.map((d) => [d.type, d]));
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const body = jsonBodyOf(record);
    const type = (body as { type?: unknown })?.type;
    const definition = typeof type === 'string' ? byType.get(type) : undefined;
    if (!definition)
      throw new ValidationError([{ field: 'type', message: `unexpected event type ${String(type)}` }]);
    const parsed = definition.envelope.safeParse(body);
    if (!parsed.success) {
      const error = ValidationError.fromZod(parsed.error);
      logger.warn('rejected event', { messageId: record.messageId, type, errors: error.errors });
      throw error;
    }
    const handle = (handlers as Record<string, (e: unknown) => Promise<void>>)[definition.type]!;
    await handle(parsed.data);
  };
  return async (event, context) => processPartialResponse(event, recordHandler, processor, { context });
}

/** An SQS consumer of plain messages validated by one schema (e.g. the order platform's). */
export function messageConsumer<S extends z.ZodType>(
  service: string,
  schema: S,
  handle: (message: z.infer<S>, record: SQSRecord) => Promise<void>,
): SQSHandler {
  const { logger } = observability(service);
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const parsed = schema.safeParse(jsonBodyOf(record));
    if (!parsed.success) {
      const error = ValidationError.fromZod(parsed.error);
      logger.warn('rejected message', { messageId: record.messageId, errors: error.errors });
      throw error;
    }
    await handle(parsed.data, record);
  };
  return async (event, context) => processPartialResponse(event, recordHandler, processor, { context });
}
