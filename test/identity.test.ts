import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemoUsers } from '../local/auth.ts';
import { createIdentityApi } from '../services/identity/api.ts';
import { identityService } from '../services/identity/service.ts';
import { authHeader, provisionFor } from './support/env.ts';

describe('sign-in and users', () => {
  let app: ReturnType<typeof createIdentityApi>;
  beforeAll(async () => {
    await provisionFor([identityService]);
    await seedDemoUsers('correct horse');
    app = createIdentityApi();
  });

  const login = (email: string, password: string) =>
    app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });

  it('signs a demo user in and the token then identifies them', async () => {
    const res = await login('Warehouse@Azura.local', 'correct horse');
    expect(res.status).toBe(200);
    const { token, user } = await res.json();
    expect(user).toMatchObject({ email: 'warehouse@azura.local', roles: ['warehouse'] });

    const me = await app.request('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: 'warehouse@azura.local' });
  });

  it('refuses a wrong password or an unknown user with the same 401', async () => {
    for (const [email, password] of [
      ['admin@azura.local', 'wrong'],
      ['nobody@azura.local', 'correct horse'],
    ] as const) {
      const res = await login(email, password);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await res.json()).detail).toBe('The email or password is not right.');
    }
  });

  it('names the wrong field of a malformed sign-in', async () => {
    const res = await login('not-an-email', '');
    expect(res.status).toBe(400);
    const fields = (await res.json()).errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password']));
  });

  it('rejects a forged or missing token with 401', async () => {
    const { authorization } = await authHeader('admin');
    const forged = `${authorization.slice(0, -4)}AAAA`;
    for (const headers of [{}, { authorization: forged }, { authorization: 'Basic abc' }] as Record<
      string,
      string
    >[]) {
      const res = await app.request('/api/v1/auth/me', { headers });
      expect(res.status).toBe(401);
    }
  });

  it('lets an admin change a user’s roles, which the next sign-in carries', async () => {
    const res = await app.request('/api/v1/users/viewer@azura.local', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...(await authHeader('admin')) },
      body: JSON.stringify({ roles: ['viewer', 'warehouse'] }),
    });
    expect(res.status).toBe(200);
    const { user } = await (await login('viewer@azura.local', 'correct horse')).json();
    expect(user.roles.sort()).toEqual(['viewer', 'warehouse']);

    const list = await app.request('/api/v1/users', { headers: await authHeader('admin') });
    expect((await list.json()).items.map((u: { email: string }) => u.email)).toContain('viewer@azura.local');
  });

  it('keeps an admin from removing their own admin role, and non-admins from managing users', async () => {
    const self = await app.request('/api/v1/users/admin@azura.local', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...(await authHeader('admin')) },
      body: JSON.stringify({ roles: ['viewer'] }),
    });
    expect(self.status).toBe(409);

    const byManager = await app.request('/api/v1/users', { headers: await authHeader('manager') });
    expect(byManager.status).toBe(403);
  });

  const patchMe = async (body: unknown) =>
    app.request('/api/v1/auth/me', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...(await authHeader('manager')) },
      body: JSON.stringify(body),
    });

  it('lets a user set, change and remove their own phone number and name', async () => {
    const set = await patchMe({ phone: '+15555550123', name: 'Milo M.' });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({
      email: 'manager@azura.local',
      name: 'Milo M.',
      phone: '+15555550123',
    });
    const me = await app.request('/api/v1/auth/me', { headers: await authHeader('manager') });
    expect(await me.json()).toMatchObject({ phone: '+15555550123' });

    const removed = await patchMe({ phone: null });
    expect(removed.status).toBe(200);
    expect(await removed.json()).not.toHaveProperty('phone');
    const list = await app.request('/api/v1/users', { headers: await authHeader('admin') });
    const manager = (await list.json()).items.find(
      (u: { email: string }) => u.email === 'manager@azura.local',
    );
    expect(manager).toMatchObject({ name: 'Milo M.' });
    expect(manager).not.toHaveProperty('phone');
  });

  it('refuses a phone number that is not in international form, naming the field, and changes nothing', async () => {
    await patchMe({ phone: '+15555550199' });

    const bad = await patchMe({ phone: '06 12 34 56 78' });

    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    const problem = await bad.json();
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'phone', message: expect.stringContaining('international form') }),
      ]),
    );
    const me = await app.request('/api/v1/auth/me', { headers: await authHeader('manager') });
    expect(await me.json()).toMatchObject({ phone: '+15555550199' });
  });
});
