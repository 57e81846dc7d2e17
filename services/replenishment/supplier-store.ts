import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, requireEnv } from '../../lib/aws.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { tableEnvVar } from '../../lib/topology.ts';
import type { ListReorderRulesQuery } from './contract.ts';
import type { StoredRule, StoredSupplierItem } from './domain/model.ts';
import { type RuleStore, StaleRuleError, type StockPosition } from './domain/planner.ts';
import { StaleSupplierError, type SupplierRecord, type SupplierStore } from './domain/suppliers.ts';

/**
 * The suppliers' side of the `replenishment` table (the purchase orders' side — `PO#…`, `OPEN#…`,
 * `WEBHOOK#…`, `RECEIPT#…`, gsi1pk `POS`, gsi2, gsi3 — is in the purchase-order store):
 *   supplier  pk `SUPPLIER#<id>`  sk `PROFILE`          gsi1pk `SUPPLIERS`  gsi1sk `<id>`
 *   item      pk `SUPPLIER#<id>`  sk `ITEM#<sku>`
 *   rule      pk `RULE#<sku>`     sk `LOC#<locationId>`  gsi1pk `RULES`      gsi1sk `<sku>#<locationId>`
 *   level     pk `LEVEL#<sku>`    sk `LOC#<locationId>`  (the projection of StockLevelChanged)
 * Every write is conditional: `rev` (optimistic lock) or attribute_not_exists for a new item; a
 * level only replaces an older `levelVersion`. The signing secrets are not here (secrets.ts).
 */
export const REPLENISHMENT_TABLE = 'replenishment';
const LISTING_INDEX = 'gsi1';
const READ_BATCH = 100;

export const supplierKey = (supplierId: string) => ({ pk: `SUPPLIER#${supplierId}`, sk: 'PROFILE' });
export const itemKey = (supplierId: string, sku: string) => ({
  pk: `SUPPLIER#${supplierId}`,
  sk: `ITEM#${sku}`,
});
export const ruleKey = (sku: string, locationId: string) => ({ pk: `RULE#${sku}`, sk: `LOC#${locationId}` });
export const levelKey = (sku: string, locationId: string) => ({
  pk: `LEVEL#${sku}`,
  sk: `LOC#${locationId}`,
});

type Item = Record<string, unknown>;
const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk'];

/** The item without its keys: what the domain sees. */
function strip<T>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !KEY_ATTRIBUTES.includes(k))) as T;
}

const revCondition = (expectedRev: number | undefined): Partial<PutCommandInput> =>
  expectedRev === undefined
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : {
        ConditionExpression: '#rev = :rev',
        ExpressionAttributeNames: { '#rev': 'rev' },
        ExpressionAttributeValues: { ':rev': expectedRev },
      };

interface RuleCursor {
  k: Record<string, string>;
  /** The filter the cursor belongs to. */
  f: string;
}

export class DynamoSupplierStore implements SupplierStore, RuleStore {
  constructor(
    private readonly client: DynamoDBDocumentClient = documentClient(),
    private readonly tableName: string = requireEnv(tableEnvVar(REPLENISHMENT_TABLE)),
  ) {}

  // ------------------------------------------------------------ suppliers

  async getSupplier(supplierId: string): Promise<SupplierRecord | undefined> {
    const item = await this.get(supplierKey(supplierId));
    return item && strip<SupplierRecord>(item);
  }

  async listSuppliers(): Promise<SupplierRecord[]> {
    const items = await this.queryAll({
      IndexName: LISTING_INDEX,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': 'SUPPLIERS' },
    });
    return items.map((i) => strip<SupplierRecord>(i));
  }

  async saveSupplier(supplier: SupplierRecord, expectedRev: number | undefined): Promise<void> {
    await this.put(
      { ...supplier, ...supplierKey(supplier.id), gsi1pk: 'SUPPLIERS', gsi1sk: supplier.id },
      expectedRev,
      () => new StaleSupplierError(`Supplier ${supplier.id} was changed concurrently`),
    );
  }

