/**
 * Who may call what: THE table. Every API route is listed here with the roles allowed to call it
 * (a test walks every route of the OpenAPI document × every role against it). Roles:
 * - admin: everything, users and settings;
 * - manager: products, stock, orders, reports, thresholds, suppliers, reorder rules, purchase orders and their approval;
 * - warehouse: view products and stock; adjustments, counts, receipts (also against purchase orders), transfers;
 * - viewer: read-only.
 * Everyone has their own alerts (the bell) and notification preferences.
 */
export const ROLES = ['admin', 'manager', 'warehouse', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const everyone: readonly Role[] = ROLES;
const managers: readonly Role[] = ['admin', 'manager'];
const stockHandlers: readonly Role[] = ['admin', 'manager', 'warehouse'];
const admins: readonly Role[] = ['admin'];

/** `METHOD /path/{param}` (OpenAPI path syntax) → roles. */
export const PERMISSIONS: Readonly<Record<string, readonly Role[]>> = {
  // identity
  'GET /api/v1/auth/me': everyone,
  'PATCH /api/v1/auth/me': everyone,
  'GET /api/v1/users': admins,
  'PATCH /api/v1/users/{id}': admins,
  // catalog
  'GET /api/v1/products': everyone,
  'POST /api/v1/products': managers,
  'GET /api/v1/products/{sku}': everyone,
  'PATCH /api/v1/products/{sku}': managers,
  'DELETE /api/v1/products/{sku}': managers,
  'POST /api/v1/products/{sku}/images': managers,
  'POST /api/v1/products/{sku}/images/confirm': managers,
  'GET /api/v1/products/{sku}/images/{imageId}': everyone,
  // stock
  'GET /api/v1/stock/{sku}': everyone,
  'GET /api/v1/stock/{sku}/movements': everyone,
  'GET /api/v1/stock/{sku}/ledger-check': everyone,
  'POST /api/v1/stock/{sku}/adjustments': stockHandlers,
  'POST /api/v1/stock/{sku}/counts': stockHandlers,
  'POST /api/v1/stock/{sku}/receipts': stockHandlers,
  'POST /api/v1/stock/{sku}/transfers': stockHandlers,
  'PUT /api/v1/stock/{sku}/locations/{locationId}/thresholds': managers,
  'GET /api/v1/locations': everyone,
  'POST /api/v1/locations': managers,
  // orders
  'GET /api/v1/orders': everyone,
  'GET /api/v1/orders/{orderId}': everyone,
  // replenishment: managers buy and approve, warehouse staff receive, admins rotate signing secrets
  'GET /api/v1/suppliers': everyone,
  'POST /api/v1/suppliers': managers,
  'GET /api/v1/suppliers/{id}': everyone,
  'PATCH /api/v1/suppliers/{id}': managers,
  'POST /api/v1/suppliers/{id}/rotate-secret': admins,
  'GET /api/v1/suppliers/{id}/items': everyone,
  'PUT /api/v1/suppliers/{id}/items/{sku}': managers,
  'DELETE /api/v1/suppliers/{id}/items/{sku}': managers,
  'GET /api/v1/reorder-rules': everyone,
  'PUT /api/v1/reorder-rules/{sku}': managers,
  'DELETE /api/v1/reorder-rules/{sku}': managers,
  'GET /api/v1/purchase-orders': everyone,
  'POST /api/v1/purchase-orders': managers,
  'GET /api/v1/purchase-orders/{id}': everyone,
  'POST /api/v1/purchase-orders/{id}/approve': managers,
  'POST /api/v1/purchase-orders/{id}/reject': managers,
  'POST /api/v1/purchase-orders/{id}/cancel': managers,
  'POST /api/v1/purchase-orders/{id}/receipts': stockHandlers,
  // notifications: everyone has a bell and preferences; managers read the delivery log and the
  // defaults, admins change the defaults and other users' preferences
  'GET /api/v1/alerts': everyone,
  'POST /api/v1/alerts/{id}/read': everyone,
  'POST /api/v1/alerts/read-all': everyone,
  'GET /api/v1/me/notification-preferences': everyone,
  'PUT /api/v1/me/notification-preferences': everyone,
  'GET /api/v1/notification-preferences/defaults': managers,
  'PUT /api/v1/notification-preferences/defaults': admins,
  'GET /api/v1/notification-preferences/users/{userId}': admins,
  'PUT /api/v1/notification-preferences/users/{userId}': admins,
  'GET /api/v1/notifications/deliveries': managers,
  'GET /api/v1/notifications/deliveries/{id}/content': managers,
  // reporting: everyone reads the reports and forecasts
  'GET /api/v1/reports/summary': everyone,
  'GET /api/v1/reports/stock-levels': everyone,
  'GET /api/v1/reports/movements': everyone,
  'GET /api/v1/reports/valuation': everyone,
  'GET /api/v1/reports/turnover': everyone,
  'GET /api/v1/reports/aging': everyone,
  'GET /api/v1/reports/abc': everyone,
  'GET /api/v1/reports/stockouts': everyone,
  'GET /api/v1/reports/supplier-performance': everyone,
  'GET /api/v1/reports/reservations': everyone,
  'GET /api/v1/forecasts/{sku}': everyone,
  'GET /api/v1/reorder-suggestions': everyone,
  'GET /api/v1/reorder-suggestions/{sku}': everyone,
};

/**
 * Routes anyone may call: sign-in, and suppliers' callbacks (authenticated by their Standard
 * Webhooks signature alone). (API Gateway guards the rest of /api/v1 with the Cognito authorizer;
 * a public route has a fixed path, or one path parameter right under its prefix, to bypass it.)
 * Everything outside /api/v1 is public too: health, API docs, the dashboard's files.
 */
export const PUBLIC_ROUTES: readonly string[] = [
  'POST /api/v1/auth/login',
  'POST /api/v1/supplier-callbacks/{supplierId}',
];

const compile = (route: string) => {
  const [method, template] = route.split(' ') as [string, string];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  const regex = new RegExp(`^${pattern}/?$`);
  return (m: string, path: string) => m === method && regex.test(path);
};
const publicRoutes = PUBLIC_ROUTES.map(compile);
const compiled = Object.entries(PERMISSIONS).map(([route, roles]) => ({ matches: compile(route), roles }));

export function isPublicPath(method: string, path: string): boolean {
  if (!path.startsWith('/api/v1/')) return true;
  return publicRoutes.some((matches) => matches(method, path));
}

/** The roles allowed on a concrete request, or undefined when no route matches. */
export function rolesFor(method: string, path: string): readonly Role[] | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return compiled.find((r) => r.matches(m, path))?.roles;
}
