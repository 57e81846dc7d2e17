/**
 * The shapes the dashboard reads and sends, mirroring the services' contracts
 * (services/catalog/contract.ts, services/stock/contract.ts, services/orders/contract.ts).
 * Kept as plain types so the browser bundle carries no zod.
 */

export type Role = 'admin' | 'manager' | 'warehouse' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'manager', 'warehouse', 'viewer'];

export interface User {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  /** E.164, for SMS alerts. */
  phone?: string | undefined;
}

export interface Money {
  /** Integer minor units (cents). */
  amount: number;
  currency: string;
}

export interface StockTotals {
  onHand: number;
  reserved: number;
  available: number;
  incoming: number;
}

export type ProductStatus = 'active' | 'archived';

export interface Product {
  sku: string;
  name: string;
  description: string;
  category: string;
  price: Money;
  cost: Money;
  reorderPoint: number;
  safetyStock: number;
  allowBackorder: boolean;
  attributes: Record<string, string | number | boolean>;
  imageKeys: string[];
  status: ProductStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy?: string;
  stock?: StockTotals;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export type ProductInput = Pick<
  Product,
  | 'sku'
  | 'name'
  | 'description'
  | 'category'
  | 'price'
  | 'cost'
  | 'reorderPoint'
  | 'safetyStock'
  | 'allowBackorder'
  | 'attributes'
>;

export interface ImageUpload {
  uploadUrl: string;
  key: string;
  expiresAt?: string;
}

export interface StockLevel {
  locationId: string;
  onHand: number;
  reserved: number;
  incoming: number;
  safetyStock: number;
  available: number;
  /**
   * reserved − onHand when a count found less on hand than is reserved (0 otherwise, and always
   * for a product that allows backorders): held reservations that cannot all be committed.
   */
  shortfall: number;
  /** The reorder point in force here: the location's own, or else the product's. */
  reorderPoint: number;
  /** Whether reorderPoint and safetyStock are the product's or set for this location. */
  thresholds: 'product' | 'location';
  updatedAt: string;
}

/** The stock service's totals: the catalog's, plus the sum of the locations' shortfalls. */
export interface StockViewTotals extends StockTotals {
  shortfall: number;
}

export interface StockView {
  sku: string;
  totals: StockViewTotals;
  locations: StockLevel[];
}

export type MovementKind =
  | 'reserve'
  | 'release'
  | 'commit'
  | 'adjust'
  | 'count'
  | 'receive'
  | 'transfer_out'
  | 'transfer_in'
  | 'expect'
  | 'settings';

export interface Movement {
  id: string;
  sku: string;
  locationId: string;
  kind: MovementKind;
  deltas: { onHand: number; reserved: number; incoming: number };
  after: { onHand: number; reserved: number; incoming: number; safetyStock: number; available: number };
  reason?: string;
  note?: string;
  reference?: string;
  actor: string;
  at: string;
}

export const ADJUSTMENT_REASONS = [
  'correction',
  'damaged',
  'lost',
  'found',
  'cycle_count',
  'returned',
] as const;
export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];

export interface Adjustment {
  locationId?: string;
  delta: number;
  reason: AdjustmentReason;
  note?: string;
}
export interface Count {
  locationId?: string;
  countedQuantity: number;
  note?: string;
}
export interface Receipt {
  locationId?: string;
  quantity: number;
  reference?: string;
}
export interface Transfer {
  fromLocationId: string;
  toLocationId: string;
  quantity: number;
}

export interface MovementResult {
  movement: Movement;
  level: StockLevel;
}

export interface Location {
  id: string;
  name: string;
}

export const ORDER_STATUSES = [
  'PENDING',
  'RESERVED',
  'FULFILLED',
  'REJECTED',
  'CANCELLED',
  'EXPIRED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderLine {
  sku: string;
  quantity: number;
}

export interface OrderSummary {
  orderId: string;
  status: OrderStatus;
  lines: OrderLine[];
  locationId?: string;
  placedAt: string;
  updatedAt: string;
}

