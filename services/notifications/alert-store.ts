import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, requireEnv } from '../../lib/aws.ts';
import { transactionFailure } from '../../lib/dynamo-errors.ts';
import { backoff, batchGetAll, queryAll } from '../../lib/dynamo-read.ts';
import { tableEnvVar } from '../../lib/topology.ts';
import type { Alert } from './contract.ts';
import type { IncomingLine, ProductInfo, SpikeType } from './domain/alert-content.ts';
import type {
  AlertStore,
  CommitResult,
  CoverState,
  DeadLetterState,
  LevelState,
  PurchaseOrderState,
} from './domain/alerting.ts';
import type { Recipient } from './domain/model.ts';

/**
 * Alerting's projections and episodes in the `notifications` table (deliveries, preferences,
 * defaults, suppressions and the inbox are in delivery-store.ts, under `DELIVERY#`, `PREF#`,
 * `DEFAULTS`, `SUPPRESS#`, `INBOX#`):
 *
 * | item               | pk                              | sk               | notes                                           |
 * |--------------------|---------------------------------|------------------|-------------------------------------------------|
 * | product            | `PRODUCT#<sku>`                 | `PRODUCT`        | ProductInfo; kept unless a version ≥ it is stored |
 * | person             | `USERS`                         | `USER#<id>`      | Recipient; same version guard                   |
 * | purchase order     | `PO#<id>`                       | `PO`             | PurchaseOrderState                              |
 * | incoming           | `INCOMING#<sku>#<locationId>`   | `PO#<poId>`      | IncomingLine; only while the PO is open and the line not fully received |
 * | level              | `LEVEL#<sku>#<locationId>`      | `LEVEL`          | LevelState; written on condition of its version |
 * | alert              | `ALERT#<id>`                    | `ALERT`          | `alert`                                         |
 * | spike window       | `SPIKE#<kind>#<windowStart>`    | `COUNT`          | `count`, `ttl`                                  |
 * | spike event marker | `SPIKE#<kind>#<windowStart>`    | `EVENT#<eventId>`| `ttl`: the event was counted                    |
 * | dead-letter state  | `DLQ#<queue>`                   | `STATE`          | DeadLetterState; written on condition of its episode |
 * | days of cover      | `COVER#<sku>#<locationId>`      | `STATE`          | CoverState; written on condition of its runAt   |
 *
 * A level and the alerts raised with it are one TransactWriteItems, as are a dead-letter state and
 * its alert, a cover state and its alert, and a spike event's marker and its count. Every read that decides something is
 * strongly consistent.
 */
const NOTIFICATIONS_TABLE = 'notifications';
/** TransactWriteItems takes at most 100 items. */
const MAX_TRANSACTION_ITEMS = 100;
/** Attempts of a spike count when other transactions on its window get in the way. */
const MAX_COUNT_ATTEMPTS = 8;

type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;
type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

const productKey = (sku: string): Key => ({ pk: `PRODUCT#${sku}`, sk: 'PRODUCT' });
const USERS_PK = 'USERS';
const userKey = (id: string): Key => ({ pk: USERS_PK, sk: `USER#${id}` });
const poKey = (id: string): Key => ({ pk: `PO#${id}`, sk: 'PO' });
const incomingPk = (sku: string, locationId: string) => `INCOMING#${sku}#${locationId}`;
const incomingKey = (sku: string, locationId: string, poId: string): Key => ({
  pk: incomingPk(sku, locationId),
  sk: `PO#${poId}`,
});
const levelKey = (sku: string, locationId: string): Key => ({
  pk: `LEVEL#${sku}#${locationId}`,
  sk: 'LEVEL',
});
const alertKey = (id: string): Key => ({ pk: `ALERT#${id}`, sk: 'ALERT' });
const spikePk = (kind: SpikeType, windowStart: string) => `SPIKE#${kind}#${windowStart}`;
const spikeCountKey = (kind: SpikeType, windowStart: string): Key => ({
  pk: spikePk(kind, windowStart),
  sk: 'COUNT',
});
const spikeEventKey = (kind: SpikeType, windowStart: string, eventId: string): Key => ({
  pk: spikePk(kind, windowStart),
  sk: `EVENT#${eventId}`,
});
const deadLetterKey = (queue: string): Key => ({ pk: `DLQ#${queue}`, sk: 'STATE' });
const coverKey = (sku: string, locationId: string): Key => ({
  pk: `COVER#${sku}#${locationId}`,
  sk: 'STATE',
});

