import { type ApiFile, request, requestFile } from './client.ts';
import type {
  AbcReport,
  Adjustment,
  AgingFilters,
  AgingReport,
  AlertList,
  AnalysisReportName,
  Count,
  Delivery,
  DeliveryContent,
  DeliveryQuery,
  Forecast,
  HistoryPoint,
  ImageUpload,
  Location,
  LocationThresholds,
  MeChanges,
  Movement,
  MovementResult,
  MovementsFilters,
  MovementsReport,
  NotificationDefaults,
  OrderDetail,
  OrderStatus,
  OrderSummary,
  Page,
  PreferencesView,
  Product,
  ProductInput,
  PurchaseOrder,
  PurchaseOrderDetail,
  PurchaseOrderInput,
  PurchaseOrderQuery,
  PurchaseOrderReceiptInput,
  Receipt,
  ReorderRule,
  ReorderRuleInput,
  ReorderSuggestion,
  ReorderSuggestions,
  ReorderSuggestionsFilters,
  ReportFilters,
  ReportName,
  ReportSummary,
  ReservationsReport,
  Role,
  RotatedSecret,
  StockLevelsReport,
  StockoutsReport,
  StockView,
  Supplier,
  SupplierChanges,
  SupplierInput,
  SupplierItem,
  SupplierItemInput,
  SupplierPerformanceReport,
  SupplierWithSecret,
  Transfer,
  TurnoverReport,
  User,
  UserPreferences,
  ValuationReport,
} from './types.ts';

/** Typed calls of /api/v1, one function per route the dashboard uses. */

const V1 = '/api/v1';
const enc = encodeURIComponent;

export interface ActionOptions {
  /** The key of this user action; pass the same one when retrying it. */
  idempotencyKey?: string;
}

export const auth = {
  login: (email: string, password: string) =>
    request<{ token: string; user: User }>('POST', `${V1}/auth/login`, {
      body: { email, password },
      anonymous: true,
    }),
  me: () => request<User>('GET', `${V1}/auth/me`),
  /** `phone: null` removes the phone number. */
  updateMe: (changes: MeChanges) => request<User>('PATCH', `${V1}/auth/me`, { body: changes }),
};

export interface ProductQuery {
  search?: string;
  category?: string;
  status?: 'active' | 'archived' | 'all';
  cursor?: string;
  limit?: number;
}

export const products = {
  list: (query: ProductQuery = {}, signal?: AbortSignal) =>
    request<Page<Product>>('GET', `${V1}/products`, { query: { ...query }, ...(signal ? { signal } : {}) }),
  /** Follows the cursor until `max` products are loaded; `truncated` tells if more remain. */
  async listAll(
    query: Omit<ProductQuery, 'cursor'> = {},
    max = 1000,
  ): Promise<{ items: Product[]; truncated: boolean }> {
    const items: Product[] = [];
    let cursor: string | undefined;
    do {
      const page = await products.list({ ...query, limit: 100, ...(cursor ? { cursor } : {}) });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && items.length < max);
    return { items, truncated: Boolean(cursor) };
  },
  get: (sku: string) => request<Product>('GET', `${V1}/products/${enc(sku)}`),
  create: (input: ProductInput, options: ActionOptions = {}) =>
    request<Product>('POST', `${V1}/products`, { body: input, ...options }),
  update: (sku: string, changes: Partial<ProductInput>, version?: number) =>
    request<Product>('PATCH', `${V1}/products/${enc(sku)}`, {
      body: changes,
      ...(version ? { headers: { 'if-match': `"${version}"` } } : {}),
    }),
  remove: (sku: string) => request<Product>('DELETE', `${V1}/products/${enc(sku)}`),
  requestImageUpload: (
    sku: string,
    file: { contentType: string; fileName: string },
    options: ActionOptions = {},
  ) => request<ImageUpload>('POST', `${V1}/products/${enc(sku)}/images`, { body: file, ...options }),
  confirmImage: (sku: string, key: string, options: ActionOptions = {}) =>
    request<Product>('POST', `${V1}/products/${enc(sku)}/images/confirm`, { body: { key }, ...options }),
  /** The API route of an image: it redirects to a short-lived URL. */
  imagePath: (sku: string, key: string) =>
    `${V1}/products/${enc(sku)}/images/${enc(key.split('/').pop() ?? key)}`,
};

