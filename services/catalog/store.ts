import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, requireEnv } from '../../lib/aws.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import type { Envelope } from '../../lib/events.ts';
import { OUTBOX_ATTRIBUTE } from '../../lib/outbox.ts';
import { tableEnvVar } from '../../lib/topology.ts';
import type { ListProductsQuery } from './contract.ts';
import type { ProductStore } from './domain/catalog.ts';
import { VersionConflictError } from './domain/errors.ts';
import {
  type Change,
  EMPTY_STOCK,
  type ProductState,
  type StockByLocation,
  searchTextOf,
  stockTotals,
} from './domain/product.ts';

/**
 * The catalog table. One item per product:
 *   pk `PRODUCT#<sku>`, sk `PRODUCT`; gsi1pk `CAT#<category>`, gsi1sk `<lower(name)>#<sku>` (listing
 *   by category, name-ordered); `searchText` (lower-case name and SKU, for search); `outbox` (the
 *   latest event envelopes, published by the table stream); `stockByLocation` + `stock` +
 *   `stockRevision` (the stock projection, written only by the stock-events consumer).
 * Idempotency records of the API live in the same table under pk `IDEMP#...` (see idempotency.ts).
 */
export const productKey = (sku: string) => ({ pk: `PRODUCT#${sku}`, sk: 'PRODUCT' });
const PRODUCT_PREFIX = 'PRODUCT#';
const CATEGORY_INDEX = 'gsi1';
/** Items read per DynamoDB request, and requests per listing call, when filters thin the results out. */
const READ_BATCH = 100;
const MAX_READS_PER_PAGE = 10;

/** Attributes that make up the product itself (everything but keys and the stock projection). */
const PRODUCT_FIELDS = [
  'sku',
  'name',
  'description',
  'category',
  'price',
  'cost',
  'reorderPoint',
  'safetyStock',
  'allowBackorder',
  'attributes',
  'imageKeys',
  'status',
  'version',
  'createdAt',
  'updatedAt',
  'updatedBy',
] as const;

type Item = Record<string, unknown>;

function toState(item: Item): ProductState {
  const state = Object.fromEntries(PRODUCT_FIELDS.map((f) => [f, item[f]])) as Omit<
    ProductState,
    'stockByLocation' | 'outbox'
  >;
  return {
    ...state,
    attributes: (item.attributes as ProductState['attributes']) ?? {},
    imageKeys: (item.imageKeys as string[]) ?? [],
    stockByLocation: (item.stockByLocation as StockByLocation) ?? {},
    outbox: (item[OUTBOX_ATTRIBUTE] as Envelope[]) ?? [],
  };
}

interface CursorState {
  /** The DynamoDB key to continue after. */
  k: Record<string, string>;
  /** The category the listing was filtered by, so a cursor is not reused for another listing. */
  c: string;
}

function decodeListCursor(cursor: string, category: string | undefined): Record<string, string> {
  const wanted = category ? ['pk', 'sk', 'gsi1pk', 'gsi1sk'] : ['pk', 'sk'];
  return decodeCursor(cursor, (value) => {
    const state = value as CursorState | null;
    const key = state?.k;
    const ok =
      state?.c === (category ?? '') &&
      typeof key === 'object' &&
      key !== null &&
      Object.keys(key).length === wanted.length &&
      wanted.every((name) => typeof key[name] === 'string');
    return ok ? key : undefined;
  });
}

export class DynamoProductStore implements ProductStore {
  constructor(
    private readonly client: DynamoDBDocumentClient = documentClient(),
    private readonly tableName: string = requireEnv(tableEnvVar('catalog')),
  ) {}

