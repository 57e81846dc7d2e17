import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../lib/aws.ts';
import type { Envelope } from '../lib/events.ts';
import { tableEnvVar } from '../lib/topology.ts';
import { provision } from '../local/provision.ts';
import type { Runtime } from '../local/runtime.ts';
import { type User, UserChanged } from '../services/identity/contract.ts';
import { syncUsers } from '../services/identity/domain/users.ts';
import { handler as syncUsersHandler } from '../services/identity/handlers/sync-users.ts';
import { identityService } from '../services/identity/service.ts';
import { DynamoUserMirror, LocalUserDirectory } from '../services/identity/store.ts';
import type { eventFeed } from '../services/orders/testing.ts';
import { eventually, provisionFor, topicFeed } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

const userOf = (name: string, roles: User['roles'] = ['viewer']): User => {
  const email = `${name}-${ulid().slice(-6)}@azura.test`.toLowerCase();
  return { id: email, email, name, roles };
};

/** In Cognito mode the pool publishes nothing: the mirror in the identity table publishes for it. */
describe('the user mirror', () => {
  let table: string;
  let mirror: DynamoUserMirror;
  beforeAll(async () => {
    await provisionFor([identityService]);
    table = process.env[tableEnvVar('identity')]!;
    mirror = new DynamoUserMirror();
  });

  /** The mirror item as stored: its version, its outbox (the stream publishes it) and when it was seen. */
  const stored = async (id: string) => {
    const out = await documentClient().send(
      new GetCommand({ TableName: table, Key: { pk: `MIRROR#${id}`, sk: 'USER' }, ConsistentRead: true }),
    );
    return out.Item as { version: number; outbox: Envelope[]; recordedAt: string } | undefined;
  };

  it('records a new user once, with its UserChanged (version 1) in the outbox', async () => {
    const user = { ...userOf('Ada', ['manager']), phone: '+33612345678' };
    const at = '2025-03-01T10:00:00.000Z';
    expect(await mirror.record(user, at)).toEqual({ version: 1, changed: true });

    const item = await stored(user.id);
    expect(item).toMatchObject({ version: 1, recordedAt: at });
    expect(item!.outbox).toHaveLength(1);
    const event = UserChanged.envelope.parse(item!.outbox[0]);
    expect(event).toMatchObject({
      id: `user:${user.id}:1`,
      correlationId: `user:${user.id}`,
      occurredAt: at,
      data: { ...user, status: 'active', version: 1 },
    });
    expect(await mirror.get(user.id)).toEqual({ ...user, status: 'active', version: 1 });
  });

  it('writes nothing when the user is as mirrored (roles in any order)', async () => {
    const user = userOf('Bo', ['manager', 'warehouse']);
    await mirror.record(user, '2025-03-01T10:00:00.000Z');
    const before = await stored(user.id);

    expect(
      await mirror.record({ ...user, roles: ['warehouse', 'manager'] }, '2025-03-01T11:00:00.000Z'),
    ).toEqual({
      version: 1,
      changed: false,
    });
    expect(await stored(user.id)).toEqual(before);
  });

  it('a role change takes version 2 and publishes the new roles; so does a disabled status', async () => {
    const user = userOf('Cy', ['viewer']);
    await mirror.record(user, '2025-03-01T10:00:00.000Z');

    expect(
      await mirror.record({ ...user, roles: ['viewer', 'manager'] }, '2025-03-01T12:00:00.000Z'),
    ).toEqual({
      version: 2,
      changed: true,
    });
    const item = await stored(user.id);
    expect(item!.outbox).toHaveLength(1);
    expect(item!.outbox[0]).toMatchObject({
      id: `user:${user.id}:2`,
      data: { roles: ['manager', 'viewer'], status: 'active', version: 2 },
    });

    await mirror.record(
      { ...user, roles: ['manager', 'viewer'], status: 'disabled' },
      '2025-03-01T13:00:00.000Z',
    );
    expect((await stored(user.id))!.outbox[0]).toMatchObject({
      id: `user:${user.id}:3`,
      data: { status: 'disabled', version: 3 },
    });
  });

  it('a removed phone number is a change', async () => {
    const user = { ...userOf('Di'), phone: '+15555550142' };
    await mirror.record(user, '2025-03-01T10:00:00.000Z');
    const { phone: _, ...withoutPhone } = user;
    expect(await mirror.record(withoutPhone, '2025-03-01T11:00:00.000Z')).toEqual({
      version: 2,
      changed: true,
    });
    expect(((await stored(user.id))!.outbox[0] as Envelope<{ phone?: string }>).data.phone).toBeUndefined();
  });

  it('concurrent records of one user lose no version', async () => {
    // A first sight from several places at once: one version 1, the others see it as it is.
    const user = userOf('Eve');
    const firsts = await Promise.all(
      Array.from({ length: 5 }, () => mirror.record(user, '2025-03-01T10:00:00.000Z')),
    );
    expect(firsts.filter((r) => r.changed)).toHaveLength(1);
    expect(firsts.map((r) => r.version)).toEqual([1, 1, 1, 1, 1]);

    // Five different changes at once: each gets a version of its own, none is lost.
    const changes = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        mirror.record({ ...user, name: `Eve ${i}` }, '2025-03-01T11:00:00.000Z'),
      ),
    );
    expect(changes.every((r) => r.changed)).toBe(true);
    expect(changes.map((r) => r.version).sort()).toEqual([2, 3, 4, 5, 6]);
    const last = changes.findIndex((r) => r.version === 6);
    expect(await mirror.get(user.id)).toMatchObject({ name: `Eve ${last}`, version: 6 });
  });

  describe('syncUsers', () => {
    it('records every user of the directory and marks a user no longer in it as disabled', async () => {
      // The local directory satisfies the same port as Cognito's: here it is the source.
      const source = new LocalUserDirectory();
      const kept = userOf('Fay', ['warehouse']);
      const other = userOf('Gil', ['manager']);
      for (const u of [kept, other]) {
        expect(await source.create({ email: u.email, name: u.name, roles: u.roles, password: 'pw' })).toBe(
          true,
        );
      }
      const gone = userOf('Hal', ['admin']);
      await mirror.record(gone, '2025-03-01T09:00:00.000Z');

      const at = '2025-03-02T00:00:00.000Z';
      const first = await syncUsers(source, mirror, at);
      expect(first).toMatchObject({ users: 2, changed: 2 });
      expect(first.disabled).toBeGreaterThanOrEqual(1); // Hal, and the users of the tests above
      expect(await mirror.get(kept.id)).toEqual({ ...kept, status: 'active', version: 1 });
      expect(await mirror.get(other.id)).toEqual({ ...other, status: 'active', version: 1 });
      expect(await mirror.get(gone.id)).toEqual({ ...gone, status: 'disabled', version: 2 });
      expect((await stored(gone.id))!.outbox[0]).toMatchObject({
        id: `user:${gone.id}:2`,
        occurredAt: at,
        data: { status: 'disabled', version: 2 },
      });
      expect(
        (await mirror.list())
          .filter((u) => u.status === 'active')
          .map((u) => u.id)
          .sort(),
      ).toEqual([kept.id, other.id].sort());

      // Nothing changed since: nothing written.
      expect(await syncUsers(source, mirror, '2025-03-02T00:15:00.000Z')).toEqual({
        users: 2,
        changed: 0,
        disabled: 0,
      });

      // A change in the directory, and a user back in it, publish at the next sync.
      await source.setRoles(other.id, ['manager', 'viewer']);
      await source.create({ email: gone.email, name: gone.name, roles: gone.roles, password: 'pw' });
      expect(await syncUsers(source, mirror, '2025-03-02T00:30:00.000Z')).toEqual({
        users: 3,
        changed: 2,
        disabled: 0,
      });
      expect(await mirror.get(other.id)).toMatchObject({ roles: ['manager', 'viewer'], version: 2 });
      expect(await mirror.get(gone.id)).toMatchObject({ status: 'active', version: 3 });
    });

    it('disables nobody when the directory lists no user at all (a wrong pool, not everyone deleted)', async () => {
      const empty = await provision(`t${ulid().slice(-8).toLowerCase()}`, [identityService]);
      const source = new LocalUserDirectory(documentClient(), empty.env[tableEnvVar('identity')]);
      const activeBefore = (await mirror.list()).filter((u) => u.status === 'active');
      expect(activeBefore.length).toBeGreaterThan(0);
      expect(await syncUsers(source, mirror, '2025-03-03T00:00:00.000Z')).toEqual({
        users: 0,
        changed: 0,
        disabled: 0,
      });
      expect((await mirror.list()).filter((u) => u.status === 'active')).toEqual(activeBefore);
    });

    it('the scheduled sync-users does nothing in local mode (local user items publish themselves)', async () => {
      expect(process.env.USER_POOL_ID).toBeUndefined();
      const before = await mirror.list();
      expect(await syncUsersHandler()).toEqual({ mode: 'local' });
      expect(await mirror.list()).toEqual(before);
    });
  });
});

