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
});