  async deleteSupplier(supplierId: string, expectedRev: number): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: supplierKey(supplierId),
          ConditionExpression: '#rev = :rev',
          ExpressionAttributeNames: { '#rev': 'rev' },
          ExpressionAttributeValues: { ':rev': expectedRev },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new StaleSupplierError(`Supplier ${supplierId} was changed concurrently`, {}, { cause: error });
      }
      throw error;
    }
  }

  // ------------------------------------------------------------ supplier items

  async getItem(supplierId: string, sku: string): Promise<StoredSupplierItem | undefined> {
    const item = await this.get(itemKey(supplierId, sku));
    return item && strip<StoredSupplierItem>(item);
  }

  async listItems(supplierId: string): Promise<StoredSupplierItem[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :item)',
      ExpressionAttributeValues: { ':pk': supplierKey(supplierId).pk, ':item': 'ITEM#' },
    });
    return items.map((i) => strip<StoredSupplierItem>(i));
  }

  async saveItem(item: StoredSupplierItem, expectedRev: number | undefined): Promise<void> {
    await this.put(
      { ...item, ...itemKey(item.supplierId, item.sku) },
      expectedRev,
      () =>
        new StaleSupplierError(`Item ${item.sku} of supplier ${item.supplierId} was changed concurrently`),
    );
  }

  deleteItem(supplierId: string, sku: string): Promise<boolean> {
    return this.delete(itemKey(supplierId, sku));
  }

  // ------------------------------------------------------------ reorder rules

  async getRule(sku: string, locationId: string): Promise<StoredRule | undefined> {
    const item = await this.get(ruleKey(sku, locationId));
    return item && strip<StoredRule>(item);
  }

  /**
   * One page of rules: of a SKU (its partition), or every rule (gsi1 `RULES`, SKU then location
   * order), optionally of one location (a filter: a page may come back short, with a cursor).
   */
  async listRules(query: ListReorderRulesQuery): Promise<{ items: StoredRule[]; nextCursor: string | null }> {
    const { sku, locationId, limit } = query;
    if (sku && locationId) {
      const rule = await this.getRule(sku, locationId);
      return { items: rule ? [rule] : [], nextCursor: null };
    }
    const filter = `${sku ?? ''}|${locationId ?? ''}`;
    const startKey = query.cursor
      ? decodeCursor(query.cursor, (value) => {
          const c = value as RuleCursor | null;
          const ok =
            c?.f === filter &&
            typeof c.k === 'object' &&
            c.k !== null &&
            Object.values(c.k).every((v) => typeof v === 'string');
          return ok ? c.k : undefined;
        })
      : undefined;
    const input: QueryCommandInput = sku
      ? {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `RULE#${sku}` },
        }
      : {
          TableName: this.tableName,
          IndexName: LISTING_INDEX,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: {
            ':pk': 'RULES',
            ...(locationId ? { ':loc': locationId } : {}),
          },
          ...(locationId ? { FilterExpression: 'locationId = :loc' } : {}),
        };
    const page = await this.client.send(
      new QueryCommand({ ...input, Limit: limit, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    const last = page.LastEvaluatedKey as Record<string, string> | undefined;
    return {
      items: (page.Items ?? []).map((i) => strip<StoredRule>(i)),
      nextCursor: last ? encodeCursor({ k: last, f: filter } satisfies RuleCursor) : null,
    };
  }

  async saveRule(rule: StoredRule, expectedRev: number | undefined): Promise<void> {
    await this.put(
      {
        ...rule,
        ...ruleKey(rule.sku, rule.locationId),
        gsi1pk: 'RULES',
        gsi1sk: `${rule.sku}#${rule.locationId}`,
      },
      expectedRev,
      () => new StaleRuleError(`Reorder rule ${rule.sku}@${rule.locationId} was changed concurrently`),
    );
  }

  deleteRule(sku: string, locationId: string): Promise<boolean> {
    return this.delete(ruleKey(sku, locationId));
  }

  // ------------------------------------------------------------ the level projection

  async getLevel(sku: string, locationId: string): Promise<StockPosition | undefined> {
    const item = await this.get(levelKey(sku, locationId));
    return item && strip<StockPosition>(item);
  }

  /** One conditional put: only over nothing or an older levelVersion (late and duplicate events lose). */
  async applyLevel(level: StockPosition): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...level, ...levelKey(level.sku, level.locationId) },
          ConditionExpression: 'attribute_not_exists(pk) OR levelVersion < :version',
          ExpressionAttributeValues: { ':version': level.levelVersion },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  // ------------------------------------------------------------ helpers

  private async get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  private async put(item: Item, expectedRev: number | undefined, stale: () => Error): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ...revCondition(expectedRev) }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw Object.assign(stale(), { cause: error });
      throw error;
    }
  }

  private async delete(key: { pk: string; sk: string }): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  }

  /** Every item of a query, page after page (suppliers and one supplier's items: tens to hundreds). */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          ...input,
          TableName: this.tableName,
          Limit: READ_BATCH,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
