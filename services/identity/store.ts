import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { importJWK, type JWK, SignJWT } from 'jose';
import { AUTH_ENV } from '../../lib/auth.ts';
import { documentClient, requireEnv } from '../../lib/aws.ts';
import { NotFoundError } from '../../lib/errors.ts';
import type { Envelope } from '../../lib/events.ts';
import type { Role } from '../../lib/permissions.ts';
import { tableEnvVar } from '../../lib/topology.ts';
import { type LoginResult, type User, UserChanged } from './contract.ts';
import type {
  DirectoryUser,
  MirroredUser,
  ProfileChanges,
  UserDirectory,
  UserMirror,
  UserStatus,
} from './domain/users.ts';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** Environment of the local identity provider: the private signing key (JWK JSON). */
export const LOCAL_SIGNING_KEY_ENV = 'AUTH_SIGNING_KEY';
const TOKEN_HOURS = 8;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}

/** An item that carries the UserChanged of its latest version in its outbox (lib/outbox.ts). */
interface VersionedItem {
  pk: string;
  sk: string;
  /** Increases on every change (absent on items from before UserChanged existed: 0). */
  version?: number;
  /** The latest UserChanged envelope, published by the table stream (lib/outbox.ts). */
  outbox?: Envelope[];
}

interface UserItem extends User, VersionedItem {
  sk: 'USER';
  passwordHash: string;
}

/**
 * The item at this version with the UserChanged of `user` in its outbox (id `user:<id>:<version>`,
 * stable across redeliveries).
 */
function withEvent<I extends VersionedItem>(
  item: I,
  user: DirectoryUser,
  version: number,
  occurredAt?: string,
): I & { version: number } {
  const event = UserChanged.create(
    { ...toUser(user), status: user.status, version },
    {
      id: `user:${user.id}:${version}`,
      correlationId: `user:${user.id}`,
      ...(occurredAt ? { occurredAt } : {}),
    },
  );
  return { ...item, version, outbox: [event] };
}

/**
 * One change of an item and its UserChanged in the same write: read, change, put on the condition
 * that the version is still the one read (retried on a concurrent change). `change` gets the item
 * read (undefined when there is none) and returns the item as it will be with the user its event
 * tells, or undefined when there is nothing to write. Returns the item as it now stands and whether
 * this call wrote it.
 */
async function changeVersioned<I extends VersionedItem>(
  db: DynamoDBDocumentClient,
  table: string,
  key: { pk: string; sk: string },
  change: (current: I | undefined) => { item: I; user: DirectoryUser } | undefined,
  occurredAt?: string,
): Promise<{ item: I | undefined; written: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const out = await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
    const current = out.Item as I | undefined;
    const changed = change(current && { ...current });
    if (!changed) return { item: current, written: false };
    const version = current?.version ?? 0;
    const next = withEvent(changed.item, changed.user, version + 1, occurredAt);
    try {
      await db.send(
        new PutCommand({
          TableName: table,
          Item: next,
          // No version yet: a new item, or one from before UserChanged existed.
          ConditionExpression: version === 0 ? 'attribute_not_exists(version)' : 'version = :version',
          ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': version } }),
        }),
      );
      return { item: next, written: true };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException' || attempt >= 9) throw error;
    }
  }
}

const toUser = (item: User): User => ({
  id: item.id,
  email: item.email,
  name: item.name,
  roles: item.roles,
  ...(item.phone ? { phone: item.phone } : {}),
});

/**
 * The local user store (a DynamoDB table) and identity provider: it checks passwords (scrypt) and
 * signs ID tokens with the same claims Cognito puts in its own, so the API verifies both alike.
 */
export class LocalUserDirectory implements UserDirectory {
  constructor(
    private readonly db: DynamoDBDocumentClient = documentClient(),
    private readonly table: string = requireEnv(tableEnvVar('identity')),
  ) {}

