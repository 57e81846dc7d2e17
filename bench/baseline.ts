import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';

/**
 * Raw DynamoDB Local rates on one hot item, the ceiling any stock operation on one SKU can reach
 * here: a conditional UpdateItem, and a single-item TransactWriteItems, each `total` times with
 * `concurrency` callers in flight.
 */
export interface Rate {
  operations: number;
  seconds: number;
  perSecond: number;
}

export async function timed(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<Rate> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await op(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { operations: total, seconds, perSecond: total / seconds };
}

export async function rawDynamoRates(
  total: number,
  concurrency: number,
): Promise<{ conditionalUpdate: Rate; transactWrite: Rate }> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const TableName = `bench-raw-${ulid().toLowerCase()}`;
  await client.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  await client.send(
    new PutItemCommand({ TableName, Item: { pk: { S: 'hot' }, n: { N: String(total * 2) } } }),
  );
  const decrement = {
    TableName,
    Key: { pk: 'hot' },
    UpdateExpression: 'SET n = n - :one',
    ConditionExpression: 'n >= :one',
    ExpressionAttributeValues: { ':one': 1 },
  };
  const conditionalUpdate = await timed(total, concurrency, () => client.send(new UpdateCommand(decrement)));
  const transactWrite = await timed(total, concurrency, () =>
    client.send(new TransactWriteCommand({ TransactItems: [{ Update: decrement }] })),
  );
  return { conditionalUpdate, transactWrite };
}
