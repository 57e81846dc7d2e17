import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, requireEnv } from '../../lib/aws.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { transactionFailure } from '../../lib/dynamo-errors.ts';
import { backoff, batchGetAll, queryAll } from '../../lib/dynamo-read.ts';
import { tableEnvVar } from '../../lib/topology.ts';
import type {
  Alert,
  DeliveryStatus,
  Delivery as DeliveryView,
  InboxAlert,
  NotificationDefaults,
  UserPreferences,
} from './contract.ts';
import type {
  Attempt,
  DeliveryLogQuery,
  DeliveryRecord,
  DeliveryStore,
  InboxPage,
  InboxStore,
} from './domain/delivery.ts';

/**
 * Deliveries, preferences, suppressions and the in-app inbox in the `notifications` table (the
 * alerting half keeps its projections and alerts there too, under other keys):
 *
 * | item            | pk                    | sk                         | notes                                   |
 * |-----------------|-----------------------|----------------------------|-----------------------------------------|
 * | delivery        | `DELIVERY#<id>`       | `DELIVERY`                 | the whole DeliveryRecord (alert and person snapshots); gsi1 `DELIVERIES` sorted `<createdAt>#<id>`; gsi2 `WAITING` sorted `<releaseAt>#<id>` while it waits |
 * | preferences     | `PREF#<userId>`       | `PREF`                     | levels 2 and 3 of one user, `updatedAt` |
 * | defaults        | `DEFAULTS`            | `DEFAULTS`                 | level 1, `types`, `updatedAt`           |
 * | suppression     | `SUPPRESS#<address>`  | `SUPPRESS`                 | lowercased address; `reason`, `at`      |
 * | inbox item      | `INBOX#<userId>`      | `ITEM#<raisedAt>#<alertId>`| `alert`, `read`, `readAt`; `ttl` 90 days |
 * | inbox counter   | `INBOX#<userId>`      | `COUNTER`                  | `unread`, `version` (bumped per add), `readAllAt` |
 *
 * A delivery is on the waiting index (gsi2) while it is `held` or `digest`, and while it is
 * `pending` after a release until it is queued (`keepWaiting`, then `leaveWaiting`); a record
 * created `pending` with a `releaseAt` (a digest) starts there too, so a flush that crashes
 * before queueing it finds it again. gsi2 is eventually consistent: the flush's conditional
 * status changes make a stale entry harmless.
 *
 * The inbox counter changes only in the same transaction as the item it counts, so a repeat (a
 * redelivered alert, a second "read") never counts twice. Items expire after 90 days; an unread
 * one that does counts on until "read all", which sets the counter to what it marked.
 */
export const NOTIFICATIONS_TABLE = 'notifications';
const LOG_INDEX = 'gsi1';
const WAITING_INDEX = 'gsi2';
const LOG_PK = 'DELIVERIES';
const WAITING_PK = 'WAITING';

const INBOX_TTL_SECONDS = 90 * 24 * 3600;
/** Queries per page when a filter thins the results out. */
const MAX_READS_PER_PAGE = 5;
/** At most this many waiting deliveries per flush; the next run takes the rest. */
const MAX_WAITING = 1000;
/** TransactWriteItems takes 100 items: 99 inbox items and their counter. */
const READ_ALL_CHUNK = 99;
/** Parallel conditional puts when writing deliveries. */
const WRITE_CONCURRENCY = 25;
const TRANSACT_ATTEMPTS = 5;

const WAITING_STATUSES: readonly DeliveryStatus[] = ['held', 'digest'];

