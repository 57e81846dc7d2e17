import { vi } from 'vitest';
import type { Problem, Product, Role, User } from '../api/types.ts';

/**
 * A stand-in for the network, the browser app's outside world: `fetch` is replaced by a table of
 * routes ("GET /api/v1/products/:sku") answering JSON or problem+json. Every request is recorded.
 */

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

type Reply = Response | { status?: number; body?: unknown } | undefined;
export type Handler = (call: Call & { params: Record<string, string> }) => Reply | Promise<Reply>;

export const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export const problem = (
  status: number,
  title: string,
  detail?: string,
  errors?: Problem['errors'],
): Response =>
  new Response(
    JSON.stringify({
      type: `https://azura.example/problems/${title.toLowerCase().replace(/\W+/g, '-')}`,
      title,
      status,
      detail,
      errors,
    }),
    { status, headers: { 'content-type': 'application/problem+json' } },
  );

/**
 * Routes every signed-in page calls (the header's alert bell): answered with "nothing" unless a
 * test fakes them itself.
 */
const FRAME_ROUTES: Record<string, object> = {
  'GET /api/v1/alerts': { items: [], unread: 0 },
};

export function fakeApi(routes: Record<string, Handler | object>) {
  const calls: Call[] = [];
  const all = { ...FRAME_ROUTES, ...routes };
  const table = Object.entries(all).map(([key, handler]) => {
    const [method, pattern] = key.split(' ') as [string, string];
    const names: string[] = [];
    const regex = new RegExp(
      `^${pattern.replace(/:(\w+)/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    return { method, regex, names, handler };
  });

  const fetchStub = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://localhost');
    const method = (init.method ?? 'GET').toUpperCase();
    const text = typeof init.body === 'string' ? init.body : undefined;
    const call: Call = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init.headers),
      body: text ? JSON.parse(text) : init.body,
    };
    calls.push(call);
    for (const route of table) {
      if (route.method !== method) continue;
      const match = route.regex.exec(url.pathname);
      if (!match) continue;
      const params = Object.fromEntries(
        route.names.map((n, i) => [n, decodeURIComponent(match[i + 1] ?? '')]),
      );
      const reply =
        typeof route.handler === 'function'
          ? await (route.handler as Handler)({ ...call, params })
          : route.handler;
      if (reply instanceof Response) return reply;
      // `{ body, status? }` is a reply envelope; any other value is the JSON body itself.
      if (reply && typeof reply === 'object' && !Array.isArray(reply) && 'body' in reply) {
        const r = reply as { status?: number; body?: unknown };
        return json(r.body ?? {}, r.status ?? 200);
      }
      return json(reply ?? {});
    }
    return problem(404, 'Not found', `${method} ${url.pathname} is not faked`);
  });
  vi.stubGlobal('fetch', fetchStub);

  return {
    calls,
    /** The requests to one method and path. */
    to: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path),
  };
}

export const demoUser = (role: Role): User => ({
  id: `user-${role}`,
  email: `${role}@azura.local`,
  name: `${role.charAt(0).toUpperCase()}${role.slice(1)} Demo`,
  roles: [role],
});

/** Signs `user` in as a previous visit would have: token and user in storage. */
export function signedInAs(user: User, token = `token-${user.id}`): void {
  localStorage.setItem('azura.token', token);
  localStorage.setItem('azura.user', JSON.stringify(user));
}

export function product(overrides: Partial<Product> = {}): Product {
  return {
    sku: 'TSHIRT-BLUE-M',
    name: 'T-shirt blue M',
    description: 'A blue T-shirt, size M',
    category: 'apparel',
    price: { amount: 1999, currency: 'USD' },
    cost: { amount: 800, currency: 'USD' },
    reorderPoint: 10,
    safetyStock: 2,
    allowBackorder: false,
    attributes: { colour: 'blue' },
    imageKeys: [],
    status: 'active',
    version: 1,
    createdAt: '2024-05-01T10:00:00.000Z',
    updatedAt: '2024-05-02T10:00:00.000Z',
    updatedBy: 'manager@azura.local',
    stock: { onHand: 50, reserved: 5, available: 43, incoming: 0 },
    ...overrides,
  };
}
