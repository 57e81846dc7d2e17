import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, requireEnv } from '../../lib/aws.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { transactionFailure } from '../../lib/dynamo-errors.ts';
import { batchGetAll, queryAll } from '../../lib/dynamo-read.ts';
import { OUTBOX_ATTRIBUTE } from '../../lib/outbox.ts';
import { tableEnvVar } from '../../lib/topology.ts';
import type { MovementKind } from './contract.ts';
import {
  type Change,
  type CommitOutcome,
  type Level,
  type Location,
  levelKey,
  type Movement,
  type OperationRecord,
  type Page,
  type ProductSettings,
  type Reservation,
  type StockStore,
} from './domain/model.ts';
import { finalStateTtl, StockLedger } from './domain/stock.ts';

/**
 * The stock table, single-table design:
 *
 * | item        | pk                  | sk               | notes                                        |
 * |-------------|---------------------|------------------|----------------------------------------------|
 * | product     | `SKU#<sku>`         | `PRODUCT`        | thresholds learned from catalog events        |
 * | level       | `SKU#<sku>`         | `LOC#<location>` | quantities + `version` (optimistic locking); `reorderPointOverride`/`safetyStockOverride` = the location's own thresholds |
 * | movement    | `SKU#<sku>`         | `MOV#<ulid>`     | immutable ledger; the last of a tx has outbox |
 * | operation   | `OP#<key>`          | `OP`             | every mutation's record, same tx; `ttl` 35 d  |
 * | reservation | `RES#<id>`          | `RES`            | gsi1 (`HELD`, `<expiresAt>#<id>`) while held  |
 * | location    | `LOC`               | `LOC#<id>`       |                                              |
 *
 * The stream (NEW_AND_OLD_IMAGES) feeds `handlers/publish-events.ts`, which publishes outboxes.
 */
export const STOCK_TABLE = 'stock';

const skuPk = (sku: string) => `SKU#${sku}`;
const PRODUCT_SK = 'PRODUCT';
const levelSk = (locationId: string) => `LOC#${locationId}`;
const movementSk = (id: string) => `MOV#${id}`;
const opPk = (key: string) => `OP#${key}`;
const resPk = (id: string) => `RES#${id}`;
const HELD_INDEX = 'gsi1';

/** Which part of a change an item of the transaction is: tells a version conflict from a guard. */
type Role = 'level' | 'movement' | 'guard';

type Item = Record<string, unknown>;

export class DynamoStockStore implements StockStore {
  constructor(
    private readonly client: DynamoDBDocumentClient = documentClient(),
    private readonly tableName: string = requireEnv(tableEnvVar(STOCK_TABLE)),
  ) {}

  async read(keys: { sku: string; locationId: string }[]) {
    const wanted = new Map<string, Item>();
    for (const { sku, locationId } of keys) {
      wanted.set(`${sku}|P`, { pk: skuPk(sku), sk: PRODUCT_SK });
      wanted.set(`${sku}|${locationId}`, { pk: skuPk(sku), sk: levelSk(locationId) });
    }
    const items = await batchGetAll(this.client, this.tableName, [...wanted.values()]);
    const products = new Map<string, ProductSettings>();
    const levels = new Map<string, Level>();
    for (const item of items) {
      if (item.sk === PRODUCT_SK) products.set(item.sku as string, toProduct(item));
      else {
        const level = toLevel(item);
        levels.set(levelKey(level.sku, level.locationId), level);
      }
    }
    return { products, levels };
  }

  async getProduct(sku: string): Promise<ProductSettings | undefined> {
    const item = await this.get(skuPk(sku), PRODUCT_SK);
    return item && toProduct(item);
  }