export interface SagaStep {
  step: string;
  status: 'succeeded' | 'failed' | 'running';
  startedAt: string;
  endedAt?: string;
  error?: string;
  /** Attempts made, retries included. */
  attempts?: number;
}

export interface OrderDetail extends OrderSummary {
  history: { status: OrderStatus; at: string }[];
  shortfalls?: {
    sku: string;
    requested: number;
    available: number;
    reason?: 'insufficient_stock' | 'unknown_sku' | 'stock_shortfall';
  }[];
  releaseReason?: 'cancelled' | 'expired' | 'failed' | 'shortfall';
  timeline: SagaStep[];
}

/**
 * What the dashboard shows: the reporting service's summary, or the same figures worked out in
 * the browser when that service is not deployed (then `trendUnavailable`, no trend, no freshness).
 */
export interface Summary extends Omit<ReportSummary, 'recentOrders'> {
  recentOrders: OrderSummary[];
  /** Set when the figures were worked out in the browser: there is no trend without the reporting service. */
  trendUnavailable?: boolean;
}

export interface HistoryPoint {
  date: string;
  onHand: number;
}

/** RFC 9457 problem details, the body of every API error. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

// ---------------------------------------------------------------- purchasing
// Mirrors services/replenishment/contract.ts (checked against it by contract-check.ts).

export type BackorderPolicy = 'keep_open' | 'close_short';

export interface SupplierPerformance {
  /** Receipt lines observed. */
  receipts: number;
  /** Mean days from SENT to each receipt; null before the first receipt. */
  observedLeadTimeDays: number | null;
  promisedLeadTimeDays: number;
  /** Share (0-1) of receipt lines received by the expected date. */
  onTimeRate: number | null;
}

export interface Supplier {
  id: string;
  name: string;
  email: string;
  phone?: string | undefined;
  webhookUrl: string;
  currency: string;
  leadTimeDays: number;
  active: boolean;
  backorderPolicy: BackorderPolicy;
  /** disabled: the webhook answered 410 Gone; setting webhookUrl again enables it. */
  webhookStatus: 'enabled' | 'disabled';
  secretRotatedAt?: string | undefined;
  performance: SupplierPerformance;
  createdAt: string;
  updatedAt: string;
}

/** The 201 of a create: the only time the signing secret is readable. */
export interface SupplierWithSecret extends Supplier {
  secret: string;
}

export interface SupplierInput {
  id: string;
  name: string;
  email: string;
  phone?: string | undefined;
  webhookUrl: string;
  currency: string;
  leadTimeDays: number;
  active?: boolean | undefined;
  backorderPolicy?: BackorderPolicy | undefined;
}
export type SupplierChanges = Partial<Omit<SupplierInput, 'id'>>;

export interface RotatedSecret {
  secret: string;
  /** The old secret keeps verifying until then (24 h). */
  previousValidUntil: string;
}

export interface PriceBreak {
  minQty: number;
  unitCost: Money;
}

export interface SupplierItemInput {
  supplierSku: string;
  unitCost: Money;
  minOrderQty?: number | undefined;
  packMultiple?: number | undefined;
  /** Overrides the supplier's lead time for this SKU. */
  leadTimeDays?: number | undefined;
  priceBreaks?: PriceBreak[] | undefined;
}

export interface SupplierItem extends SupplierItemInput {
  supplierId: string;
  sku: string;
  minOrderQty: number;
  packMultiple: number;
  performance: SupplierPerformance;
  updatedAt: string;
}

/** What a reorder rule sees now (from the stock service's events). */
export interface ReorderPosition {
  available: number;
  /** Open purchase-order quantity expected within the lead time (counted as cover). */
  onOrder: number;
  /** Open purchase-order quantity expected after the lead time (not counted). */
  onOrderLater: number;
  /** What a PO raised now would order (0: nothing to order). */
  suggestedQuantity: number;
  asOf: string;
}

export interface ReorderRuleInput {
  locationId?: string | undefined;
  min: number;
  max: number;
  multiple?: number | undefined;
  preferredSupplierId: string;
  fallbackSupplierId?: string | undefined;
  approvalThreshold?: Money | undefined;
  snoozedUntil?: string | undefined;
}