/** The record without its keys. */
function strip<T>(item: Item): T {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

const isConditionFailure = (error: unknown) =>
  (error as Error | undefined)?.name === 'ConditionalCheckFailedException';

/** What one PO brings of each SKU (lines of the same SKU summed). */
function incomingLines(po: PurchaseOrderState): { line: IncomingLine; open: boolean }[] {
  const ordered = new Map<string, number>();
  for (const line of po.lines) ordered.set(line.sku, (ordered.get(line.sku) ?? 0) + line.quantity);
  return [...ordered].map(([sku, quantity]) => {
    const remaining = quantity - (po.received[sku] ?? 0);
    const line: IncomingLine = {
      purchaseOrderId: po.purchaseOrderId,
      sku,
      locationId: po.locationId,
      remaining,
      ordered: quantity,
      ...(po.expectedBy ? { expectedBy: po.expectedBy } : {}),
    };
    return { line, open: !po.closed && remaining > 0 };
  });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class DynamoAlertStore implements AlertStore {
  constructor(
    private readonly client: DynamoDBDocumentClient = documentClient(),
    private readonly tableName: string = requireEnv(tableEnvVar(NOTIFICATIONS_TABLE)),
  ) {}

  // -------------------------------------------------------------------- products and people

  async product(sku: string): Promise<ProductInfo | undefined> {
    const item = await this.getItem(productKey(sku));
    return item && strip<ProductInfo>(item);
  }

  async putProduct(product: ProductInfo): Promise<void> {
    await this.putNewer({ ...product, ...productKey(product.sku) }, product.version);
  }

  async putRecipient(recipient: Recipient): Promise<void> {
    await this.putNewer({ ...recipient, ...userKey(recipient.id) }, recipient.version);
  }

  async activeRecipients(): Promise<Recipient[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': USERS_PK, ':prefix': 'USER#' },
    });
    return items.map((item) => strip<Recipient>(item)).filter((r) => r.status === 'active');
  }

  async get(id: string): Promise<Recipient | undefined> {
    const item = await this.getItem(userKey(id));
    return item && strip<Recipient>(item);
  }

  /** Writes the item unless one of a version ≥ `version` is stored (an older snapshot changes nothing). */
  private async putNewer(item: Item, version: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR #version < :v',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':v': version },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  // -------------------------------------------------------------------- purchase orders

  async purchaseOrder(id: string): Promise<PurchaseOrderState | undefined> {
    const item = await this.getItem(poKey(id));
    return item && strip<PurchaseOrderState>(item);
  }

  async putPurchaseOrder(po: PurchaseOrderState): Promise<void> {
    const TableName = this.tableName;
    const lineItems: TransactItem[] = incomingLines(po).map(({ line, open }) =>
      open
        ? {
            Put: {
              TableName,
              Item: { ...line, ...incomingKey(line.sku, line.locationId, line.purchaseOrderId) },
            },
          }
        : { Delete: { TableName, Key: incomingKey(line.sku, line.locationId, line.purchaseOrderId) } },
    );
    // The PO last: in the final chunk when there are more than a transaction holds.
    const items: TransactItem[] = [
      ...lineItems,
      { Put: { TableName, Item: { ...po, ...poKey(po.purchaseOrderId) } } },
    ];
    for (const chunk of chunks(items, MAX_TRANSACTION_ITEMS))
      await this.client.send(new TransactWriteCommand({ TransactItems: chunk }));
  }

  async incoming(sku: string, locationId: string): Promise<IncomingLine[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': incomingPk(sku, locationId), ':prefix': 'PO#' },
    });
    return items.map((item) => strip<IncomingLine>(item));
  }

  // -------------------------------------------------------------------- levels

  async level(sku: string, locationId: string): Promise<LevelState | undefined> {
    const item = await this.getItem(levelKey(sku, locationId));
    return item && strip<LevelState>(item);
  }

  async commitLevel(
    next: LevelState,
    expectedVersion: number | undefined,
    alerts: Alert[],
  ): Promise<CommitResult> {
    const TableName = this.tableName;
    const level: TransactItem = {
      Put: {
        TableName,
        Item: { ...next, ...levelKey(next.sku, next.locationId) },
        ...(expectedVersion === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': expectedVersion },
            }),
      },
    };
    return this.commit([level, ...alerts.map((alert) => this.alertPut(alert))]);
  }

  // -------------------------------------------------------------------- alerts

  async alerts(ids: string[]): Promise<Alert[]> {
    const unique = [...new Set(ids)];
    const items = await batchGetAll(this.client, this.tableName, unique.map(alertKey));
    const found = new Map<string, Alert>();
    for (const item of items) {
      const alert = item.alert as Alert;
      found.set(alert.id, alert);
    }
    return ids.map((id) => found.get(id)).filter((a): a is Alert => !!a);
  }

  async raiseOnce(alert: Alert): Promise<Alert> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...alertKey(alert.id), alert },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return alert;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const stored = await this.getItem(alertKey(alert.id));
      return (stored?.alert as Alert | undefined) ?? alert;
    }
  }

  private alertPut(alert: Alert): TransactItem {
    return { Put: { TableName: this.tableName, Item: { ...alertKey(alert.id), alert } } };
  }

  // -------------------------------------------------------------------- spikes

  async countOnce(kind: SpikeType, windowStart: string, eventId: string, expiresAt: number): Promise<number> {
    const TableName = this.tableName;
    const items: TransactItem[] = [
      {
        Put: {
          TableName,
          Item: { ...spikeEventKey(kind, windowStart, eventId), ttl: expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName,
          Key: spikeCountKey(kind, windowStart),
          UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
          ExpressionAttributeNames: { '#count': 'count', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':one': 1, ':ttl': expiresAt },
        },
      },
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        break;
      } catch (error) {
        const failure = transactionFailure(error);
        // The marker exists: this event was counted already.
        if (failure.kind === 'cancelled' && failure.codes[0] === 'ConditionalCheckFailed') break;
        const retryable = (failure.kind === 'cancelled' && failure.contended) || failure.kind === 'refused';
        if (!retryable || attempt >= MAX_COUNT_ATTEMPTS) throw error;
        await backoff(attempt);
      }
    }
    const count = await this.getItem(spikeCountKey(kind, windowStart));
    return (count?.count as number | undefined) ?? 0;
  }

  // -------------------------------------------------------------------- days of cover

  async coverState(sku: string, locationId: string): Promise<CoverState | undefined> {
    const item = await this.getItem(coverKey(sku, locationId));
    return item && strip<CoverState>(item);
  }

  async commitCover(
    next: CoverState,
    expectedRunAt: string | undefined,
    alert?: Alert,
  ): Promise<CommitResult> {
    const state: TransactItem = {
      Put: {
        TableName: this.tableName,
        Item: { ...next, ...coverKey(next.sku, next.locationId) },
        ...(expectedRunAt === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: '#runAt = :expected',
              ExpressionAttributeNames: { '#runAt': 'runAt' },
              ExpressionAttributeValues: { ':expected': expectedRunAt },
            }),
      },
    };
    return this.commit(alert ? [state, this.alertPut(alert)] : [state]);
  }

  // -------------------------------------------------------------------- dead-letter queues

  async deadLetterState(queue: string): Promise<DeadLetterState | undefined> {
    const item = await this.getItem(deadLetterKey(queue));
    return item && strip<DeadLetterState>(item);
  }

  async commitDeadLetter(
    next: DeadLetterState,
    expectedEpisode: number | undefined,
    alert: Alert,
  ): Promise<CommitResult> {
    const state: TransactItem = {
      Put: {
        TableName: this.tableName,
        Item: { ...next, ...deadLetterKey(next.queue) },
        ...(expectedEpisode === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: '#episode = :e',
              ExpressionAttributeNames: { '#episode': 'episode' },
              ExpressionAttributeValues: { ':e': expectedEpisode },
            }),
      },
    };
    return this.commit([state, this.alertPut(alert)]);
  }

  // -------------------------------------------------------------------- helpers

  /**
   * One transaction whose first item carries the condition: refused on it (or crossed by another
   * transaction, which a re-read and retry also fixes) → 'conflict'; anything else throws.
   */
  private async commit(items: TransactItem[]): Promise<CommitResult> {
    if (items.length > MAX_TRANSACTION_ITEMS)
      throw new Error(`a commit of ${items.length} items exceeds one transaction`);
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return 'committed';
    } catch (error) {
      const failure = transactionFailure(error);
      if (
        failure.kind === 'cancelled' &&
        (failure.codes[0] === 'ConditionalCheckFailed' || failure.contended)
      )
        return 'conflict';
      throw error;
    }
  }

  private async getItem(key: Key): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }
}
