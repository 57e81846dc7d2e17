import {
  AdminAddUserToGroupCommand,
  AdminDeleteUserAttributesCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
  type AttributeType,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { verifyBearer } from '../../lib/auth.ts';
import { requireEnv } from '../../lib/aws.ts';
import { UnprocessableError } from '../../lib/errors.ts';
import { observability } from '../../lib/observability.ts';
import { ROLES, type Role } from '../../lib/permissions.ts';
import type { LoginResult, User } from './contract.ts';
import type { DirectoryUser, ProfileChanges, UserDirectory, UserMirror } from './domain/users.ts';

/**
 * The user directory in AWS: a Cognito user pool with one group per role. Sign-in uses the app
 * client's USER_PASSWORD_AUTH flow and returns Cognito's own ID token (its `cognito:groups` claim
 * carries the roles). Role changes take effect at the user's next sign-in, when the token is new.
 *
 * The pool publishes nothing, so other services learn its users through the `mirror`: every
 * change made here (roles, profile) and every sign-in records the user there, which publishes a
 * UserChanged when anything differs; the scheduled `sync-users` catches changes made in the
 * console and deletions.
 *
 * Not exercised by the local test suite (there is no Cognito emulator here); its counterpart
 * `LocalUserDirectory` is, and both satisfy the same port.
 */
export class CognitoUserDirectory implements UserDirectory {
  constructor(
    private readonly mirror: UserMirror | undefined,
    private readonly client = new CognitoIdentityProviderClient({}),
    private readonly userPoolId = requireEnv('USER_POOL_ID'),
    private readonly clientId = requireEnv('USER_POOL_CLIENT_ID'),
  ) {}

  async signIn(email: string, password: string): Promise<LoginResult | undefined> {
    try {
      const out = await this.client.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: this.clientId,
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      );
      if (out.ChallengeName)
        throw new UnprocessableError(`Sign-in needs a further step: ${out.ChallengeName}.`);
      const token = out.AuthenticationResult?.IdToken;
      const caller = await verifyBearer(`Bearer ${token}`);
      if (!token || !caller) return undefined;
      const found = await this.entry(caller.id);
      if (!found) return undefined;
      // Sign-in stands even when the mirror cannot be written: the next sync records the user.
      await this.recorded(found).catch((error: unknown) =>
        observability('identity').logger.error('user mirror not recorded at sign-in', {
          userId: found.id,
          error: error as Error,
        }),
      );
      const expiresAt = new Date(
        Date.now() + (out.AuthenticationResult?.ExpiresIn ?? 3600) * 1000,
      ).toISOString();
      return { token, expiresAt, user: withoutStatus(found) };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'NotAuthorizedException' || name === 'UserNotFoundException') return undefined;
      throw error;
    }
  }

  private async roles(username: string): Promise<Role[]> {
    const out = await this.client.send(
      new AdminListGroupsForUserCommand({ UserPoolId: this.userPoolId, Username: username }),
    );
    return (out.Groups ?? []).map((g) => g.GroupName as Role).filter((g) => ROLES.includes(g));
  }

  private async toUser(username: string, attributes: AttributeType[] = []): Promise<User> {
    const attr = (name: string) => attributes.find((a) => a.Name === name)?.Value;
    const email = attr('email') ?? username;
    const phone = attr('phone_number');
    return {
      id: username,
      email,
      name: attr('name') ?? email,
      roles: await this.roles(username),
      ...(phone ? { phone } : {}),
    };
  }

  /** The user with their status (a user disabled in the pool is `disabled`), or undefined. */
  private async entry(id: string): Promise<DirectoryUser | undefined> {
    try {
      const out = await this.client.send(
        new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: id }),
      );
      const user = await this.toUser(out.Username ?? id, out.UserAttributes);
      return { ...user, status: out.Enabled === false ? 'disabled' : 'active' };
    } catch (error) {
      if ((error as Error).name === 'UserNotFoundException') return undefined;
      throw error;
    }
  }

  /** Records the user in the mirror (publishing a UserChanged when anything differs). */
  private async recorded(user: DirectoryUser): Promise<User> {
    await this.mirror?.record(user, new Date().toISOString());
    return withoutStatus(user);
  }

  async get(id: string): Promise<User | undefined> {
    const user = await this.entry(id);
    return user && withoutStatus(user);
  }

  /** Every user of the pool (ListUsers, all pages) with whether it is enabled. */
  async listWithStatus(): Promise<DirectoryUser[]> {
    const users: DirectoryUser[] = [];
    let PaginationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListUsersCommand({ UserPoolId: this.userPoolId, PaginationToken }),
      );
      for (const u of page.Users ?? []) {
        const user = await this.toUser(u.Username!, u.Attributes);
        users.push({ ...user, status: u.Enabled === false ? 'disabled' : 'active' });
      }
      PaginationToken = page.PaginationToken;
    } while (PaginationToken);
    return users.sort((a, b) => a.email.localeCompare(b.email));
  }

  async list(): Promise<User[]> {
    return (await this.listWithStatus()).map(withoutStatus);
  }

  async setRoles(id: string, roles: Role[]): Promise<User> {
    const current = await this.roles(id);
    for (const role of roles.filter((r) => !current.includes(r))) {
      await this.client.send(
        new AdminAddUserToGroupCommand({ UserPoolId: this.userPoolId, Username: id, GroupName: role }),
      );
    }
    for (const role of current.filter((r) => !roles.includes(r))) {
      await this.client.send(
        new AdminRemoveUserFromGroupCommand({ UserPoolId: this.userPoolId, Username: id, GroupName: role }),
      );
    }
    return this.recorded((await this.entry(id))!);
  }

  /** Name and phone are standard Cognito attributes (`name`, `phone_number`, E.164 like ours). */
  async update(id: string, changes: ProfileChanges): Promise<User> {
    const attributes: AttributeType[] = [];
    if (changes.name !== undefined) attributes.push({ Name: 'name', Value: changes.name });
    if (typeof changes.phone === 'string') attributes.push({ Name: 'phone_number', Value: changes.phone });
    if (attributes.length) {
      await this.client.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: this.userPoolId,
          Username: id,
          UserAttributes: attributes,
        }),
      );
    }
    if (changes.phone === null) {
      await this.client.send(
        new AdminDeleteUserAttributesCommand({
          UserPoolId: this.userPoolId,
          Username: id,
          UserAttributeNames: ['phone_number'],
        }),
      );
    }
    return this.recorded((await this.entry(id))!);
  }
}

const withoutStatus = ({ status: _, ...user }: DirectoryUser): User => user;
