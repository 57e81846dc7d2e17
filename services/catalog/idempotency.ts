import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context as LambdaContext } from 'aws-lambda';
import { dynamo } from '../../lib/aws.ts';
import { ConflictError } from '../../lib/errors.ts';

/** What an idempotent POST stores and replays: enough to rebuild the HTTP response. */
export interface StoredResponse<T = unknown> {
  status: number;
  body: T;
  headers?: Record<string, string>;
}

/** Attribute DynamoDB TTL reads to delete old records (declared in service.ts). */
export const IDEMPOTENCY_EXPIRY_ATTRIBUTE = 'expiration';
const RECORDS_PARTITION = 'IDEMP#catalog-api';
const KEEP_SECONDS = 24 * 60 * 60;

/**
 * `Idempotency-Key` for the catalog's POST routes, with Powertools Idempotency on the catalog
 * table (pk `IDEMP#catalog-api`, sk `catalog-api#<hash of route + key>`): the first request with a
 * key runs and its response is stored; a replay with the same body gets the stored response
 * without running again; the same key with another body, or while the first is still running,
 * is a 409. A request that fails stores nothing (Powertools deletes its in-progress record), so a
 * client may retry it.
 *
 * Used outside a Lambda handler (the same Hono app also runs under Node locally), Powertools
 * cannot read the remaining time of an invocation; we give it a fixed 30 s window — API
 * Gateway's own limit — after which an in-progress record left by a crashed request is taken
 * over. All records share one partition: fine for a staff-driven API (well under the 1,000
 * writes/s a partition takes); spread them with a custom persistence layer if that ever changes.
 */
export function idempotentResponses(tableName: () => string) {
  type Payload = { key: string; request: unknown };
  type Run = (payload: Payload, execute: () => Promise<StoredResponse>) => Promise<StoredResponse>;
  let run: Run | undefined;
  const idempotentRun = (): Run => {
    run ??= makeIdempotent(async (_payload: Payload, execute: () => Promise<StoredResponse>) => execute(), {
      persistenceStore: new DynamoDBPersistenceLayer({
        tableName: tableName(),
        keyAttr: 'pk',
        sortKeyAttr: 'sk',
        staticPkValue: RECORDS_PARTITION,
        expiryAttr: IDEMPOTENCY_EXPIRY_ATTRIBUTE,
        awsSdkV3Client: dynamo(),
      }),
      config: new IdempotencyConfig({
        eventKeyJmesPath: 'key',
        payloadValidationJmesPath: 'request',
        throwOnNoIdempotencyKey: true,
        expiresAfterSeconds: KEEP_SECONDS,
        lambdaContext: { getRemainingTimeInMillis: () => 30_000 } as LambdaContext,
      }),
      keyPrefix: 'catalog-api',
      dataIndexArgument: 0,
    });
    return run;
  };

  /**
   * Runs `execute` at most once per (operation, key). `request` is what must match on a replay
   * (the body and the path parameters). Without a key, just runs it.
   */
  return async function idempotent<T>(
    key: string | undefined,
    operation: string,
    request: unknown,
    execute: () => Promise<StoredResponse<T>>,
  ): Promise<StoredResponse<T>> {
    if (key === undefined) return execute();
    // The stored response must be plain JSON (DynamoDB marshalling rejects undefined members).
    const plain = async () => JSON.parse(JSON.stringify(await execute())) as StoredResponse;
    try {
      const stored = await idempotentRun()({ key: `${operation} ${key}`, request: request ?? null }, plain);
      return stored as StoredResponse<T>;
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new ConflictError('This Idempotency-Key was already used with a different request', {
          idempotencyKey: key,
        });
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new ConflictError(
          'A request with this Idempotency-Key is still being processed; retry shortly',
          {
            idempotencyKey: key,
          },
        );
      }
      throw error;
    }
  };
}
