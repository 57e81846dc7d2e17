import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';

/**
 * The DynamoDB read loops the stores share: a BatchGetItem over any number of keys, a Query
 * over all its pages, and the backoff between retries.
 */

/** BatchGetItem takes at most 100 keys per request. */
export const MAX_BATCH_GET_KEYS = 100;
/** The longest wait `backoff` makes, in milliseconds. */
const BACKOFF_CAP_MS = 1000;
/** The wait before the first retry is at most twice this, in milliseconds. */
const BACKOFF_BASE_MS = 20;

type Item = Record<string, unknown>;

/**
 * Waits before retry number `attempt` (1 for the first retry): capped exponential backoff with
 * jitter. The cap doubles from 40 ms (attempt 1) up to 1 s; the wait is drawn at random between
 * half the cap and the cap, so callers that back off together do not retry in lockstep.
 */
export function backoff(attempt: number): Promise<void> {
  const cap = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  const ms = cap * (0.5 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Reads the items of `keys` from one table with BatchGetItem, 100 keys per request, and retries
 * whatever DynamoDB returns as UnprocessedKeys (after a `backoff`) until every key was read.
 *
 * - `keys` must be distinct: DynamoDB rejects a request that repeats a key.
 * - Reads are strongly consistent unless `options.consistent` is false.
 * - Keys with no item are left out. The items come back in no particular order (neither
 *   DynamoDB nor the retries keep the order of `keys`): a caller that needs one re-orders them.
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: Record<string, unknown>[],
  options: { consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const consistent = options.consistent ?? true;
  const found: Item[] = [];
  for (let i = 0; i < keys.length; i += MAX_BATCH_GET_KEYS) {
    let pending: Item[] | undefined = keys.slice(i, i + MAX_BATCH_GET_KEYS);
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const result: BatchGetCommandOutput = await client.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistent } },
        }),
      );
      found.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return found;
}

/**
 * Runs `input` as a Query and follows LastEvaluatedKey until the last page, returning every
 * item in the order DynamoDB returned them. `input` is sent as given (TableName, IndexName,
 * ConsistentRead, ScanIndexForward… are the caller's); a `Limit` is the size of each page, not
 * of the result, and an `ExclusiveStartKey` is where the first page starts.
 */
export async function queryAll(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Item[] = [];
  let startKey = input.ExclusiveStartKey;
  do {
    const result: QueryCommandOutput = await client.send(
      new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return items;
}
