import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, PUBLIC_ROUTES, ROLES } from '../lib/permissions.ts';
import type { Runtime } from '../local/runtime.ts';
import { authHeader } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// Every route of the API × every role, against the permission table: a route someone forgot to
// protect, or protected with the wrong roles, fails here. Authorization runs before validation,
// so an empty body is enough to tell "allowed" (anything but 401/403) from "denied" (403).
const SAMPLE: Record<string, string> = {
  sku: 'RBAC-PROBE',
  orderId: 'ORD-RBAC-1',
  id: 'viewer@azura.local',
  imageId: '01JD7S3Y2ZK8Q9W4V6B1N3M5P7.png',
};

describe('who may do what', () => {
  let runtime: Runtime;
  let routes: { method: string; path: string; template: string }[];
  beforeAll(async () => {
    runtime = await startTestRuntime();
    const doc = await (await fetch(`${runtime.url}/api/openapi.json`)).json();
    routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([template, ops]) =>
      Object.keys(ops).map((method) => ({
        method: method.toUpperCase(),
        template,
        path: template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(SAMPLE[name] ?? 'x')),
      })),
    );
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  const call = (method: string, path: string, headers: Record<string, string> = {}) =>
    fetch(`${runtime.url}${path}`, {
      method,
      redirect: 'manual',
      headers: { 'content-type': 'application/json', ...headers },
      ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
    });

  it('has exactly one permission entry for every documented /api/v1 route', () => {
    const documented = routes
      .filter(
        (r) => r.template.startsWith('/api/v1/') && !PUBLIC_ROUTES.includes(`${r.method} ${r.template}`),
      )
      .map((r) => `${r.method} ${r.template}`)
      .sort();
    expect(documented).toEqual(Object.keys(PERMISSIONS).sort());
  });

  it('answers 401 problem+json to every protected route without a token', async () => {
    for (const route of routes.filter((r) => PERMISSIONS[`${r.method} ${r.template}`])) {
      const res = await call(route.method, route.path);
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('lets each role through exactly the routes the table gives it, and answers 403 otherwise', async () => {
    let checked = 0;
    for (const role of ROLES) {
      const headers = await authHeader(role);
      for (const route of routes) {
        const allowed = PERMISSIONS[`${route.method} ${route.template}`];
        if (!allowed) continue;
        const res = await call(route.method, route.path, headers);
        const where = `${role} ${route.method} ${route.path} → ${res.status}`;
        if (allowed.includes(role)) {
          expect([401, 403], where).not.toContain(res.status);
        } else {
          expect(res.status, where).toBe(403);
          expect(res.headers.get('content-type'), where).toBe('application/problem+json');
        }
        checked++;
      }
    }
    expect(checked).toBe(Object.keys(PERMISSIONS).length * ROLES.length);
  });
});
