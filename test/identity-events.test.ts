import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../lib/events.ts';
import type { Runtime } from '../local/runtime.ts';
import { identityService } from '../services/identity/service.ts';
import type { eventFeed } from '../services/orders/testing.ts';
import { authHeader, eventually, topicFeed } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

/** Identity tells other services who the users are: UserChanged on the topic, from the table's outbox. */
describe('UserChanged', () => {
  let runtime: Runtime;
  let feed: ReturnType<typeof eventFeed>;
  beforeAll(async () => {
    runtime = await startTestRuntime([identityService]);
    feed = await topicFeed(runtime.provisioned.topicArn, `${runtime.provisioned.prefix}-test-user-events`, [
      'UserChanged',
    ]);
  });
  afterAll(async () => {
    await feed?.stop();
    await runtime?.stop();
  });

  type UserData = { id: string; roles: string[]; phone?: string; version: number };
  const changesOf = (id: string) =>
    feed.events.filter(
      (e): e is Envelope<UserData> => e.type === 'UserChanged' && (e.data as UserData).id === id,
    );

  it('each demo user is announced once it exists, and each change publishes a higher version', async () => {
    // The runtime seeded the demo users: their creation events went out through the stream, but
    // this feed subscribed after. A change now is seen with the version after creation's.
    const response = await fetch(`${runtime.url}/api/v1/auth/me`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...(await authHeader('manager')) },
      body: JSON.stringify({ phone: '+15555550142' }),
    });
    expect(response.status).toBe(200);
    const phoneSet = await eventually(async () =>
      changesOf('manager@azura.local').find((e) => e.data.phone === '+15555550142'),
    );
    expect(phoneSet).toMatchObject({ id: `user:manager@azura.local:${phoneSet.data.version}` });
    expect(phoneSet.data).toMatchObject({ roles: ['manager'], version: expect.any(Number) });

    const roles = await fetch(`${runtime.url}/api/v1/users/manager@azura.local`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...(await authHeader('admin')) },
      body: JSON.stringify({ roles: ['manager', 'warehouse'] }),
    });
    expect(roles.status).toBe(200);
    const rolesSet = await eventually(async () =>
      changesOf('manager@azura.local').find((e) => e.data.roles.includes('warehouse')),
    );
    expect(rolesSet.data.version).toBe(phoneSet.data.version + 1);
    // The phone set before is still part of who the user is.
    expect(rolesSet.data.phone).toBe('+15555550142');
  });
});