  async get(sku: string): Promise<ProductState | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: productKey(sku), ConsistentRead: true }),
    );
    return Item ? toState(Item) : undefined;
  }

  /**
   * One UpdateItem conditioned on the version we read (optimistic lock): the product fields, its
   * listing keys and its outbox together. The stock projection is left as it is (initialised
   * when absent), so a product write never overwrites what the stock consumer wrote.
   */
  async save({ product, expectedVersion }: Change): Promise<void> {
    const values: Item = {
      ...Object.fromEntries(PRODUCT_FIELDS.map((f) => [f, product[f]])),
      gsi1pk: `CAT#${product.category}`,
      gsi1sk: `${product.name.toLowerCase()}#${product.sku}`,
      searchText: searchTextOf(product),
      [OUTBOX_ATTRIBUTE]: product.outbox,
    };
    const names: Record<string, string> = {};
    const attributeValues: Item = {};
    const sets = Object.entries(values).map(([name, value], i) => {
      names[`#a${i}`] = name;
      attributeValues[`:a${i}`] = value;
      return `#a${i} = :a${i}`;
    });
    sets.push(
      'stockByLocation = if_not_exists(stockByLocation, :noStock)',
      'stock = if_not_exists(stock, :zeroStock)',
      'stockRevision = if_not_exists(stockRevision, :zero)',
    );
    Object.assign(attributeValues, { ':noStock': {}, ':zeroStock': EMPTY_STOCK, ':zero': 0 });
    let condition = 'attribute_not_exists(pk)';
    if (expectedVersion !== undefined) {
      condition = '#version = :expected';
      names['#version'] = 'version';
      attributeValues[':expected'] = expectedVersion;
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: productKey(product.sku),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: attributeValues,
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new VersionConflictError(`Product ${product.sku} was changed concurrently`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Listing. With a category: a query on gsi1 (name order). Without: a scan of product items.
   * Status and search are filters, evaluated after the read, so a page may take several reads;
   * we stop after MAX_READS_PER_PAGE reads and hand back a cursor even if the page is short.
   * This is fine at catalog scale (thousands of SKUs); a large catalog would search an
   * OpenSearch index or a read model fed by the same events instead of filtering here.
   */
  async list(query: ListProductsQuery): Promise<{ items: ProductState[]; nextCursor?: string }> {
    const { category, search, status, limit } = query;
    const names: Record<string, string> = {};
    const values: Item = {};
    const filters: string[] = [];
    if (status !== 'all') {
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = status;
    }
    if (search) {
      filters.push('contains(searchText, :search)');
      values[':search'] = search.toLowerCase();
    }
    const keyNames = category ? ['pk', 'sk', 'gsi1pk', 'gsi1sk'] : ['pk', 'sk'];
    if (!category) {
      filters.unshift('begins_with(pk, :productPrefix)');
      values[':productPrefix'] = PRODUCT_PREFIX;
    } else {
      values[':category'] = `CAT#${category}`;
    }
    const common = {
      TableName: this.tableName,
      Limit: READ_BATCH,
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    };
    const keyOf = (item: Item) => Object.fromEntries(keyNames.map((n) => [n, String(item[n])]));
    const cursorFor = (key: Record<string, string>) => encodeCursor({ k: key, c: category ?? '' });

    const items: ProductState[] = [];
    let startKey: Record<string, unknown> | undefined = query.cursor
      ? decodeListCursor(query.cursor, category)
      : undefined;
    for (let reads = 1; ; reads++) {
      const page = await this.client.send(
        category
          ? new QueryCommand({
              ...common,
              IndexName: CATEGORY_INDEX,
              KeyConditionExpression: 'gsi1pk = :category',
              ExclusiveStartKey: startKey,
            })
          : new ScanCommand({ ...common, ExclusiveStartKey: startKey }),
      );
      const found = page.Items ?? [];
      for (const [i, item] of found.entries()) {
        items.push(toState(item));
        if (items.length === limit) {
          const more = i < found.length - 1 || page.LastEvaluatedKey !== undefined;
          return more ? { items, nextCursor: cursorFor(keyOf(item)) } : { items };
        }
      }
      if (!page.LastEvaluatedKey) return { items };
      startKey = page.LastEvaluatedKey;
      if (reads >= MAX_READS_PER_PAGE) {
        return { items, nextCursor: cursorFor(keyOf(page.LastEvaluatedKey)) };
      }
    }
  }

  async getStock(sku: string): Promise<{ byLocation: StockByLocation; revision: number } | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: productKey(sku),
        ConsistentRead: true,
        ProjectionExpression: 'pk, stockByLocation, stockRevision',
      }),
    );
    if (!Item) return undefined;
    return {
      byLocation: (Item.stockByLocation as StockByLocation) ?? {},
      revision: (Item.stockRevision as number) ?? 0,
    };
  }

  /** Writes only the projection attributes; never the product's version or outbox. */
  async saveStock(sku: string, byLocation: StockByLocation, expectedRevision: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: productKey(sku),
          UpdateExpression: 'SET stockByLocation = :byLocation, stock = :stock, stockRevision = :next',
          ConditionExpression:
            expectedRevision === 0
              ? 'attribute_exists(pk) AND (attribute_not_exists(stockRevision) OR stockRevision = :expected)'
              : 'attribute_exists(pk) AND stockRevision = :expected',
          ExpressionAttributeValues: {
            ':byLocation': byLocation,
            ':stock': stockTotals(byLocation),
            ':next': expectedRevision + 1,
            ':expected': expectedRevision,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new VersionConflictError(`Stock projection of ${sku} changed concurrently`, { cause: error });
      }
      throw error;
    }
  }
}
