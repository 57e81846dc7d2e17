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

export interface Summary {
  totalSkus: number;
  totalUnitsOnHand: number;
  inventoryValue: Money;
  lowStockCount: number;
  outOfStockCount: number;
  totalReserved: number;
  totalAvailable: number;
  recentOrders: OrderSummary[];
  movementTrend: { date: string; inbound: number; outbound: number }[];
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
