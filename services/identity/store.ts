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
import type { ProfileChanges, UserDirectory } from './domain/users.ts';

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

interface UserItem extends User {
  pk: string;
  sk: 'USER';
  passwordHash: string;
  /** Increases on every change (absent on items from before UserChanged existed: 0). */
  version?: number;
  /** The latest UserChanged envelope, published by the table stream (lib/outbox.ts). */
  outbox?: Envelope[];
}

/** The UserChanged of the user as the item now stands (id `user:<id>:<version>`, stable across redeliveries). */
function withEvent(item: UserItem, version: number): UserItem {
  const user = toUser(item);
  const event = UserChanged.create(
    { ...user, status: 'active', version },
    { id: `user:${item.id}:${version}`, correlationId: `user:${item.id}` },
  );
  return { ...item, version, outbox: [event] };
}

const toUser = (item: UserItem): User => ({
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
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: withEvent(
            {
              pk: `USER#${email}`,
              sk: 'USER',
              id: email,
              email,
              name: user.name,
              roles: user.roles,
              passwordHash: await hashPassword(user.password),
            },
            1,
          ),
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
      users.push(...((page.Items ?? []) as UserItem[]).filter((i) => i.sk === 'USER').map(toUser));
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

  /**
   * One change of a user item, with its UserChanged in the same write: read, change, put on the
   * condition that the version is still the one read (retried on a concurrent change).
   */
  private async change(id: string, mutate: (item: UserItem) => UserItem): Promise<User> {
    for (let attempt = 0; ; attempt++) {
      const item = await this.item(id);
      if (!item) throw new NotFoundError(`No user ${id}.`);
      const version = item.version ?? 0;
      const next = withEvent(mutate({ ...item }), version + 1);
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: next,
            ConditionExpression: version === 0 ? 'attribute_not_exists(version)' : 'version = :version',
            ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': version } }),
          }),
        );
        return toUser(next);
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException' || attempt >= 4) throw error;
      }
    }
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