const deliveryKey = (id: string) => ({ pk: `DELIVERY#${id}`, sk: 'DELIVERY' });
const prefKey = (userId: string) => ({ pk: `PREF#${userId}`, sk: 'PREF' });
const DEFAULTS_KEY = { pk: 'DEFAULTS', sk: 'DEFAULTS' };
const suppressKey = (address: string) => ({ pk: `SUPPRESS#${address.toLowerCase()}`, sk: 'SUPPRESS' });
const inboxPk = (userId: string) => `INBOX#${userId}`;
const ITEM_PREFIX = 'ITEM#';
const inboxItemKey = (userId: string, alert: Pick<Alert, 'id' | 'raisedAt'>) => ({
  pk: inboxPk(userId),
  sk: `${ITEM_PREFIX}${alert.raisedAt}#${alert.id}`,
});
const counterKey = (userId: string) => ({ pk: inboxPk(userId), sk: 'COUNTER' });
const COUNTER_NAMES = { '#unread': 'unread', '#version': 'version' };

const STORAGE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'ttl'];
/** What the delivery log reads of a record: the view, not the snapshots, plus the keys a cursor needs. */
const VIEW_ATTRIBUTES = [
  'id',
  'alertId',
  'alertType',
  'alertIds',
  'sku',
  'userId',
  'recipient',
  'channel',
  'status',
  'reason',
  'subject',
  'attempts',
  'createdAt',
  'releaseAt',
  'sentAt',
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
] as const;

type Item = Record<string, unknown>;
type Key = Record<string, string>;
type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

const isConditionFailure = (error: unknown): boolean =>
  (error as Error | undefined)?.name === 'ConditionalCheckFailedException';

const ttlFromNow = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

function startsWaiting(record: DeliveryRecord): boolean {
  if (!record.releaseAt) return false;
  return WAITING_STATUSES.includes(record.status) || record.status === 'pending';
}

function toItem(record: DeliveryRecord): Item {
  return {
    ...record,
    ...deliveryKey(record.id),
    gsi1pk: LOG_PK,
    gsi1sk: `${record.createdAt}#${record.id}`,
    ...(startsWaiting(record) ? { gsi2pk: WAITING_PK, gsi2sk: `${record.releaseAt}#${record.id}` } : {}),
  };
}

function toRecord<T>(item: Item): T {
  const record = { ...item };
  for (const attribute of STORAGE_ATTRIBUTES) delete record[attribute];
  return record as T;
}

interface ListCursor {
  /** LastEvaluatedKey (or the key of the last item returned). */
  k: Key;
  /** The filters it belongs to. */
  f: string;
}

const isKey = (value: unknown): value is Key =>
  !!value &&
  typeof value === 'object' &&
  Object.keys(value).length > 0 &&
  Object.values(value).every((v) => typeof v === 'string');

function startKeyOf(cursor: string | undefined, filters: string): Key | undefined {
  if (!cursor) return undefined;
  return decodeCursor(cursor, (value) => {
    const c = value as ListCursor | null;
    return c?.f === filters && isKey(c.k) ? c.k : undefined;
  });
}

/** Shared by both stores: one table, one client. */
class NotificationsTable {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(key: Key): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  /** The items of the distinct keys, strongly consistent (`batchGetAll`: 100 per request, retried). */
  async getMany(keys: Key[]): Promise<Item[]> {
    const distinct = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, k])).values()];
    return batchGetAll(this.client, this.tableName, distinct);
  }

  /**
   * One page of a listing: reads until `limit` items passed the filter (at most
   * MAX_READS_PER_PAGE queries), and a cursor that continues after the last item returned.
   */
  async page(
    input: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>,
    limit: number,
    cursor: string | undefined,
    filters: string,
    keyOf: (item: Item) => Key,
  ): Promise<{ items: Item[]; nextCursor?: string }> {
    let startKey = startKeyOf(cursor, filters);
    const items: Item[] = [];
    let reads = 0;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ...input,
          Limit: limit,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey as Key | undefined;
      reads++;
    } while (startKey && items.length < limit && reads < MAX_READS_PER_PAGE);
    const page = items.slice(0, limit);
    // Cut mid-read: continue after the last item returned.
    const next = items.length > limit ? keyOf(page.at(-1)!) : startKey;
    return {
      items: page,
      ...(next ? { nextCursor: encodeCursor({ k: next, f: filters } satisfies ListCursor) } : {}),
    };
  }

  /**
   * TransactWriteItems, retried while DynamoDB refuses it for contention or its outcome is
   * unknown (every transaction here is conditional, so a repeat of one that committed is
   * cancelled rather than applied twice). Returns the cancellation reasons when a condition
   * failed, undefined when it committed.
   */
  async transact(items: TransactItem[]): Promise<(string | undefined)[] | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        return undefined;
      } catch (error) {
        const failure = transactionFailure(error);
        const last = attempt >= TRANSACT_ATTEMPTS;
        if (failure.kind === 'cancelled') {
          if (!failure.contended) return failure.codes;
          if (last) throw error;
        } else if (failure.kind === 'other' || last) {
          throw error;
        }
        await backoff(attempt);
      }
    }
  }
}

