import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, PUBLIC_ROUTES, ROLES } from '../lib/permissions.ts';
import type { Runtime } from '../local/runtime.ts';
import { authHeader, eventually } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// Every route of the API × every role, against the permission table: a route someone forgot to
// protect, or protected with the wrong roles, fails here. A denied call is 403 whatever its body
// (authorization runs before validation). An allowed call is sent a valid request, on data that
// exists, so that it reaches the domain: it must not be refused (401/403), it must never fail on
// the server (5xx), which here could only be a bug, and it succeeds unless its probe says otherwise.
const PROBE_SKU = `RBAC-${ulid().slice(-10)}`;
const OTHER_LOCATION = `rbac-${ulid().slice(-8).toLowerCase()}`;
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

const PROBE_SUPPLIER = `rbac-${ulid().slice(-10).toLowerCase()}`;
const ITEM = { supplierSku: 'RBAC-S1', unitCost: { amount: 300, currency: 'GBP' } };
// Nobody listens there: the probes' purchase orders fail to send, which no probe waits for.
const newSupplier = (id: string) => ({
  id,
  name: 'RBAC supplier',
  email: `${id}@suppliers.example`,
  webhookUrl: 'http://127.0.0.1:9/rbac',
  currency: 'GBP',
  leadTimeDays: 3,
});

const newProduct = (sku: string) => ({
  sku,
  name: 'RBAC probe',
  category: 'probes',
  price: { amount: 1000, currency: 'GBP' },
  cost: { amount: 400, currency: 'GBP' },
});

interface Probe {
  /** Path parameters (OpenAPI names) of this call. */
  params?: Record<string, string>;
  body?: unknown;
  /** A query string, e.g. `?locationId=x`. */
  query?: string;
  /** The answer when it is not a success (2xx/3xx). */
  status?: number;
}

