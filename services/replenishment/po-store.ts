import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, requireEnv } from '../../lib/aws.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { transactionFailure } from '../../lib/dynamo-errors.ts';
import { OUTBOX_ATTRIBUTE } from '../../lib/outbox.ts';
import { tableEnvVar } from '../../lib/topology.ts';
import type { ListPurchaseOrdersQuery } from './contract.ts';
import {
  type PoRecord,
  type PurchaseOrderStore,
  type StoreOp,
  StoreRefused,
} from './domain/purchase-orders.ts';

/**
 * Purchase orders in the `replenishment` table (suppliers, items, rules and levels are in
 * supplier-store.ts, under other keys):
 *
 * | item            | pk                                  | sk                    | notes                                   |
 * |-----------------|-------------------------------------|-----------------------|-----------------------------------------|
 * | purchase order  | `PO#<id>`                           | `PO`                  | `rev`, `outbox`; gsi1 `POS`, gsi2 `POSTATUS#<status>`, gsi3 `SUPPLIER#<id>`, each sorted `<createdAt>#<id>` |
 * | open-PO lock    | `OPEN#<sku>#<locationId>`           | `SUPPLIER#<supplierId>` | `purchaseOrderId`: one open PO per SKU × location × supplier |
 * | callback seen   | `WEBHOOK#<supplierId>#<webhook-id>` | `CALLBACK`            | replay guard, `ttl` 7 days              |
 * | receipt key     | `RECEIPT#<poId>#<Idempotency-Key>`  | `KEY`                 | the request and its receiptId, `ttl` 30 days |
 * | create key      | `IDEMP#po-create#<Idempotency-Key>` | `KEY`                 | the request and its PO, `ttl` 7 days    |
 *
 * Every write is conditional and a change is one TransactWriteItems (see `transact`).
 */
export const REPLENISHMENT_TABLE = 'replenishment';
const ALL_INDEX = 'gsi1';
const STATUS_INDEX = 'gsi2';
const SUPPLIER_INDEX = 'gsi3';

const CALLBACK_TTL_SECONDS = 7 * 24 * 3600;
const RECEIPT_KEY_TTL_SECONDS = 30 * 24 * 3600;
const CREATE_KEY_TTL_SECONDS = 7 * 24 * 3600;
/** Queries per page when a filter (sku, or status with supplier) thins the results out. */
const MAX_READS_PER_PAGE = 5;

const poKey = (id: string) => ({ pk: `PO#${id}`, sk: 'PO' });
const lockKey = (sku: string, locationId: string, supplierId: string) => ({
  pk: `OPEN#${sku}#${locationId}`,
  sk: `SUPPLIER#${supplierId}`,
});
const callbackKey = (supplierId: string, webhookId: string) => ({
  pk: `WEBHOOK#${supplierId}#${webhookId}`,
  sk: 'CALLBACK',
});
const receiptKeyOf = (purchaseOrderId: string, key: string) => ({
  pk: `RECEIPT#${purchaseOrderId}#${key}`,
  sk: 'KEY',
});
const createKeyOf = (key: string) => ({ pk: `IDEMP#po-create#${key}`, sk: 'KEY' });

const STORAGE_ATTRIBUTES = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'skus',
  'ttl',
];

type Item = Record<string, unknown>;
type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

function toItem(po: PoRecord): Item {
  const sortKey = `${po.createdAt}#${po.id}`;
  return {
    ...po,
    ...poKey(po.id),
    gsi1pk: 'POS',
    gsi1sk: sortKey,
    gsi2pk: `POSTATUS#${po.status}`,
    gsi2sk: sortKey,
    gsi3pk: `SUPPLIER#${po.supplierId}`,
    gsi3sk: sortKey,
    skus: po.lines.map((l) => l.sku),
    [OUTBOX_ATTRIBUTE]: po.outbox,
  };
}

function toRecord(item: Item): PoRecord {
  const record = { ...item };
  for (const attribute of STORAGE_ATTRIBUTES) delete record[attribute];
  return record as unknown as PoRecord;
}

interface ListCursor {
  /** LastEvaluatedKey (or the key of the last item returned). */
  k: Record<string, string>;
  /** The filters it belongs to. */
  f: string;
}

export class DynamoPurchaseOrderStore implements PurchaseOrderStore {
  constructor(
    private readonly client: DynamoDBDocumentClient = documentClient(),
    private readonly tableName: string = requireEnv(tableEnvVar(REPLENISHMENT_TABLE)),
  ) {}

  async get(purchaseOrderId: string): Promise<PoRecord | undefined> {
    const item = await this.getItem(poKey(purchaseOrderId));
    return item && toRecord(item);
  }

  async getMany(purchaseOrderIds: readonly string[]): Promise<PoRecord[]> {
    const found = await Promise.all(purchaseOrderIds.map((id) => this.get(id)));
    return found.filter((po): po is PoRecord => !!po);
  }