// ------------------------------------------------------------------------------ deliveries

export class DynamoDeliveryStore implements DeliveryStore {
  private readonly table: NotificationsTable;

  constructor(
    client: DynamoDBDocumentClient = documentClient(),
    tableName: string = requireEnv(tableEnvVar(NOTIFICATIONS_TABLE)),
  ) {
    this.table = new NotificationsTable(client, tableName);
  }

  private get client() {
    return this.table.client;
  }
  private get tableName() {
    return this.table.tableName;
  }

  async createDeliveries(records: DeliveryRecord[]): Promise<DeliveryRecord[]> {
    const stored: DeliveryRecord[] = [];
    for (let i = 0; i < records.length; i += WRITE_CONCURRENCY) {
      const chunk = records.slice(i, i + WRITE_CONCURRENCY);
      stored.push(...(await Promise.all(chunk.map((record) => this.create(record)))));
    }
    return stored;
  }

  private async create(record: DeliveryRecord): Promise<DeliveryRecord> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return record;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.getDelivery(record.id);
      if (!existing) throw error;
      return existing;
    }
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const item = await this.table.get(deliveryKey(id));
    return item && toRecord<DeliveryRecord>(item);
  }

  async recordAttempt(
    id: string,
    attempt: Attempt,
    change: { status: DeliveryStatus; sentAt?: string; subject?: string; reason?: string },
  ): Promise<void> {
    const names: Record<string, string> = { '#status': 'status', '#attempts': 'attempts' };
    const values: Record<string, unknown> = {
      ':status': change.status,
      ':attempt': [attempt],
      ':none': [],
    };
    const sets = ['#status = :status', '#attempts = list_append(if_not_exists(#attempts, :none), :attempt)'];
    for (const field of ['sentAt', 'subject', 'reason'] as const) {
      const value = change[field];
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    // Still pending (a retry to come): it keeps its place on the waiting index, if it has one.
    // The attempt is over: its claim goes (the next receive may claim it at once).
    const leaves =
      change.status !== 'pending' && !WAITING_STATUSES.includes(change.status)
        ? ' REMOVE claimedUntil, gsi2pk, gsi2sk'
        : ' REMOVE claimedUntil';
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryKey(id),
          UpdateExpression: `SET ${sets.join(', ')}${leaves}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new Error(`no delivery ${id} to record an attempt on`);
      throw error;
    }
  }

  async claim(id: string, now: string, until: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryKey(id),
          UpdateExpression: 'SET claimedUntil = :until',
          ConditionExpression:
            '#status IN (:pending, :failed) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':until': until,
            ':now': now,
            ':pending': 'pending',
            ':failed': 'failed',
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async changeStatus(
    id: string,
    from: DeliveryStatus[],
    change: { status: DeliveryStatus; reason?: string; sentAt?: string; keepWaiting?: boolean },
  ): Promise<boolean> {
    if (from.length === 0) return false;
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':status': change.status };
    from.forEach((status, i) => {
      values[`:from${i}`] = status;
    });
    const sets = ['#status = :status'];
    for (const field of ['reason', 'sentAt'] as const) {
      const value = change[field];
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryKey(id),
          UpdateExpression: `SET ${sets.join(', ')}${change.keepWaiting ? '' : ' REMOVE gsi2pk, gsi2sk'}`,
          // `#status IN (…)` is false for an absent record: nothing is created.
          ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async waiting(now: string): Promise<DeliveryRecord[]> {
    const items: Item[] = [];
    let ExclusiveStartKey: Key | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: WAITING_INDEX,
          KeyConditionExpression: 'gsi2pk = :waiting AND gsi2sk <= :upto',
          // `<releaseAt>#<id>` sorts after `<releaseAt>`: every id released at `now` is below this.
          ExpressionAttributeValues: { ':waiting': WAITING_PK, ':upto': `${now}\uffff` },
          Limit: MAX_WAITING - items.length,
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      items.push(...(result.Items ?? []));
      ExclusiveStartKey = result.LastEvaluatedKey as Key | undefined;
    } while (ExclusiveStartKey && items.length < MAX_WAITING);
    // The index projects every attribute (ALL, as infra/ and local/ create it).
    return items.map((item) => toRecord<DeliveryRecord>(item));
  }

  async leaveWaiting(id: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryKey(id),
          UpdateExpression: 'REMOVE gsi2pk, gsi2sk',
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async suppressions(addresses: string[]): Promise<Map<string, string>> {
    const items = await this.table.getMany(addresses.filter(Boolean).map(suppressKey));
    return new Map(items.map((item) => [item.address as string, item.reason as string]));
  }

  async recordFeedback(input: {
    deliveryId?: string;
    address: string;
    kind: 'bounced' | 'complained';
    permanent: boolean;
    at: string;
    detail: string;
  }): Promise<void> {
    if (input.deliveryId) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: deliveryKey(input.deliveryId),
            UpdateExpression: 'SET #status = :status, #reason = :reason REMOVE gsi2pk, gsi2sk',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#status': 'status', '#reason': 'reason' },
            ExpressionAttributeValues: { ':status': input.kind, ':reason': input.detail },
          }),
        );
      } catch (error) {
        // Feedback on a delivery we no longer (or never) had: the address may still be suppressed.
        if (!isConditionFailure(error)) throw error;
      }
    }
    if (input.kind === 'complained' || input.permanent) {
      const address = input.address.toLowerCase();
      const why = input.kind === 'complained' ? 'the recipient complained' : 'the address bounced for good';
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...suppressKey(address),
            address,
            reason: `${why} (${input.at}): ${input.detail}`,
            kind: input.kind,
            at: input.at,
          },
        }),
      );
    }
  }

  async defaults(): Promise<Partial<NotificationDefaults['types']>> {
    const item = await this.table.get(DEFAULTS_KEY);
    return (item?.types as Partial<NotificationDefaults['types']> | undefined) ?? {};
  }

  async putDefaults(types: NotificationDefaults['types'], at: string): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...DEFAULTS_KEY, types, updatedAt: at } }),
    );
  }

  async preferences(
    userId: string,
  ): Promise<{ preferences: UserPreferences; updatedAt: string } | undefined> {
    const item = await this.table.get(prefKey(userId));
    return item && { preferences: item.preferences as UserPreferences, updatedAt: item.updatedAt as string };
  }

  async preferencesOf(userIds: string[]): Promise<Map<string, UserPreferences>> {
    const items = await this.table.getMany(userIds.map(prefKey));
    return new Map(items.map((item) => [item.userId as string, item.preferences as UserPreferences]));
  }

  async putPreferences(userId: string, preferences: UserPreferences, at: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...prefKey(userId), userId, preferences, updatedAt: at },
      }),
    );
  }

  async listDeliveries(query: DeliveryLogQuery): Promise<{ items: DeliveryView[]; nextCursor?: string }> {
    const names: Record<string, string> = {};
    VIEW_ATTRIBUTES.forEach((attribute, i) => {
      names[`#a${i}`] = attribute;
    });
    const nameOf = (attribute: (typeof VIEW_ATTRIBUTES)[number]) => `#a${VIEW_ATTRIBUTES.indexOf(attribute)}`;
    const values: Record<string, unknown> = { ':pk': LOG_PK };
    const filters: string[] = [];
    const filterOn = [
      ['channel', query.channel],
      ['alertType', query.type],
      ['sku', query.sku],
      ['status', query.status],
    ] as const;
    for (const [attribute, value] of filterOn) {
      if (value === undefined) continue;
      values[`:${attribute}`] = value;
      filters.push(`${nameOf(attribute)} = :${attribute}`);
    }
    const { items, nextCursor } = await this.table.page(
      {
        IndexName: LOG_INDEX,
        KeyConditionExpression: `${nameOf('gsi1pk')} = :pk`,
        ProjectionExpression: VIEW_ATTRIBUTES.map((_, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
        ScanIndexForward: false,
      },
      query.limit,
      query.cursor,
      JSON.stringify(filterOn.map(([, value]) => value ?? '')),
      (item) => ({
        pk: item.pk as string,
        sk: item.sk as string,
        gsi1pk: item.gsi1pk as string,
        gsi1sk: item.gsi1sk as string,
      }),
    );
    return {
      items: items.map((item) => toRecord<DeliveryView>(item)),
      ...(nextCursor ? { nextCursor } : {}),
    };
  }
}

// ------------------------------------------------------------------------------ the inbox

function toInboxAlert(item: Item): InboxAlert {
  return {
    ...(item.alert as Alert),
    read: item.read === true,
    ...(typeof item.readAt === 'string' ? { readAt: item.readAt } : {}),
  };
}

export class DynamoInboxStore implements InboxStore {
  private readonly table: NotificationsTable;

  constructor(
    client: DynamoDBDocumentClient = documentClient(),
    tableName: string = requireEnv(tableEnvVar(NOTIFICATIONS_TABLE)),
  ) {
    this.table = new NotificationsTable(client, tableName);
  }

  private get tableName() {
    return this.table.tableName;
  }

  async addToInbox(userId: string, alert: Alert): Promise<void> {
    // A repeat is cancelled by the item's condition, so the counter is not bumped twice.
    await this.table.transact([
      {
        Put: {
          TableName: this.tableName,
          Item: { ...inboxItemKey(userId, alert), alert, read: false, ttl: ttlFromNow(INBOX_TTL_SECONDS) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: counterKey(userId),
          UpdateExpression: 'ADD #unread :one, #version :one',
          ExpressionAttributeNames: COUNTER_NAMES,
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
    ]);
  }

  async updateInboxAlert(userId: string, alert: Alert): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: inboxItemKey(userId, alert),
          UpdateExpression: 'SET #alert = :alert',
          ExpressionAttributeNames: { '#alert': 'alert' },
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':alert': alert },
        }),
      );
    } catch (error) {
      // Not in this user's inbox (they did not receive it in-app): nothing to update.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async inbox(
    userId: string,
    query: { limit: number; cursor?: string; unread?: boolean },
  ): Promise<InboxPage> {
    const [page, unread] = await Promise.all([
      this.table.page(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :item)',
          ExpressionAttributeValues: {
            ':pk': inboxPk(userId),
            ':item': ITEM_PREFIX,
            ...(query.unread ? { ':false': false } : {}),
          },
          ...(query.unread
            ? { FilterExpression: '#read = :false', ExpressionAttributeNames: { '#read': 'read' } }
            : {}),
          ScanIndexForward: false,
          ConsistentRead: true,
        },
        query.limit,
        query.cursor,
        JSON.stringify([userId, query.unread === true]),
        (item) => ({ pk: item.pk as string, sk: item.sk as string }),
      ),
      this.unread(userId),
    ]);
    return {
      items: page.items.map(toInboxAlert),
      unread,
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  private async counter(userId: string): Promise<{ unread: number; version?: number }> {
    const item = await this.table.get(counterKey(userId));
    return {
      unread: Math.max(0, Number(item?.unread ?? 0)),
      ...(item?.version !== undefined ? { version: Number(item.version) } : {}),
    };
  }

  private async unread(userId: string): Promise<number> {
    return (await this.counter(userId)).unread;
  }

  async markRead(userId: string, alert: Alert, at: string): Promise<InboxAlert | undefined> {
    const key = inboxItemKey(userId, alert);
    await this.table.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #read = :true, #readAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND #read = :false',
          ExpressionAttributeNames: { '#read': 'read', '#readAt': 'readAt' },
          ExpressionAttributeValues: { ':true': true, ':false': false, ':at': at },
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: counterKey(userId),
          UpdateExpression: 'ADD #unread :minus',
          ExpressionAttributeNames: { '#unread': 'unread' },
          ExpressionAttributeValues: { ':minus': -1 },
        },
      },
    ]);
    // Committed, or cancelled because it was already read (or is not there): read what is stored.
    const item = await this.table.get(key);
    return item && toInboxAlert(item);
  }

  /**
   * Marks every unread item read, 99 per transaction with the counter decremented by as many.
   * The last transaction sets the counter to 0 on condition that no alert arrived meanwhile
   * (`version`, bumped by every add); otherwise it starts over with what is unread now.
   */
  async markAllRead(userId: string, at: string): Promise<number> {
    for (let attempt = 1; attempt <= TRANSACT_ATTEMPTS; attempt++) {
      const { version } = await this.counter(userId);
      const unreadItems = await this.unreadKeys(userId);
      let restart = false;
      for (let i = 0; ; i += READ_ALL_CHUNK) {
        const chunk = unreadItems.slice(i, i + READ_ALL_CHUNK);
        const last = i + READ_ALL_CHUNK >= unreadItems.length;
        const marks: TransactItem[] = chunk.map((key) => ({
          Update: {
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET #read = :true, #readAt = :at',
            ConditionExpression: 'attribute_exists(pk) AND #read = :false',
            ExpressionAttributeNames: { '#read': 'read', '#readAt': 'readAt' },
            ExpressionAttributeValues: { ':true': true, ':false': false, ':at': at },
          },
        }));
        const counter: TransactItem = last
          ? {
              Update: {
                TableName: this.tableName,
                Key: counterKey(userId),
                UpdateExpression: 'SET #unread = :zero, #readAllAt = :at',
                ConditionExpression:
                  version === undefined ? 'attribute_not_exists(#version)' : '#version = :version',
                ExpressionAttributeNames: { ...COUNTER_NAMES, '#readAllAt': 'readAllAt' },
                ExpressionAttributeValues: {
                  ':zero': 0,
                  ':at': at,
                  ...(version === undefined ? {} : { ':version': version }),
                },
              },
            }
          : {
              Update: {
                TableName: this.tableName,
                Key: counterKey(userId),
                UpdateExpression: 'ADD #unread :minus',
                ExpressionAttributeNames: { '#unread': 'unread' },
                ExpressionAttributeValues: { ':minus': -chunk.length },
              },
            };
        if (await this.table.transact([...marks, counter])) {
          restart = true;
          break;
        }
        if (last) break;
      }
      if (!restart) return 0;
      await backoff(attempt);
    }
    return this.unread(userId);
  }

  private async unreadKeys(userId: string): Promise<Key[]> {
    const items = await queryAll(this.table.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :item)',
      FilterExpression: '#read = :false',
      ProjectionExpression: 'pk, sk',
      ExpressionAttributeNames: { '#read': 'read' },
      ExpressionAttributeValues: { ':pk': inboxPk(userId), ':item': ITEM_PREFIX, ':false': false },
      ConsistentRead: true,
    });
    return items.map((item) => ({ pk: item.pk as string, sk: item.sk as string }));
  }
}
