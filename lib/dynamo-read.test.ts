import type { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { backoff, batchGetAll, queryAll } from './dynamo-read.ts';

type Key = { pk: string };

/** A client that answers BatchGet from `items`, leaving the last key of each first request unprocessed. */
function batchClient(items: Map<string, Record<string, unknown>>) {
  const requests: { keys: Key[]; consistent: boolean | undefined }[] = [];
  const client = {
    async send(command: BatchGetCommand) {
      const [[table, request]] = Object.entries(command.input.RequestItems ?? {}) as [
        [string, { Keys: Key[]; ConsistentRead?: boolean }],
      ];
      requests.push({ keys: request.Keys, consistent: request.ConsistentRead });
      const retry = request.Keys.length > 1 ? request.Keys.slice(-1) : [];
      const served = request.Keys.slice(0, request.Keys.length - retry.length);
      return {
        Responses: { [table]: served.flatMap((k) => items.get(k.pk) ?? []) },
        ...(retry.length ? { UnprocessedKeys: { [table]: { Keys: retry } } } : {}),
      };
    },
  };
  return { client: client as unknown as DynamoDBDocumentClient, requests };
}

describe('batchGetAll', () => {
  it('reads in chunks of 100, retries unprocessed keys, skips missing items, consistent by default', async () => {
    const items = new Map(Array.from({ length: 150 }, (_, i) => [`k${i}`, { pk: `k${i}`, n: i }]));
    const { client, requests } = batchClient(items);
    const keys = [...Array.from({ length: 150 }, (_, i) => ({ pk: `k${i}` })), { pk: 'missing' }];

    const found = await batchGetAll(client, 't', keys);

    expect(found.map((item) => item.pk).sort()).toEqual([...items.keys()].sort());
    expect(requests.map((r) => r.keys.length)).toEqual([100, 1, 51, 1]);
    expect(requests.every((r) => r.consistent === true)).toBe(true);
  });

  it('reads eventually consistent when asked, and sends nothing for no keys', async () => {
    const { client, requests } = batchClient(new Map([['a', { pk: 'a' }]]));
    expect(await batchGetAll(client, 't', [])).toEqual([]);
    expect(requests).toEqual([]);
    expect(await batchGetAll(client, 't', [{ pk: 'a' }], { consistent: false })).toEqual([{ pk: 'a' }]);
    expect(requests).toEqual([{ keys: [{ pk: 'a' }], consistent: false }]);
  });
});

describe('queryAll', () => {
  it('follows every page and sends the input as given', async () => {
    const pages = [
      { Items: [{ pk: 'a' }, { pk: 'b' }], LastEvaluatedKey: { pk: 'b' } },
      { Items: [], LastEvaluatedKey: { pk: 'b2' } },
      { Items: [{ pk: 'c' }] },
    ];
    const inputs: QueryCommand['input'][] = [];
    const client = {
      async send(command: QueryCommand) {
        inputs.push(command.input);
        return pages[inputs.length - 1];
      },
    } as unknown as DynamoDBDocumentClient;

    const items = await queryAll(client, { TableName: 't', KeyConditionExpression: 'pk = :pk', Limit: 2 });

    expect(items).toEqual([{ pk: 'a' }, { pk: 'b' }, { pk: 'c' }]);
    expect(inputs.map((input) => input.ExclusiveStartKey)).toEqual([undefined, { pk: 'b' }, { pk: 'b2' }]);
    expect(inputs.every((input) => input.TableName === 't' && input.Limit === 2)).toBe(true);
    expect(inputs.every((input) => input.ConsistentRead === undefined)).toBe(true);
  });
});

describe('backoff', () => {
  it('waits between half the cap and the cap, the cap doubling from 40 ms up to 1 s', async () => {
    const waits: number[] = [];
    const timeout = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((done: () => void, ms: number) => {
      waits.push(ms);
      done();
    }) as typeof setTimeout);
    const random = vi.spyOn(Math, 'random');
    try {
      for (const r of [0, 1]) {
        random.mockReturnValue(r);
        for (const attempt of [1, 2, 5, 6, 10]) await backoff(attempt);
      }
    } finally {
      timeout.mockRestore();
      random.mockRestore();
    }
    expect(waits).toEqual([20, 40, 320, 500, 500, 40, 80, 640, 1000, 1000]);
  });
});