export const stock = {
  get: (sku: string) => request<StockView>('GET', `${V1}/stock/${enc(sku)}`),
  adjust: (sku: string, body: Adjustment, options: ActionOptions = {}) =>
    request<MovementResult>('POST', `${V1}/stock/${enc(sku)}/adjustments`, { body, ...options }),
  count: (sku: string, body: Count, options: ActionOptions = {}) =>
    request<MovementResult>('POST', `${V1}/stock/${enc(sku)}/counts`, { body, ...options }),
  receive: (sku: string, body: Receipt, options: ActionOptions = {}) =>
    request<MovementResult>('POST', `${V1}/stock/${enc(sku)}/receipts`, { body, ...options }),
  transfer: (sku: string, body: Transfer, options: ActionOptions = {}) =>
    request<unknown>('POST', `${V1}/stock/${enc(sku)}/transfers`, { body, ...options }),
  movements: (sku: string, cursor?: string, limit = 20) =>
    request<Page<Movement>>('GET', `${V1}/stock/${enc(sku)}/movements`, { query: { cursor, limit } }),
  history: (sku: string, days = 30) =>
    request<HistoryPoint[]>('GET', `${V1}/stock/${enc(sku)}/history`, { query: { days } }),
  locations: () => request<{ items: Location[] }>('GET', `${V1}/locations`),
  /** `null` goes back to the product's value at this location. */
  setThresholds: (sku: string, locationId: string, body: LocationThresholds) =>
    request<unknown>('PUT', `${V1}/stock/${enc(sku)}/locations/${enc(locationId)}/thresholds`, { body }),
};

export const orders = {
  list: (status?: OrderStatus, cursor?: string) =>
    request<Page<OrderSummary>>('GET', `${V1}/orders`, { query: { status, cursor } }),
  get: (orderId: string) => request<OrderDetail>('GET', `${V1}/orders/${enc(orderId)}`),
};

export const reports = {
  summary: () => request<ReportSummary>('GET', `${V1}/reports/summary`),
  stockLevels: (filters: ReportFilters = {}) =>
    request<StockLevelsReport>('GET', `${V1}/reports/stock-levels`, { query: { ...filters } }),
  movements: (filters: MovementsFilters = {}) =>
    request<MovementsReport>('GET', `${V1}/reports/movements`, { query: { ...filters } }),
  valuation: (filters: ReportFilters = {}) =>
    request<ValuationReport>('GET', `${V1}/reports/valuation`, { query: { ...filters } }),
  turnover: (filters: ReportFilters = {}) =>
    request<TurnoverReport>('GET', `${V1}/reports/turnover`, { query: { ...filters } }),
  aging: (filters: AgingFilters = {}) =>
    request<AgingReport>('GET', `${V1}/reports/aging`, { query: { ...filters } }),
  abc: (filters: ReportFilters = {}) =>
    request<AbcReport>('GET', `${V1}/reports/abc`, { query: { ...filters } }),
  stockouts: (filters: ReportFilters = {}) =>
    request<StockoutsReport>('GET', `${V1}/reports/stockouts`, { query: { ...filters } }),
  supplierPerformance: (filters: ReportFilters = {}) =>
    request<SupplierPerformanceReport>('GET', `${V1}/reports/supplier-performance`, {
      query: { ...filters },
    }),
  reservations: (filters: ReportFilters = {}) =>
    request<ReservationsReport>('GET', `${V1}/reports/reservations`, { query: { ...filters } }),
  /** A report's rows as CSV (`?format=csv`), fetched with the bearer token. */
  csv: (
    name: ReportName | AnalysisReportName,
    filters: MovementsFilters | AgingFilters = {},
  ): Promise<ApiFile> => requestFile(`${V1}/reports/${name}`, { query: { ...filters, format: 'csv' } }),
};

export const reorderSuggestions = {
  /** The SKUs whose forecast-based reorder point differs from the current one, largest change first. */
  list: (filters: ReorderSuggestionsFilters = {}) =>
    request<ReorderSuggestions>('GET', `${V1}/reorder-suggestions`, { query: { ...filters } }),
  /** One SKU's suggestion, whether or not it differs; 404 without demand history. */
  get: (sku: string, serviceLevel?: number) =>
    request<ReorderSuggestion>('GET', `${V1}/reorder-suggestions/${enc(sku)}`, { query: { serviceLevel } }),
  csv: (filters: ReorderSuggestionsFilters = {}): Promise<ApiFile> =>
    requestFile(`${V1}/reorder-suggestions`, { query: { ...filters, format: 'csv' } }),
};

export const forecasts = {
  /** 404 when the SKU has no demand history yet. */
  get: (sku: string) => request<Forecast>('GET', `${V1}/forecasts/${enc(sku)}`),
};

export const users = {
  list: () => request<{ items: User[] }>('GET', `${V1}/users`),
  setRoles: (id: string, roles: Role[]) =>
    request<User>('PATCH', `${V1}/users/${enc(id)}`, { body: { roles } }),
};