  /** Creates the user unless one with this email exists; returns whether it did. */
  async create(user: { email: string; name: string; roles: Role[]; password: string }): Promise<boolean> {
    const email = user.email.toLowerCase();
    const item: UserItem = {
      pk: `USER#${email}`,
      sk: 'USER',
      id: email,
      email,
      name: user.name,
      roles: user.roles,
      passwordHash: await hashPassword(user.password),
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: withEvent(item, { ...toUser(item), status: 'active' }, 1),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private async item(id: string): Promise<UserItem | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: `USER#${id}`, sk: 'USER' } }),
    );
    return out.Item as UserItem | undefined;
  }

  async signIn(email: string, password: string): Promise<LoginResult | undefined> {
    const item = await this.item(email);
    if (!item || !(await passwordMatches(password, item.passwordHash))) return undefined;
    const user = toUser(item);
    const expiresAt = new Date(Date.now() + TOKEN_HOURS * 3600_000);
    return { token: await signLocalIdToken(user, expiresAt), expiresAt: expiresAt.toISOString(), user };
  }

  async get(id: string): Promise<User | undefined> {
    const item = await this.item(id);
    return item && toUser(item);
  }

  async list(): Promise<User[]> {
    const users: User[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey }));
      users.push(...((page.Items ?? []) as UserItem[]).filter((i) => i.pk.startsWith('USER#')).map(toUser));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return users.sort((a, b) => a.email.localeCompare(b.email));
  }

  async setRoles(id: string, roles: Role[]): Promise<User> {
    return this.change(id, (item) => ({ ...item, roles }));
  }

  async update(id: string, changes: ProfileChanges): Promise<User> {
    return this.change(id, (item) => {
      const next: UserItem = { ...item, ...(changes.name !== undefined ? { name: changes.name } : {}) };
      if (changes.phone === null) delete next.phone;
      else if (changes.phone !== undefined) next.phone = changes.phone;
      return next;
    });
  }

  /**
   * Makes a user known to other services: an item from before UserChanged existed (no version)
   * gets version 1 and its event. Idempotent; used when the demo users are seeded again.
   */
  async announce(id: string): Promise<void> {
    const item = await this.item(id);
    if (item && item.version === undefined) await this.change(id, (i) => i);
  }

  /** One change of a user item, with its UserChanged (status `active`) in the same write. */
  private async change(id: string, mutate: (item: UserItem) => UserItem): Promise<User> {
    const { item } = await changeVersioned<UserItem>(
      this.db,
      this.table,
      { pk: `USER#${id}`, sk: 'USER' },
      (current) => {
        if (!current) throw new NotFoundError(`No user ${id}.`);
        const next = mutate(current);
        return { item: next, user: { ...toUser(next), status: 'active' } };
      },
    );
    return toUser(item!);
  }
}

interface MirrorItem extends DirectoryUser, VersionedItem {
  sk: 'USER';
  /** When this version was seen in the directory. */
  recordedAt: string;
}

const mirrorKey = (id: string) => ({ pk: `MIRROR#${id}`, sk: 'USER' as const });

/** The roles as a set: sorted, each once (a directory may list groups in any order). */
const roleSet = (roles: readonly Role[]): Role[] => [...new Set(roles)].sort();

const sameUser = (a: DirectoryUser, b: DirectoryUser): boolean =>
  a.email === b.email &&
  a.name === b.name &&
  (a.phone ?? null) === (b.phone ?? null) &&
  a.status === b.status &&
  roleSet(a.roles).join() === roleSet(b.roles).join();

const toMirrored = (item: MirrorItem): MirroredUser => ({
  ...toUser(item),
  status: item.status,
  version: item.version ?? 0,
});

/**
 * The user mirror in the identity table (`MIRROR#<id>` / `USER`): what UserChanged last told of
 * each user of a directory that publishes nothing itself (Cognito). A change is written with its
 * UserChanged in the item's outbox, published by the table's stream like a local user's.
 */
export class DynamoUserMirror implements UserMirror {
  constructor(
    private readonly db: DynamoDBDocumentClient = documentClient(),
    private readonly table: string = requireEnv(tableEnvVar('identity')),
  ) {}

  async record(
    user: User & { status?: UserStatus },
    at: string,
  ): Promise<{ version: number; changed: boolean }> {
    const seen: DirectoryUser = {
      ...toUser(user),
      roles: roleSet(user.roles),
      status: user.status ?? 'active',
    };
    const { item, written } = await changeVersioned<MirrorItem>(
      this.db,
      this.table,
      mirrorKey(user.id),
      (current) => {
        if (current && sameUser(toMirrored(current), seen)) return undefined;
        return { item: { ...mirrorKey(user.id), ...seen, recordedAt: at }, user: seen };
      },
      at,
    );
    return { version: item?.version ?? 0, changed: written };
  }

  async get(id: string): Promise<MirroredUser | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: mirrorKey(id) }));
    return out.Item && toMirrored(out.Item as MirrorItem);
  }

  async list(): Promise<MirroredUser[]> {
    const users: MirroredUser[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'begins_with(pk, :mirror)',
          ExpressionAttributeValues: { ':mirror': 'MIRROR#' },
          ExclusiveStartKey,
        }),
      );
      users.push(...((page.Items ?? []) as MirrorItem[]).map(toMirrored));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return users.sort((a, b) => a.email.localeCompare(b.email));
  }
}

/** Signs a Cognito-shaped ID token with the local key (local mode only). */
export async function signLocalIdToken(user: User, expiresAt: Date): Promise<string> {
  const jwk = JSON.parse(requireEnv(LOCAL_SIGNING_KEY_ENV)) as JWK;
  const key = await importJWK(jwk, 'RS256');
  return new SignJWT({ email: user.email, name: user.name, 'cognito:groups': user.roles, token_use: 'id' })
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid!, typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(requireEnv(AUTH_ENV.issuer))
    .setAudience(requireEnv(AUTH_ENV.audience))
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(key);
}