describe('who may do what', () => {
  let runtime: Runtime;
  let routes: { method: string; path: string; template: string }[];
  let imageKey: string;
  let probePurchaseOrder: string;

  const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${runtime.url}${path}`, {
      method,
      redirect: 'manual',
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const asAdmin = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, await authHeader('admin'), body);
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  };

  /** A valid request for each protected route (a route missing here fails the test that needs it). */
  const probes: Record<string, () => Promise<Probe> | Probe> = {
    'GET /api/v1/auth/me': () => ({}),
    'PATCH /api/v1/auth/me': () => ({ body: { phone: '+15555550100' } }),
    'GET /api/v1/users': () => ({}),
    // The viewer stays a viewer: the call is valid and changes nothing the other checks rely on.
    'PATCH /api/v1/users/{id}': () => ({ params: { id: 'viewer@azura.local' }, body: { roles: ['viewer'] } }),
    'GET /api/v1/products': () => ({}),
    'POST /api/v1/products': () => ({ body: newProduct(`RBAC-${ulid().slice(-10)}`) }),
    'GET /api/v1/products/{sku}': () => ({ params: { sku: PROBE_SKU } }),
    'PATCH /api/v1/products/{sku}': () => ({
      params: { sku: PROBE_SKU },
      body: { name: 'RBAC probe, renamed' },
    }),
    // Each delete removes a product of its own, made for it.
    'DELETE /api/v1/products/{sku}': async () => {
      const sku = `RBAC-${ulid().slice(-10)}`;
      await asAdmin('POST', '/api/v1/products', newProduct(sku));
      return { params: { sku } };
    },
    'POST /api/v1/products/{sku}/images': () => ({
      params: { sku: PROBE_SKU },
      body: { contentType: 'image/png', fileName: 'side.png' },
    }),
    'POST /api/v1/products/{sku}/images/confirm': () => ({
      params: { sku: PROBE_SKU },
      body: { key: imageKey },
    }),
    'GET /api/v1/products/{sku}/images/{imageId}': () => ({
      params: { sku: PROBE_SKU, imageId: imageKey.split('/').pop()! },
    }),
    'GET /api/v1/stock/{sku}': () => ({ params: { sku: PROBE_SKU } }),
    'GET /api/v1/stock/{sku}/movements': () => ({ params: { sku: PROBE_SKU } }),
    'GET /api/v1/stock/{sku}/ledger-check': () => ({ params: { sku: PROBE_SKU } }),
    'POST /api/v1/stock/{sku}/adjustments': () => ({
      params: { sku: PROBE_SKU },
      body: { delta: 1, reason: 'found' },
    }),
    'POST /api/v1/stock/{sku}/counts': () => ({ params: { sku: PROBE_SKU }, body: { countedQuantity: 500 } }),
    'POST /api/v1/stock/{sku}/receipts': () => ({ params: { sku: PROBE_SKU }, body: { quantity: 3 } }),
    'POST /api/v1/stock/{sku}/transfers': () => ({
      params: { sku: PROBE_SKU },
      body: { fromLocationId: 'main', toLocationId: OTHER_LOCATION, quantity: 1 },
    }),
    'PUT /api/v1/stock/{sku}/locations/{locationId}/thresholds': () => ({
      params: { sku: PROBE_SKU, locationId: 'main' },
      body: { reorderPoint: 4, safetyStock: null },
    }),
    'GET /api/v1/locations': () => ({}),
    'POST /api/v1/locations': () => ({
      body: { id: `rbac-${ulid().slice(-8).toLowerCase()}`, name: 'RBAC probe shelf' },
    }),
    'GET /api/v1/orders': () => ({}),
    // No order has this id: the allowed answer is a 404, reached after the database read.
    'GET /api/v1/orders/{orderId}': () => ({ params: { orderId: 'ORD-RBAC-1' }, status: 404 }),
    // replenishment: a supplier with an item for the probe SKU, a rule, a purchase order
    'GET /api/v1/suppliers': () => ({}),
    'POST /api/v1/suppliers': () => ({ body: newSupplier(`rbac-${ulid().slice(-10).toLowerCase()}`) }),
    'GET /api/v1/suppliers/{id}': () => ({ params: { id: PROBE_SUPPLIER } }),
    'PATCH /api/v1/suppliers/{id}': () => ({
      params: { id: PROBE_SUPPLIER },
      body: { name: 'RBAC supplier, renamed' },
    }),
    'POST /api/v1/suppliers/{id}/rotate-secret': () => ({ params: { id: PROBE_SUPPLIER }, body: {} }),
    'GET /api/v1/suppliers/{id}/items': () => ({ params: { id: PROBE_SUPPLIER } }),
    'PUT /api/v1/suppliers/{id}/items/{sku}': () => ({
      params: { id: PROBE_SUPPLIER, sku: PROBE_SKU },
      body: ITEM,
    }),
    'DELETE /api/v1/suppliers/{id}/items/{sku}': async () => {
      const sku = `RBAC-${ulid().slice(-10)}`;
      await asAdmin('PUT', `/api/v1/suppliers/${PROBE_SUPPLIER}/items/${sku}`, ITEM);
      return { params: { id: PROBE_SUPPLIER, sku } };
    },
    'GET /api/v1/reorder-rules': () => ({}),
    'PUT /api/v1/reorder-rules/{sku}': () => ({
      params: { sku: PROBE_SKU },
      body: { min: 1, max: 5, preferredSupplierId: PROBE_SUPPLIER },
    }),
    'DELETE /api/v1/reorder-rules/{sku}': async () => {
      await asAdmin('PUT', `/api/v1/reorder-rules/${PROBE_SKU}`, {
        locationId: OTHER_LOCATION,
        min: 1,
        max: 5,
        preferredSupplierId: PROBE_SUPPLIER,
      });
      return { params: { sku: PROBE_SKU }, query: `?locationId=${OTHER_LOCATION}` };
    },
    'GET /api/v1/purchase-orders': () => ({}),
    // Each manual PO orders a SKU of its own (one open PO per SKU × location × supplier).
    'POST /api/v1/purchase-orders': async () => {
      const sku = `RBAC-${ulid().slice(-10)}`;
      await asAdmin('PUT', `/api/v1/suppliers/${PROBE_SUPPLIER}/items/${sku}`, ITEM);
      return { body: { supplierId: PROBE_SUPPLIER, lines: [{ sku, quantity: 5 }] } };
    },
    'GET /api/v1/purchase-orders/{id}': () => ({ params: { id: probePurchaseOrder } }),
    // No PO has this id: the allowed answers are 404s, reached after the database read.
    'POST /api/v1/purchase-orders/{id}/approve': () => ({
      params: { id: 'PO-RBAC1' },
      body: {},
      status: 404,
    }),
    'POST /api/v1/purchase-orders/{id}/reject': () => ({ params: { id: 'PO-RBAC1' }, body: {}, status: 404 }),
    'POST /api/v1/purchase-orders/{id}/cancel': () => ({ params: { id: 'PO-RBAC1' }, body: {}, status: 404 }),
    'POST /api/v1/purchase-orders/{id}/receipts': () => ({
      params: { id: 'PO-RBAC1' },
      body: { lines: [{ sku: PROBE_SKU, quantity: 1 }] },
      status: 404,
    }),
    'GET /api/v1/alerts': () => ({}),
    // Nobody has this alert: the allowed answer is a 404 from the caller's own alerts.
    'POST /api/v1/alerts/{id}/read': () => ({
      params: { id: `al_${'0'.repeat(26)}` },
      body: {},
      status: 404,
    }),
    'POST /api/v1/alerts/read-all': () => ({ body: {} }),
    'GET /api/v1/me/notification-preferences': () => ({}),
    'PUT /api/v1/me/notification-preferences': () => ({ body: { global: { channels: ['inApp', 'email'] } } }),
    'GET /api/v1/notification-preferences/defaults': () => ({}),
    'PUT /api/v1/notification-preferences/defaults': () => ({
      body: { types: { LedgerDrift: { roles: ['admin'], channels: ['inApp', 'email'] } } },
    }),
    'GET /api/v1/notification-preferences/users/{userId}': () => ({
      params: { userId: 'manager@azura.local' },
    }),
    'PUT /api/v1/notification-preferences/users/{userId}': () => ({
      params: { userId: 'manager@azura.local' },
      body: { types: { BackInStock: { channels: ['inApp'] } } },
    }),
    'GET /api/v1/notifications/deliveries': () => ({}),
    'GET /api/v1/notifications/deliveries/{id}/content': () => ({ params: { id: 'dl_none' }, status: 404 }),
    'GET /api/v1/reports/summary': () => ({}),
    'GET /api/v1/reports/stock-levels': () => ({ query: '?format=csv' }),
    'GET /api/v1/reports/movements': () => ({ query: '?groupBy=week' }),
    'GET /api/v1/reports/valuation': () => ({}),
    'GET /api/v1/reports/turnover': () => ({ query: `?sku=${PROBE_SKU}` }),
    'GET /api/v1/reports/aging': () => ({ query: '?days=30&format=csv' }),
    'GET /api/v1/reports/abc': () => ({}),
    'GET /api/v1/reports/stockouts': () => ({ query: '?locationId=main' }),
    'GET /api/v1/reports/supplier-performance': () => ({ query: '?format=csv' }),
    'GET /api/v1/reports/reservations': () => ({}),
    // The probe product has no orders: no demand history to forecast from.
    'GET /api/v1/forecasts/{sku}': () => ({ params: { sku: PROBE_SKU }, status: 404 }),
    'GET /api/v1/reorder-suggestions': () => ({ query: '?serviceLevel=0.9' }),
    'GET /api/v1/reorder-suggestions/{sku}': () => ({ params: { sku: PROBE_SKU }, status: 404 }),
  };
  const pathOf = (template: string, params: Record<string, string> = {}) =>
    template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`no value for {${name}} in ${template}`);
      return encodeURIComponent(value);
    });

  beforeAll(async () => {
    runtime = await startTestRuntime();
    const doc = await (await fetch(`${runtime.url}/api/openapi.json`)).json();
    routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([template, ops]) =>
      Object.keys(ops).map((method) => ({
        method: method.toUpperCase(),
        template,
        path: template.replace(/\{(\w+)\}/g, 'x'),
      })),
    );
    // The data the allowed calls work on: a product with stock at two locations, and an uploaded image.
    await asAdmin('POST', '/api/v1/products', newProduct(PROBE_SKU));
    await asAdmin('POST', '/api/v1/locations', { id: OTHER_LOCATION, name: 'RBAC back room' });
    await eventually(async () => (await call('GET', `/api/v1/stock/${PROBE_SKU}`, await authHeader())).ok);
    await asAdmin('POST', `/api/v1/stock/${PROBE_SKU}/receipts`, { quantity: 100 });
    const upload = (await asAdmin('POST', `/api/v1/products/${PROBE_SKU}/images`, {
      contentType: 'image/png',
      fileName: 'front.png',
    })) as { key: string; uploadUrl: string };
    const put = await fetch(upload.uploadUrl, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: PNG,
    });
    if (!put.ok) throw new Error(`image upload → ${put.status}`);
    imageKey = upload.key;
    await asAdmin('POST', `/api/v1/products/${PROBE_SKU}/images/confirm`, { key: imageKey });
    await asAdmin('POST', '/api/v1/suppliers', newSupplier(PROBE_SUPPLIER));
    await asAdmin('PUT', `/api/v1/suppliers/${PROBE_SUPPLIER}/items/${PROBE_SKU}`, ITEM);
    const po = (await asAdmin('POST', '/api/v1/purchase-orders', {
      supplierId: PROBE_SUPPLIER,
      lines: [{ sku: PROBE_SKU, quantity: 5 }],
    })) as { id: string };
    probePurchaseOrder = po.id;
    // The notifications service knows the demo users once their UserChanged has reached it.
    await eventually(
      async () =>
        (
          await call(
            'GET',
            '/api/v1/notification-preferences/users/manager%40azura.local',
            await authHeader(),
          )
        ).ok,
    );
  });
  afterAll(async () => {
    await runtime?.stop();
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
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      const res = await call(route.method, route.path, {}, body);
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('lets each role through exactly the routes the table gives it, and answers 403 otherwise', async () => {
    let checked = 0;
    for (const role of ROLES) {
      const headers = await authHeader(role);
      for (const route of routes) {
        const name = `${route.method} ${route.template}`;
        const allowed = PERMISSIONS[name];
        if (!allowed) continue;
        const probe = probes[name];
        expect(probe, `a valid request for ${name} in this test's probes`).toBeDefined();
        const { params, body, query = '', status } = await probe!();
        const path = pathOf(route.template, params) + query;
        const res = await call(route.method, path, headers, body);
        const where = `${role} ${route.method} ${path} → ${res.status}`;
        const text = await res.text();
        if (allowed.includes(role)) {
          expect([401, 403], where).not.toContain(res.status);
          expect(res.status, `${where} ${text}`).toBeLessThan(500);
          // The request is valid: anything but the success (or the stated answer) means it no longer is.
          if (status) expect(res.status, where).toBe(status);
          else expect(res.status, `${where} ${text}`).toBeLessThan(400);
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
