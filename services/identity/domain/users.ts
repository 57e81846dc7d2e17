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
  /**
   * Optional: every user with whether they may sign in (Cognito's `Enabled`), for the mirror.
   * Without it `syncUsers` takes every user of `list()` as active.
   */
  listWithStatus?(): Promise<DirectoryUser[]>;
}

/** Whether a user may sign in: `disabled` when disabled in the directory or deleted from it. */
export type UserStatus = 'active' | 'disabled';

/** A user with their status: what a UserChanged tells, less its version. */
export type DirectoryUser = User & { status: UserStatus };

/** A user as the mirror holds them, at the version of their last UserChanged. */
export type MirroredUser = DirectoryUser & { version: number };

/**
 * The user mirror port: what identity last told other services about each user (UserChanged).
 * In Cognito mode the users live in the pool, which publishes nothing; the mirror publishes for it.
 */
export interface UserMirror {
  /**
   * Records the user as the directory now has them (`status` defaults to `active`): when anything
   * a UserChanged carries differs from the mirror, the mirror takes the next version and publishes
   * it; when nothing differs nothing is written. `at` (ISO 8601) is when the change was seen.
   */
  record(user: User & { status?: UserStatus }, at: string): Promise<{ version: number; changed: boolean }>;
  /** Every mirrored user. */
  list(): Promise<MirroredUser[]>;
}

export interface SyncResult {
  /** Users the directory listed. */
  users: number;
  /** Users whose mirror took a new version (new, changed, or re-enabled). */
  changed: number;
  /** Mirrored users no longer in the directory, now recorded as disabled. */
  disabled: number;
}

/**
 * Brings the mirror up to the directory: records every user it lists, and records as disabled
 * each mirrored user it no longer lists (deleted). A directory listing no user at all while the
 * mirror holds some is taken as a misconfiguration (a wrong pool), not as everyone deleted: then
 * nobody is disabled.
 */
export async function syncUsers(
  directory: UserDirectory,
  mirror: UserMirror,
  at: string,
): Promise<SyncResult> {
  const present: DirectoryUser[] = directory.listWithStatus
    ? await directory.listWithStatus()
    : (await directory.list()).map((user) => ({ ...user, status: 'active' as const }));
  const ids = new Set(present.map((u) => u.id));
  let changed = 0;
  for (const user of present) if ((await mirror.record(user, at)).changed) changed++;
  let disabled = 0;
  if (present.length) {
    for (const { version: _, ...user } of await mirror.list()) {
      if (ids.has(user.id) || user.status === 'disabled') continue;
      if ((await mirror.record({ ...user, status: 'disabled' }, at)).changed) disabled++;
    }
  }
  return { users: present.length, changed, disabled };
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