export interface ReorderRule {
  sku: string;
  locationId: string;
  min: number;
  max: number;
  multiple: number;
  preferredSupplierId: string;
  fallbackSupplierId?: string | undefined;
  approvalThreshold?: Money | undefined;
  snoozedUntil?: string | undefined;
  updatedAt: string;
  position?: ReorderPosition | undefined;
}

export const PURCHASE_ORDER_STATUSES = [
  'DRAFT',
  'AWAITING_APPROVAL',
  'SENT',
  'ACKNOWLEDGED',
  'PARTIALLY_RECEIVED',
  'RECEIVED',
  'REJECTED',
  'CANCELLED',
  'FAILED',
] as const;
export type PurchaseOrderStatus = (typeof PURCHASE_ORDER_STATUSES)[number];
export const FINAL_PO_STATUSES: readonly PurchaseOrderStatus[] = [
  'RECEIVED',
  'REJECTED',
  'CANCELLED',
  'FAILED',
];
/** Goods are on their way: receipts are accepted. */
export const INBOUND_PO_STATUSES: readonly PurchaseOrderStatus[] = [
  'SENT',
  'ACKNOWLEDGED',
  'PARTIALLY_RECEIVED',
];

export interface PurchaseOrderLine {
  sku: string;
  supplierSku: string;
  quantity: number;
  received: number;
  unitCost: Money;
}

export interface PurchaseOrderHistoryEntry {
  status: PurchaseOrderStatus;
  at: string;
  /** A user, `supplier:<id>`, or `system`. */
  by: string;
  note?: string | undefined;
}

export interface PurchaseOrderReceipt {
  receiptId: string;
  at: string;
  by: string;
  locationId: string;
  lines: { sku: string; quantity: number }[];
  /** True once the stock ledger has it (on hand up, incoming down). */
  applied: boolean;
}

export type PurchaseOrderOrigin = 'rule' | 'manual' | 'fallback';

export interface PurchaseOrder {
  id: string;
  supplierId: string;
  locationId: string;
  lines: PurchaseOrderLine[];
  total: Money;
  status: PurchaseOrderStatus;
  origin: PurchaseOrderOrigin;
  expectedBy: string;
  supplierReference?: string | undefined;
  needsApproval: boolean;
  approvedBy?: string | undefined;
  /** Why it was rejected, cancelled or failed. */
  reason?: string | undefined;
  replaces?: string | undefined;
  replacedBy?: string | undefined;
  history: PurchaseOrderHistoryEntry[];
  receipts: PurchaseOrderReceipt[];
  sentAt?: string | undefined;
  createdAt: string;
  updatedAt: string;
}

export interface PurchaseOrderDetail extends PurchaseOrder {
  timeline: SagaStep[];
}

