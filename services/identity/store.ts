import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { importJWK, type JWK, SignJWT } from 'jose';
import { AUTH_ENV } from '../../lib/auth.ts';
import { documentClient, requireEnv } from '../../lib/aws.ts';
import type { Role } from '../../lib/permissions.ts';
import { tableEnvVar } from '../../lib/topology.ts';
import type { LoginResult, User } from './contract.ts';
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
          Item: {
            pk: `USER#${email}`,
            sk: 'USER',
            id: email,
            email,
            name: user.name,
            roles: user.roles,
            passwordHash: await hashPassword(user.password),
          } satisfies UserItem,
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
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `USER#${id}`, sk: 'USER' },
        UpdateExpression: 'SET #roles = :roles',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#roles': 'roles' },
        ExpressionAttributeValues: { ':roles': roles },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toUser(out.Attributes as UserItem);
  }

  async update(id: string, changes: ProfileChanges): Promise<User> {
    const sets: string[] = [];
    const removes: string[] = [];
    const values: Record<string, unknown> = {};
    const names: Record<string, string> = {};
    if (changes.name !== undefined) {
      sets.push('#name = :name');
      names['#name'] = 'name';
      values[':name'] = changes.name;
    }
    if (changes.phone === null) {
      removes.push('#phone');
      names['#phone'] = 'phone';
    } else if (changes.phone !== undefined) {
      sets.push('#phone = :phone');
      names['#phone'] = 'phone';
      values[':phone'] = changes.phone;
    }
    const expression = [
      sets.length ? `SET ${sets.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `USER#${id}`, sk: 'USER' },
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toUser(out.Attributes as UserItem);
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
