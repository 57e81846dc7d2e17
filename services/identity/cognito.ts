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
import { ROLES, type Role } from '../../lib/permissions.ts';
import type { LoginResult, User } from './contract.ts';
import type { ProfileChanges, UserDirectory } from './domain/users.ts';

/**
 * The user directory in AWS: a Cognito user pool with one group per role. Sign-in uses the app
 * client's USER_PASSWORD_AUTH flow and returns Cognito's own ID token (its `cognito:groups` claim
 * carries the roles). Role changes take effect at the user's next sign-in, when the token is new.
 *
 * Not exercised by the local test suite (there is no Cognito emulator here); its counterpart
 * `LocalUserDirectory` is, and both satisfy the same port.
 */
export class CognitoUserDirectory implements UserDirectory {
  constructor(
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
      const user = await this.get(caller.id);
      const expiresAt = new Date(
        Date.now() + (out.AuthenticationResult?.ExpiresIn ?? 3600) * 1000,
      ).toISOString();
      return user && { token, expiresAt, user };
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

  async get(id: string): Promise<User | undefined> {
    try {
      const out = await this.client.send(
        new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: id }),
      );
      return this.toUser(out.Username ?? id, out.UserAttributes);
    } catch (error) {
      if ((error as Error).name === 'UserNotFoundException') return undefined;
      throw error;
    }
  }

  async list(): Promise<User[]> {
    const users: User[] = [];
    let PaginationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListUsersCommand({ UserPoolId: this.userPoolId, PaginationToken }),
      );
      for (const u of page.Users ?? []) users.push(await this.toUser(u.Username!, u.Attributes));
      PaginationToken = page.PaginationToken;
    } while (PaginationToken);
    return users.sort((a, b) => a.email.localeCompare(b.email));
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
    return (await this.get(id))!;
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
    return (await this.get(id))!;
  }
}