export interface PurchaseOrderQuery {
  status?: PurchaseOrderStatus | undefined;
  supplierId?: string | undefined;
  sku?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface PurchaseOrderInput {
  supplierId: string;
  locationId?: string | undefined;
  lines: { sku: string; quantity: number }[];
  expectedBy?: string | undefined;
}

export interface PurchaseOrderReceiptInput {
  lines: { sku: string; quantity: number }[];
  locationId?: string | undefined;
  /** Receive more than ordered (otherwise a 422 names the lines over). */
  confirmOverReceipt?: boolean | undefined;
  /** Overrides the supplier's backorder policy: true closes the PO, false keeps it open. */
  closeShort?: boolean | undefined;
}

// ---------------------------------------------------------------- notifications
// Mirrors services/notifications/contract.ts (checked against it by contract-check.ts).

export type AlertCategory = 'stock' | 'purchasing' | 'receiving' | 'operations';
export const ALERT_TYPES = [
  'StockLow',
  'OutOfStock',
  'BackInStock',
  'StockShortfall',
  'DaysOfCoverLow',
  'PurchaseOrderAwaitingApproval',
  'PurchaseOrderFailed',
  'PurchaseOrderRejected',
  'AcknowledgementOverdue',
  'DeliveryOverdue',
  'InboundShipment',
  'DeadLetterMessages',
  'LedgerDrift',
  'RejectedOrdersSpike',
  'ExpiredReservationsSpike',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];
export type Severity = 'critical' | 'warning' | 'info';
export type Channel = 'email' | 'sms' | 'inApp';
export const CHANNELS: readonly Channel[] = ['email', 'sms', 'inApp'];

export interface InboxAlert {
  id: string;
  dedupeKey: string;
  type: AlertType;
  category: AlertCategory;
  severity: Severity;
  title: string;
  summary: string;
  sku?: string | undefined;
  productName?: string | undefined;
  productCategory?: string | undefined;
  locationId?: string | undefined;
  locationName?: string | undefined;
  quantities?:
    | { onHand: number; reserved: number; incoming: number; safetyStock: number; available: number }
    | undefined;
  reorderPoint?: number | undefined;
  incoming?:
    | { quantity: number; expectedBy?: string | undefined; purchaseOrderId?: string | undefined }
    | undefined;
  suggestedOrderQuantity?: number | undefined;
  daysOfCover?: number | undefined;
  purchaseOrderId?: string | undefined;
  supplierId?: string | undefined;
  details?: Record<string, string | number> | undefined;
  link: string;
  status: 'open' | 'resolved';
  raisedAt: string;
  resolvedAt?: string | undefined;
  read: boolean;
  readAt?: string | undefined;
}

export interface AlertList {
  items: InboxAlert[];
  unread: number;
  nextCursor?: string | undefined;
}

export interface QuietHours {
  start: string;
  end: string;
  timeZone: string;
}
export interface Digest {
  hour: number;
  timeZone: string;
}

export interface Preference {
  channels?: Channel[] | undefined;
  categories?: string[] | undefined;
  skus?: string[] | undefined;
  locations?: string[] | undefined;
  quietHours?: QuietHours | null | undefined;
  digest?: Digest | null | undefined;
}

export interface UserPreferences {
  global: Preference;
  types: Partial<Record<AlertType, Preference>>;
}

export interface EffectivePreference {
  type: AlertType;
  category: AlertCategory;
  title: string;
  critical: boolean;
  subscribed: boolean;
  channels: Channel[];
  quietHours?: QuietHours | undefined;
  digest?: Digest | undefined;
  notes: string[];
}

export interface PreferencesView {
  userId: string;
  preferences: UserPreferences;
  effective: EffectivePreference[];
  updatedAt?: string | undefined;
}

export interface DefaultPreference {
  roles: Role[];
  channels: Channel[];
}
export interface NotificationDefaults {
  types: Record<AlertType, DefaultPreference>;
}

export type DeliveryStatus =
  | 'pending'
  | 'held'
  | 'digest'
  | 'sent'
  | 'failed'
  | 'suppressed'
  | 'bounced'
  | 'complained';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'pending',
  'held',
  'digest',
  'sent',
  'failed',
  'suppressed',
  'bounced',
  'complained',
];

export interface DeliveryAttempt {
  at: string;
  outcome: 'sent' | 'error';
  error?: string | undefined;
  providerMessageId?: string | undefined;
}

export interface Delivery {
  id: string;
  alertId?: string | undefined;
  alertType?: AlertType | undefined;
  alertIds?: string[] | undefined;
  sku?: string | undefined;
  userId: string;
  recipient: string;
  channel: Channel;
  status: DeliveryStatus;
  reason?: string | undefined;
  subject?: string | undefined;
  attempts: DeliveryAttempt[];
  createdAt: string;
  releaseAt?: string | undefined;
  sentAt?: string | undefined;
}

export interface DeliveryContent {
  subject?: string | undefined;
  html?: string | undefined;
  text: string;
}