export const suppliers = {
  list: () => request<{ items: Supplier[] }>('GET', `${V1}/suppliers`),
  get: (id: string) => request<Supplier>('GET', `${V1}/suppliers/${enc(id)}`),
  /** The answer carries the signing secret: the only time it is readable. */
  create: (body: SupplierInput, options: ActionOptions = {}) =>
    request<SupplierWithSecret>('POST', `${V1}/suppliers`, { body, ...options }),
  update: (id: string, changes: SupplierChanges) =>
    request<Supplier>('PATCH', `${V1}/suppliers/${enc(id)}`, { body: changes }),
  rotateSecret: (id: string, options: ActionOptions = {}) =>
    request<RotatedSecret>('POST', `${V1}/suppliers/${enc(id)}/rotate-secret`, options),
  items: (id: string) => request<{ items: SupplierItem[] }>('GET', `${V1}/suppliers/${enc(id)}/items`),
  putItem: (id: string, sku: string, body: SupplierItemInput) =>
    request<SupplierItem>('PUT', `${V1}/suppliers/${enc(id)}/items/${enc(sku)}`, { body }),
  removeItem: (id: string, sku: string) =>
    request<void>('DELETE', `${V1}/suppliers/${enc(id)}/items/${enc(sku)}`),
};

export const reorderRules = {
  list: (query: { sku?: string; locationId?: string; cursor?: string; limit?: number } = {}) =>
    request<Page<ReorderRule>>('GET', `${V1}/reorder-rules`, { query: { ...query } }),
  put: (sku: string, body: ReorderRuleInput) =>
    request<ReorderRule>('PUT', `${V1}/reorder-rules/${enc(sku)}`, { body }),
  remove: (sku: string, locationId?: string) =>
    request<void>('DELETE', `${V1}/reorder-rules/${enc(sku)}`, { query: { locationId } }),
};

const decision = (note: string | undefined) => (note?.trim() ? { note: note.trim() } : {});

export const purchaseOrders = {
  list: (query: PurchaseOrderQuery = {}) =>
    request<Page<PurchaseOrder>>('GET', `${V1}/purchase-orders`, { query: { ...query } }),
  get: (id: string) => request<PurchaseOrderDetail>('GET', `${V1}/purchase-orders/${enc(id)}`),
  create: (body: PurchaseOrderInput, options: ActionOptions = {}) =>
    request<PurchaseOrder>('POST', `${V1}/purchase-orders`, { body, ...options }),
  approve: (id: string, note?: string, options: ActionOptions = {}) =>
    request<PurchaseOrder>('POST', `${V1}/purchase-orders/${enc(id)}/approve`, {
      body: decision(note),
      ...options,
    }),
  reject: (id: string, note?: string, options: ActionOptions = {}) =>
    request<PurchaseOrder>('POST', `${V1}/purchase-orders/${enc(id)}/reject`, {
      body: decision(note),
      ...options,
    }),
  cancel: (id: string, note?: string, options: ActionOptions = {}) =>
    request<PurchaseOrder>('POST', `${V1}/purchase-orders/${enc(id)}/cancel`, {
      body: decision(note),
      ...options,
    }),
  /** Send the same idempotencyKey when retrying one submission: the server books it once. */
  receive: (id: string, body: PurchaseOrderReceiptInput, options: ActionOptions = {}) =>
    request<PurchaseOrder>('POST', `${V1}/purchase-orders/${enc(id)}/receipts`, { body, ...options }),
};

export const alerts = {
  list: (query: { unread?: boolean; cursor?: string; limit?: number } = {}) =>
    request<AlertList>('GET', `${V1}/alerts`, { query: { ...query } }),
  markRead: (id: string) => request<unknown>('POST', `${V1}/alerts/${enc(id)}/read`, { body: {} }),
  markAllRead: () => request<{ unread: number }>('POST', `${V1}/alerts/read-all`, { body: {} }),
};

export const notificationPreferences = {
  mine: () => request<PreferencesView>('GET', `${V1}/me/notification-preferences`),
  putMine: (body: UserPreferences) =>
    request<PreferencesView>('PUT', `${V1}/me/notification-preferences`, { body }),
  ofUser: (userId: string) =>
    request<PreferencesView>('GET', `${V1}/notification-preferences/users/${enc(userId)}`),
  putOfUser: (userId: string, body: UserPreferences) =>
    request<PreferencesView>('PUT', `${V1}/notification-preferences/users/${enc(userId)}`, { body }),
  defaults: () => request<NotificationDefaults>('GET', `${V1}/notification-preferences/defaults`),
  putDefaults: (body: NotificationDefaults) =>
    request<NotificationDefaults>('PUT', `${V1}/notification-preferences/defaults`, { body }),
};

export const deliveries = {
  list: (query: DeliveryQuery = {}) =>
    request<Page<Delivery>>('GET', `${V1}/notifications/deliveries`, { query: { ...query } }),
  content: (id: string) =>
    request<DeliveryContent>('GET', `${V1}/notifications/deliveries/${enc(id)}/content`),
};
