import { ConflictError, NotFoundError, UnauthorizedError } from '../../../lib/errors.ts';
import type { Role } from '../../../lib/permissions.ts';
import type { LoginResult, User } from '../contract.ts';

/**
 * The user directory port. Two adapters: Cognito in AWS (`cognito.ts`), the local user store
 * with locally signed tokens on the laptop (`store.ts`). The rules live here, above both.
 */
export interface UserDirectory {
  /** Checks the password and returns a signed ID token, or undefined when they do not match. */
  signIn(email: string, password: string): Promise<LoginResult | undefined>;
  get(id: string): Promise<User | undefined>;
  list(): Promise<User[]>;
  setRoles(id: string, roles: Role[]): Promise<User>;
  /** Changes the user's own profile fields; `phone: null` removes the phone number. */
  update(id: string, changes: ProfileChanges): Promise<User>;
}

export interface ProfileChanges {
  name?: string;
  phone?: string | null;
}

export class Users {
  constructor(private readonly directory: UserDirectory) {}

  async signIn(email: string, password: string): Promise<LoginResult> {
    const result = await this.directory.signIn(email.trim().toLowerCase(), password);
    // One message for unknown user and wrong password: do not reveal which accounts exist.
    if (!result) throw new UnauthorizedError('The email or password is not right.');
    return result;
  }

  async get(id: string): Promise<User> {
    const user = await this.directory.get(id);
    if (!user) throw new NotFoundError(`No user ${id}.`);
    return user;
  }

  list(): Promise<User[]> {
    return this.directory.list();
  }

  /** The signed-in user changes their own name or phone (nothing else: roles are an admin's). */
  async updateMe(id: string, changes: ProfileChanges): Promise<User> {
    const user = await this.get(id);
    if (changes.name === undefined && changes.phone === undefined) return user;
    return this.directory.update(id, changes);
  }

  /** Changes a user's roles; an admin cannot take the admin role away from themself (no lock-out). */
  async setRoles(actorId: string, id: string, roles: Role[]): Promise<User> {
    const unique = [...new Set(roles)];
    const user = await this.get(id);
    if (actorId === user.id && user.roles.includes('admin') && !unique.includes('admin')) {
      throw new ConflictError('You cannot remove your own admin role; ask another admin.');
    }
    return this.directory.setRoles(id, unique);
  }
}