  async levelsOf(sku: string): Promise<Level[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': skuPk(sku), ':prefix': 'LOC#' },
    });
    return items.map(toLevel);
  }

  async getOperation(key: string): Promise<OperationRecord | undefined> {
    const item = await this.get(opPk(key), 'OP');
    if (!item) return undefined;
    return {
      key,
      operation: item.operation as string,
      requestHash: item.requestHash as string,
      result: JSON.parse(item.result as string),
      at: item.at as string,
      expiresAt: item.ttl as number,
    };
  }

  async getReservation(reservationId: string): Promise<Reservation | undefined> {
    const item = await this.get(resPk(reservationId), 'RES');
    if (!item) return undefined;
    return {
      reservationId: item.reservationId as string,
      lines: item.lines as Reservation['lines'],
      status: item.status as Reservation['status'],
      expiresAt: item.expiresAt as string,
      createdAt: item.createdAt as string,
      updatedAt: item.updatedAt as string,
    };
  }

  async *movementsBack(
    sku: string,
    locationId: string,
    kinds: readonly MovementKind[],
    sinceId: string,
  ): AsyncIterable<Movement> {
    const names = Object.fromEntries(kinds.map((_, i) => [`:k${i}`, kinds[i]]));
    let ExclusiveStartKey: Item | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ConsistentRead: true,
          ScanIndexForward: false,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          FilterExpression: `locationId = :loc AND #kind IN (${Object.keys(names).join(', ')})`,
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: {
            ':pk': skuPk(sku),
            ':from': movementSk(sinceId),
            // '~' sorts after every ULID character.
            ':to': movementSk('~'),
            ':loc': locationId,
            ...names,
          },
          ExclusiveStartKey,
        }),
      );
      for (const item of result.Items ?? []) yield toMovement(item);
      ExclusiveStartKey = result.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  async getLocation(id: string): Promise<Location | undefined> {
    const item = await this.get('LOC', levelSk(id));
    return item && { id: item.id as string, name: item.name as string };
  }

  async listLocations(): Promise<Location[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'LOC' },
    });
    return items.map((item) => ({ id: item.id as string, name: item.name as string }));
  }

  async commit(change: Change): Promise<CommitOutcome> {
    const { items, roles } = this.transactItems(change);
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return { status: 'committed' };
    } catch (error) {
      const failure = transactionFailure(error);
      switch (failure.kind) {
        case 'cancelled': {
          // A level or record that changed under us is contention too; a failed guard is a refusal.
          const contended =
            failure.contended ||
            failure.codes.some((code, i) => code === 'ConditionalCheckFailed' && roles[i] !== 'guard');
          return { status: 'rejected', contended };
        }
        case 'refused':
          return { status: 'rejected', contended: true };
        case 'ambiguous':
          return { status: 'ambiguous', error: error as Error };
        default:
          throw error;
      }
    }
  }

  async movements(sku: string, page: { cursor?: string; limit: number }): Promise<Page<Movement>> {
    // One item more than asked tells whether there is a next page (DynamoDB alone cannot).
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': skuPk(sku), ':prefix': 'MOV#' },
        ScanIndexForward: false,
        Limit: page.limit + 1,
        ...(page.cursor ? { ExclusiveStartKey: decodeMovementCursor(page.cursor, skuPk(sku)) } : {}),
      }),
    );
    const items = (result.Items ?? []).slice(0, page.limit);
    const last = items.at(-1);
    const more = (result.Items?.length ?? 0) > page.limit;
    return {
      items: items.map(toMovement),
      nextCursor: more && last ? encodeCursor({ pk: last.pk, sk: last.sk }) : null,
    };
  }

  async allMovements(sku: string): Promise<Movement[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': skuPk(sku), ':prefix': 'MOV#' },
    });
    return items.map(toMovement);
  }

  async dueReservations(now: string, limit: number): Promise<string[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: HELD_INDEX,
        // gsi1sk is `<expiresAt>#<id>`; '$' sorts right after '#', so this is "expiresAt <= now".
        KeyConditionExpression: 'gsi1pk = :held AND gsi1sk < :bound',
        ExpressionAttributeValues: { ':held': 'HELD', ':bound': `${now}$` },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => item.reservationId as string);
  }

  // ---------------------------------------------------------------- internals

  private transactItems(change: Change) {
    const TableName = this.tableName;
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [];
    const roles: Role[] = [];
    const add = (role: Role, item: (typeof items)[number]) => {
      items.push(item);
      roles.push(role);
    };
    for (const { level, expectedVersion } of change.levels) {
      add('level', {
        Update: {
          TableName,
          Key: { pk: skuPk(level.sku), sk: levelSk(level.locationId) },
          UpdateExpression:
            'SET sku = :sku, locationId = :loc, onHand = :onHand, reserved = :reserved, incoming = :incoming, ' +
            'safetyStock = :safetyStock, available = :available, reorderPoint = :reorderPoint, ' +
            'allowBackorder = :allowBackorder, updatedAt = :at, #v = :next' +
            overridesExpression(level),
          // DynamoDB conditions cannot do arithmetic: the quantities were decided on the version read,
          // and this condition makes the write lose if anyone changed the level since.
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : '#v = :expected',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: {
            ':sku': level.sku,
            ':loc': level.locationId,
            ':onHand': level.onHand,
            ':reserved': level.reserved,
            ':incoming': level.incoming,
            ':safetyStock': level.safetyStock,
            ':available': level.available,
            ':reorderPoint': level.reorderPoint,
            ':allowBackorder': level.allowBackorder,
            ':at': level.updatedAt,
            ':next': level.version,
            ...overrideValues(level),
            ...(expectedVersion === 0 ? {} : { ':expected': expectedVersion }),
          },
        },
      });
    }
    for (const registration of change.productLocations ?? []) {
      add('level', {
        Update: {
          TableName,
          Key: { pk: skuPk(registration.sku), sk: PRODUCT_SK },
          UpdateExpression: 'ADD locations :locations',
          ConditionExpression: '#v = :expected',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: {
            ':locations': new Set(registration.add),
            ':expected': registration.expectedVersion,
          },
        },
      });
    }
    change.movements.forEach((movement, i) => {
      const last = i === change.movements.length - 1;
      add('movement', {
        Put: {
          TableName,
          Item: {
            pk: skuPk(movement.sku),
            sk: movementSk(movement.id),
            ...movement,
            ...(last && change.outbox.length ? { [OUTBOX_ATTRIBUTE]: change.outbox } : {}),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    });
    if (change.product) {
      const { settings, expectedLocations } = change.product;
      const { locations, ...rest } = settings;
      add('guard', {
        Put: {
          TableName,
          Item: {
            pk: skuPk(settings.sku),
            sk: PRODUCT_SK,
            ...rest,
            ...(locations.length ? { locations: new Set(locations) } : {}),
          },
          // Newer snapshots only, and only if no level appeared since we read the location set.
          ConditionExpression: `attribute_not_exists(pk) OR (#v < :v AND ${
            expectedLocations === 0 ? 'attribute_not_exists(locations)' : 'size(locations) = :n'
          })`,
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: {
            ':v': settings.version,
            ...(expectedLocations === 0 ? {} : { ':n': expectedLocations }),
          },
        },
      });
    }
    if (change.reservation) {
      const { value, expectedStatus } = change.reservation;
      const held = value.status === 'HELD';
      add('guard', {
        Put: {
          TableName,
          Item: {
            pk: resPk(value.reservationId),
            sk: 'RES',
            ...value,
            ...(held
              ? { gsi1pk: 'HELD', gsi1sk: `${value.expiresAt}#${value.reservationId}` }
              : { ttl: finalStateTtl(value.updatedAt) }),
          },
          ...(expectedStatus
            ? {
                ConditionExpression: '#status = :expected',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':expected': expectedStatus },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      });
    }
    if (change.location) {
      add('guard', {
        Put: {
          TableName,
          Item: { pk: 'LOC', sk: levelSk(change.location.id), ...change.location },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    if (change.operation) {
      const op = change.operation;
      add('guard', {
        Put: {
          TableName,
          Item: {
            pk: opPk(op.key),
            sk: 'OP',
            operation: op.operation,
            requestHash: op.requestHash,
            result: JSON.stringify(op.result),
            at: op.at,
            ttl: op.expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    return { items, roles };
  }

  private async get(pk: string, sk: string): Promise<Item | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }),
    );
    return result.Item;
  }

  // ---------------------------------------------------------------- drift detector (issue 7)

  async scanLevelSkus(page: { cursor?: string; limit?: number }): Promise<Page<string>> {
    const result = await this.client.send(
      new ScanCommand({
        TableName: this.tableName,
        FilterExpression: 'begins_with(pk, :sku) AND begins_with(sk, :loc)',
        ExpressionAttributeValues: { ':sku': 'SKU#', ':loc': 'LOC#' },
        ProjectionExpression: 'pk, sk, sku',
        ...(page.limit ? { Limit: page.limit } : {}),
        ...(page.cursor ? { ExclusiveStartKey: this.decodeScanCursor(page.cursor) } : {}),
      }),
    );
    const skus = [...new Set((result.Items ?? []).map((item) => item.sku as string))];
    const last = result.LastEvaluatedKey;
    return { items: skus, nextCursor: last ? encodeCursor({ pk: last.pk, sk: last.sk }) : null };
  }

  async getDriftCursor(): Promise<string | undefined> {
    const item = await this.get(this.driftKey.pk, this.driftKey.sk);
    return item?.cursor as string | undefined;
  }

  async setDriftCursor(cursor: string | undefined): Promise<void> {
    const Key = this.driftKey;
    if (cursor === undefined) {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key }));
    } else {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...Key, cursor } }));
    }
  }

  /** The one item holding the scheduled drift check's continuation (not a SKU: the scan skips it). */
  private readonly driftKey = { pk: 'DRIFTCHECK', sk: 'CURSOR' };

  private decodeScanCursor(cursor: string): Item {
    return decodeCursor(cursor, (value) => {
      const key = value as Item;
      const ok = typeof key.pk === 'string' && typeof key.sk === 'string' && Object.keys(key).length === 2;
      return ok ? key : undefined;
    });
  }
}

function toProduct(item: Item): ProductSettings {
  return {
    sku: item.sku as string,
    reorderPoint: item.reorderPoint as number,
    safetyStock: item.safetyStock as number,
    allowBackorder: item.allowBackorder as boolean,
    status: item.status as ProductSettings['status'],
    version: item.version as number,
    locations: item.locations instanceof Set ? [...(item.locations as Set<string>)].sort() : [],
  };
}

/** The level's own thresholds: SET those it has, REMOVE those it has not (attributes `*Override`). */
const OVERRIDE_FIELDS = ['reorderPoint', 'safetyStock'] as const;
function overridesExpression(level: Level): string {
  const set = OVERRIDE_FIELDS.filter((f) => level.overrides?.[f] !== undefined);
  const remove = OVERRIDE_FIELDS.filter((f) => level.overrides?.[f] === undefined);
  return (
    set.map((f) => `, ${f}Override = :${f}Override`).join('') +
    (remove.length ? ` REMOVE ${remove.map((f) => `${f}Override`).join(', ')}` : '')
  );
}
function overrideValues(level: Level): Item {
  return Object.fromEntries(
    OVERRIDE_FIELDS.filter((f) => level.overrides?.[f] !== undefined).map((f) => [
      `:${f}Override`,
      level.overrides![f],
    ]),
  );
}

function toLevel(item: Item): Level {
  const overrides = Object.fromEntries(
    OVERRIDE_FIELDS.filter((f) => typeof item[`${f}Override`] === 'number').map((f) => [
      f,
      item[`${f}Override`] as number,
    ]),
  );
  return {
    sku: item.sku as string,
    locationId: item.locationId as string,
    onHand: item.onHand as number,
    reserved: item.reserved as number,
    incoming: item.incoming as number,
    safetyStock: item.safetyStock as number,
    available: item.available as number,
    reorderPoint: item.reorderPoint as number,
    allowBackorder: item.allowBackorder as boolean,
    ...(Object.keys(overrides).length ? { overrides } : {}),
    version: item.version as number,
    updatedAt: item.updatedAt as string,
  };
}

function toMovement(item: Item): Movement {
  const { pk: _pk, sk: _sk, [OUTBOX_ATTRIBUTE]: _outbox, ...movement } = item;
  return movement as unknown as Movement;
}

function decodeMovementCursor(cursor: string, pk: string): Item {
  return decodeCursor(cursor, (value) => {
    const key = value as Item;
    const ok =
      key.pk === pk &&
      typeof key.sk === 'string' &&
      key.sk.startsWith('MOV#') &&
      Object.keys(key).length === 2;
    return ok ? key : undefined;
  });
}

let ledger: StockLedger | undefined;
/** The process-wide ledger over the DynamoDB store, created on first use (Lambda module scope). */
export function defaultLedger(): StockLedger {
  ledger ??= new StockLedger(new DynamoStockStore());
  return ledger;
}