/** End to end: the mirror's UserChanged goes out through the table stream to the topic. */
describe('the user mirror on the topic', () => {
  let runtime: Runtime;
  let feed: ReturnType<typeof eventFeed>;
  beforeAll(async () => {
    runtime = await startTestRuntime([identityService]);
    feed = await topicFeed(runtime.provisioned.topicArn, `${runtime.provisioned.prefix}-test-mirror-events`, [
      'UserChanged',
    ]);
  });
  afterAll(async () => {
    await feed?.stop();
    await runtime?.stop();
  });

  it('publishes a recorded user, then each change at a higher version, once each', async () => {
    const mirror = new DynamoUserMirror();
    const user = userOf('Ivy', ['warehouse']);
    await mirror.record(user, new Date().toISOString());
    const changesOf = () =>
      feed.events.filter((e) => e.type === 'UserChanged' && (e.data as { id: string }).id === user.id);
    const first = await eventually(async () => changesOf().find((e) => e.id === `user:${user.id}:1`));
    expect(UserChanged.envelope.parse(first).data).toEqual({ ...user, status: 'active', version: 1 });

    await mirror.record(user, new Date().toISOString()); // unchanged: nothing
    await mirror.record({ ...user, status: 'disabled' }, new Date().toISOString());
    const disabled = await eventually(async () => changesOf().find((e) => e.id === `user:${user.id}:2`));
    expect(disabled.data).toMatchObject({ status: 'disabled', version: 2 });
    // The unchanged record published nothing (delivery is at least once: ids may repeat).
    expect([...new Set(changesOf().map((e) => e.id))]).toEqual([`user:${user.id}:1`, `user:${user.id}:2`]);
  });
});