export interface DeliveryQuery {
  channel?: Channel | undefined;
  type?: AlertType | undefined;
  sku?: string | undefined;
  status?: DeliveryStatus | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface LocationThresholds {
  reorderPoint: number | null;
  safetyStock: number | null;
}

export interface MeChanges {
  name?: string | undefined;
  phone?: string | null | undefined;
}

// ---------------------------------------------------------------- reporting
// Mirrors services/reporting/contract.ts (checked against it by contract-check.ts).

/** How fresh a report is: the read model lags the events a little. */
export interface ReportFreshness {
  /** When the newest event in the read model occurred (null: none yet). */
  dataAsOf: string | null;
  /** How long (s) that event took to reach the read model. */
  lagSeconds: number | null;
}

export interface TrendPoint {
  date: string;
  inbound: number;
  outbound: number;
}

export interface ReportSummary extends ReportFreshness {
  totalSkus: number;
  totalUnitsOnHand: number;
  /** onHand × cost. */
  inventoryValue: Money;
  /** onHand × price. */
  retailValue: Money;
  productsWithoutCost: number;
  lowStockCount: number;
  outOfStockCount: number;
  totalReserved: number;
  totalAvailable: number;
  recentOrders: {
    orderId: string;
    status: string;
    lines: OrderLine[];
    placedAt: string;
    updatedAt: string;
  }[];
  /** The last 30 days, one point per day. */
  movementTrend: TrendPoint[];
  /** Inventory value at cost (minor units) at the end of each of the last 30 days. */
  valueTrend: { date: string; value: number }[];
}

/** The filters every report takes (each one optional); dates are YYYY-MM-DD (UTC). */
export interface ReportFilters {
  from?: string | undefined;
  to?: string | undefined;
  category?: string | undefined;
  locationId?: string | undefined;
  sku?: string | undefined;
}

export const MOVEMENT_GROUPS = ['day', 'week', 'month', 'reason', 'type'] as const;
export type MovementGroup = (typeof MOVEMENT_GROUPS)[number];

export interface MovementsFilters extends ReportFilters {
  groupBy?: MovementGroup | undefined;
}

export type ReportName = 'summary' | 'stock-levels' | 'movements' | 'valuation';

export interface StockLevelRow {
  sku: string;
  name: string;
  category: string;
  locationId: string;
  onHand: number;
  reserved: number;
  available: number;
  reorderPoint: number | null;
  status: 'in_stock' | 'low' | 'out';
}

export interface StockLevelsReport extends ReportFreshness {
  /** The end of this day (UTC); null: now. */
  asOf: string | null;
  rows: StockLevelRow[];
}

export interface MovementsRow {
  /** The day (YYYY-MM-DD), ISO week (YYYY-Www), month (YYYY-MM), reason or movement type. */
  group: string;
  inbound: number;
  outbound: number;
  net: number;
  movements: number;
}

export interface MovementsReport extends ReportFreshness {
  groupBy: MovementGroup;
  rows: MovementsRow[];
}

export interface ValuationReport extends ReportFreshness {
  asOf: string | null;
  currency: string;
  /** At cost, minor units. */
  total: number;
  totalRetail: number;
  byCategory: { category: string; value: number; units: number }[];
  byLocation: { locationId: string; value: number; units: number }[];
  /** SKUs holding stock with no cost: their value is unknown (counted as 0). */
  withoutCost: { sku: string; name: string; onHand: number }[];
}

export interface ForecastPoint {
  date: string;
  mean: number;
  lower80?: number | undefined;
  upper80?: number | undefined;
  lower95?: number | undefined;
  upper95?: number | undefined;
}

export interface Forecast extends ReportFreshness {
  sku: string;
  method: string;
  /** smooth, erratic, intermittent or lumpy (Syntetos–Boylan). */
  classification: string;
  horizonDays: number;
  points: ForecastPoint[];
  /** Error on the last days held out, against seasonal naive (MASE < 1 beats it). */
  holdout: { mase: number; days: number } | null;
  history: { date: string; units: number; lostUnits: number }[];
}

// ---------------------------------------------------------------- analysis reports
// Mirrors the analysis reports of services/reporting/contract.ts (checked by contract-check.ts).

export type AnalysisReportName =
  | 'turnover'
  | 'aging'
  | 'abc'
  | 'stockouts'
  | 'supplier-performance'
  | 'reservations';

/** The aging report's filters: no period, `days` idle instead. */
export interface AgingFilters {
  category?: string | undefined;
  locationId?: string | undefined;
  sku?: string | undefined;
  /** Idle for at least this many days (1–3650, default 90). */
  days?: number | undefined;
}

/** A period of whole days (UTC), inclusive. */
export interface ReportPeriod {
  from: string;
  to: string;
  days: number;
}

export interface TurnoverRow {
  sku: string;
  name: string;
  category: string;
  unitsSold: number;
  cogs: number;
  averageOnHand: number;
  averageInventoryValue: number;
  onHandEnd: number;
  turnover: number | null;
  daysOfCover: number | null;
  sellThrough: number | null;
}

export interface TurnoverReport extends ReportPeriod, ReportFreshness {
  currency: string;
  rows: TurnoverRow[];
  totals: { unitsSold: number; cogs: number; averageInventoryValue: number; turnover: number | null };
}

export interface AgingRow {
  sku: string;
  name: string;
  category: string;
  onHand: number;
  value: number;
  lastOutbound: string | null;
  stockedSince: string | null;
  daysSinceOutbound: number | null;
}

export interface AgingReport extends ReportFreshness {
  asOf: string;
  days: number;
  currency: string;
  rows: AgingRow[];
  totals: { skus: number; units: number; value: number };
}

export type AbcClass = 'A' | 'B' | 'C';

export interface AbcRow {
  sku: string;
  name: string;
  category: string;
  unitsSold: number;
  value: number;
  share: number;
  cumulativeShare: number;
  class: AbcClass;
}

export interface AbcReport extends ReportPeriod, ReportFreshness {
  currency: string;
  total: number;
  rows: AbcRow[];
  classes: { class: AbcClass; skus: number; value: number; share: number }[];
}

export interface FillRate {
  unitsOrdered: number;
  unitsReserved: number;
  unitsRejected: number;
  rate: number | null;
}

export interface StockoutsReport extends ReportPeriod, ReportFreshness {
  rows: {
    sku: string;
    name: string;
    category: string;
    locationId: string;
    stockouts: number;
    daysOutOfStock: number;
    outAtEnd: boolean;
  }[];
  fillRate: FillRate;
  fillRateBySku: ({ sku: string; name: string } & FillRate)[];
}

export interface SupplierPerformanceRow {
  supplierId: string;
  name: string | null;
  purchaseOrders: number;
  rejectedOrCancelled: number;
  receipts: number;
  unitsOrdered: number;
  unitsReceived: number;
  receivedRate: number | null;
  averageLeadTimeDays: number | null;
  promisedLeadTimeDays: number | null;
  onTimeRate: number | null;
}

export interface SupplierPerformanceReport extends ReportPeriod, ReportFreshness {
  rows: SupplierPerformanceRow[];
}

export interface ReservationCounts {
  expiries: number;
  expiredUnits: number;
  rejects: number;
  rejectedUnits: number;
}

export interface ReservationsReport extends ReportPeriod, ReportFreshness {
  byDay: ({ date: string } & ReservationCounts)[];
  bySku: ({ sku: string; name: string } & ReservationCounts)[];
  totals: ReservationCounts;
}

// ---------------------------------------------------------------- reorder suggestions
// Mirrors services/reporting/planning.ts (checked by contract-check.ts).

/** `sku`: its receipts' average; `supplier`: its supplier's average; `default`: 7 days. */
export type LeadTimeSource = 'sku' | 'supplier' | 'default';

export interface ReorderSuggestion {
  sku: string;
  name: string;
  category: string;
  currentReorderPoint: number;
  suggestedReorderPoint: number;
  difference: number;
  demandOverLeadTime: number;
  safetyStock: number;
  z: number;
  sigma: number;
  leadTimeDays: number;
  leadTimeSource: LeadTimeSource;
  supplierId: string | null;
  available: number;
  dailyDemand: number;
  daysOfCover: number | null;
  method: string;
}

export interface ReorderSuggestions extends ReportFreshness {
  serviceLevel: number;
  rows: ReorderSuggestion[];
}

export interface ReorderSuggestionsFilters {
  category?: string | undefined;
  sku?: string | undefined;
  /** 0.5–0.999, default 0.95. */
  serviceLevel?: number | undefined;
}