  async transact(ops: readonly StoreOp[]): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const items = ops.map((op) => this.transactItem(op, now));
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      const failure = transactionFailure(error);
      if (failure.kind === 'cancelled') {
        const failed = ops.filter((_, i) => failure.codes[i] === 'ConditionalCheckFailed');
        throw new StoreRefused(failed, failure.contended);
      }
      if (failure.kind === 'refused') throw new StoreRefused([], true);
      throw error;
    }
  }

  private transactItem(op: StoreOp, now: number): TransactItem {
    const TableName = this.tableName;
    const absent = { ConditionExpression: 'attribute_not_exists(pk)' };
    switch (op.kind) {
      case 'put':
        return {
          Put: {
            TableName,
            Item: toItem(op.po),
            ...(op.expectedRev === undefined
              ? absent
              : {
                  ConditionExpression: '#rev = :rev',
                  ExpressionAttributeNames: { '#rev': 'rev' },
                  ExpressionAttributeValues: { ':rev': op.expectedRev },
                }),
          },
        };
      case 'lock':
        return {
          Put: {
            TableName,
            Item: {
              ...lockKey(op.sku, op.locationId, op.supplierId),
              purchaseOrderId: op.purchaseOrderId,
              sku: op.sku,
              locationId: op.locationId,
              supplierId: op.supplierId,
            },
            ...absent,
          },
        };
      case 'unlock':
        return {
          Delete: {
            TableName,
            Key: lockKey(op.sku, op.locationId, op.supplierId),
            ConditionExpression: 'attribute_not_exists(pk) OR purchaseOrderId = :id',
            ExpressionAttributeValues: { ':id': op.purchaseOrderId },
          },
        };
      case 'callback':
        return {
          Put: {
            TableName,
            Item: {
              ...callbackKey(op.supplierId, op.webhookId),
              purchaseOrderId: op.purchaseOrderId,
              ttl: now + CALLBACK_TTL_SECONDS,
            },
            ...absent,
          },
        };
      case 'receiptKey':
        return {
          Put: {
            TableName,
            Item: {
              ...receiptKeyOf(op.purchaseOrderId, op.key),
              request: op.request,
              receiptId: op.receiptId,
              ttl: now + RECEIPT_KEY_TTL_SECONDS,
            },
            ...absent,
          },
        };
      case 'createKey':
        return {
          Put: {
            TableName,
            Item: {
              ...createKeyOf(op.key),
              request: op.request,
              purchaseOrderId: op.purchaseOrderId,
              ttl: now + CREATE_KEY_TTL_SECONDS,
            },
            ...absent,
          },
        };
    }
  }

  async lockHolder(sku: string, locationId: string, supplierId: string): Promise<string | undefined> {
    const item = await this.getItem(lockKey(sku, locationId, supplierId));
    return item?.purchaseOrderId as string | undefined;
  }

  async openLocks(
    sku: string,
    locationId: string,
  ): Promise<{ supplierId: string; purchaseOrderId: string }[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': lockKey(sku, locationId, '').pk },
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => ({
      supplierId: item.supplierId as string,
      purchaseOrderId: item.purchaseOrderId as string,
    }));
  }

  async callbackSeen(supplierId: string, webhookId: string): Promise<boolean> {
    return !!(await this.getItem(callbackKey(supplierId, webhookId)));
  }

  async receiptKey(purchaseOrderId: string, key: string) {
    const item = await this.getItem(receiptKeyOf(purchaseOrderId, key));
    return item && { request: item.request as string, receiptId: item.receiptId as string };
  }

  async createKey(key: string) {
    const item = await this.getItem(createKeyOf(key));
    return item && { request: item.request as string, purchaseOrderId: item.purchaseOrderId as string };
  }

  async list(query: ListPurchaseOrdersQuery): Promise<{ items: PoRecord[]; nextCursor: string | null }> {
    const filters = JSON.stringify([query.status ?? '', query.supplierId ?? '', query.sku ?? '']);
    const base = this.listQuery(query);
    let startKey = query.cursor
      ? decodeCursor(query.cursor, (value) => {
          const c = value as ListCursor | null;
          const ok = c?.f === filters && !!c.k && Object.values(c.k).every((v) => typeof v === 'string');
          return ok ? c.k : undefined;
        })
      : undefined;
    const items: Item[] = [];
    let reads = 0;
    do {
      const result = await this.client.send(
        new QueryCommand({
          ...base,
          Limit: query.limit,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey as Record<string, string> | undefined;
      reads++;
    } while (startKey && items.length < query.limit && reads < MAX_READS_PER_PAGE);
    const page = items.slice(0, query.limit);
    let next = startKey;
    if (items.length > query.limit) {
      // Cut mid-read: continue after the last item returned.
      const last = page.at(-1)!;
      const index = base.IndexName!;
      next = {
        pk: last.pk as string,
        sk: last.sk as string,
        [`${index}pk`]: last[`${index}pk`] as string,
        [`${index}sk`]: last[`${index}sk`] as string,
      };
    }
    return {
      items: page.map(toRecord),
      nextCursor: next ? encodeCursor({ k: next, f: filters } satisfies ListCursor) : null,
    };
  }

  private listQuery(query: ListPurchaseOrdersQuery): QueryCommandInput {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const filters: string[] = [];
    let index = ALL_INDEX;
    let pk = 'POS';
    if (query.supplierId) {
      index = SUPPLIER_INDEX;
      pk = `SUPPLIER#${query.supplierId}`;
      if (query.status) {
        names['#status'] = 'status';
        values[':status'] = query.status;
        filters.push('#status = :status');
      }
    } else if (query.status) {
      index = STATUS_INDEX;
      pk = `POSTATUS#${query.status}`;
    }
    if (query.sku) {
      values[':sku'] = query.sku;
      filters.push('contains(skus, :sku)');
    }
    values[':pk'] = pk;
    return {
      TableName: this.tableName,
      IndexName: index,
      KeyConditionExpression: `${index}pk = :pk`,
      ExpressionAttributeValues: values,
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ScanIndexForward: false,
    };
  }

  async bySupplier(supplierId: string, limit: number): Promise<PoRecord[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: SUPPLIER_INDEX,
        KeyConditionExpression: 'gsi3pk = :pk',
        ExpressionAttributeValues: { ':pk': `SUPPLIER#${supplierId}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(toRecord);
  }

  private async getItem(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }
}
