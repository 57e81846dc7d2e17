import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, requireEnv } from '../../lib/aws.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { OUTBOX_ATTRIBUTE } from '../../lib/outbox.ts';
import { tableEnvVar } from '../../lib/topology.ts';
import type { ListOrdersQuery } from './contract.ts';
import type { Order } from './domain/model.ts';
import { type OrderStore, StaleOrderError } from './domain/orders.ts';

/**
 * The orders table. One item per order: pk `ORDER#<orderId>`, sk `ORDER`, the order's fields,
 * `rev` (optimistic lock) and `outbox` (the latest event, published by the table stream).
 * Listing, newest placement first:
 *   gsi1: `STATUS#<status>` / `<placedAt>#<orderId>` — by status;
 *   gsi2: `ORDERS` / `<placedAt>#<orderId>` — all orders. One partition key: fine for the
 *   hundreds of orders a second a GSI partition absorbs; beyond that, shard it by day.
 * Placeholders (an outcome that arrived before its order) carry neither, so they are never listed.
 */
export const ORDERS_TABLE = 'orders';
export const STATUS_INDEX = 'gsi1';
export const ALL_INDEX = 'gsi2';

const key = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'ORDER' });

const FIELDS = [
  'orderId',
  'placed',
  'status',
  'lines',
  'locationId',
  'placedAt',
  'updatedAt',
  'history',
  'shortfalls',
  'releaseReason',
  'holdSeconds',
  'executionArn',
  'taskToken',
  'pendingOutcome',
  'rev',
] as const;

type Item = Record<string, unknown>;

function toOrder(item: Item): Order {
  const order = Object.fromEntries(
    FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]]),
  ) as unknown as Order;
  order.outbox = (item[OUTBOX_ATTRIBUTE] as Order['outbox']) ?? [];
  return order;
}

function toItem(order: Order): Item {
  const item: Item = { ...key(order.orderId) };
  for (const field of FIELDS) if (order[field] !== undefined) item[field] = order[field];
  item[OUTBOX_ATTRIBUTE] = order.outbox;
  if (order.placed && order.status && order.placedAt) {
    const sortKey = `${order.placedAt}#${order.orderId}`;
    Object.assign(item, {
      gsi1pk: `STATUS#${order.status}`,
      gsi1sk: sortKey,
      gsi2pk: 'ORDERS',
      gsi2sk: sortKey,
    });
  }
  return item;
}

interface Cursor {
  /** LastEvaluatedKey. */
  k: Record<string, string>;
  /** The status filter it belongs to ('' for all). */
  s: string;
}

function decodeListCursor(cursor: string, status: string): Record<string, string> {
  return decodeCursor(cursor, (value) => {
    const parsed = value as Cursor | null;
    const k = parsed?.k;
    const ok =
      parsed?.s === status &&
      !!k &&
      typeof k === 'object' &&
      Object.values(k).every((v) => typeof v === 'string');
    return ok ? k : undefined;
  });
}

export class DynamoOrderStore implements OrderStore {
  constructor(
    private readonly client: DynamoDBDocumentClient = documentClient(),
    private readonly tableName: string = requireEnv(tableEnvVar(ORDERS_TABLE)),
  ) {}

  async get(orderId: string): Promise<Order | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(orderId), ConsistentRead: true }),
    );
    return Item ? toOrder(Item) : undefined;
  }

  async save(order: Order, expectedRev: number | undefined): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(order),
          ...(expectedRev === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#rev = :rev',
                ExpressionAttributeNames: { '#rev': 'rev' },
                ExpressionAttributeValues: { ':rev': expectedRev },
              }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new StaleOrderError(`Order ${order.orderId} was changed concurrently`, {}, { cause: error });
      }
      throw error;
    }
  }

  async list(query: ListOrdersQuery): Promise<{ items: Order[]; nextCursor: string | null }> {
    const status = query.status ?? '';
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: status ? STATUS_INDEX : ALL_INDEX,
        KeyConditionExpression: status ? 'gsi1pk = :pk' : 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': status ? `STATUS#${status}` : 'ORDERS' },
        ScanIndexForward: false,
        Limit: query.limit,
        ...(query.cursor ? { ExclusiveStartKey: decodeListCursor(query.cursor, status) } : {}),
      }),
    );
    const last = result.LastEvaluatedKey as Record<string, string> | undefined;
    return {
      items: (result.Items ?? []).map(toOrder),
      nextCursor: last ? encodeCursor({ k: last, s: status }) : null,
    };
  }
}
