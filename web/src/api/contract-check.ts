/**
 * Compile-time only (never imported by the app): the purchasing, notifications and reporting types of types.ts stay the JSON
 * shapes of services/replenishment/contract.ts. `tsc -p web/tsconfig.json` fails when one drifts.
 * Type imports only: the browser bundle carries no zod.
 */
import type { z } from 'zod';
import type { updateMeBodySchema } from '../../../services/identity/contract.ts';
import type {
  alertListSchema,
  deliveryContentSchema,
  deliverySchema,
  notificationDefaultsSchema,
  preferencesViewSchema,
  userPreferencesBodySchema,
} from '../../../services/notifications/contract.ts';
import type {
  createPurchaseOrderBodySchema,
  createSupplierBodySchema,
  purchaseOrderDetailSchema,
  purchaseOrderSchema,
  receiptBodySchema,
  reorderRuleBodySchema,
  reorderRuleSchema,
  rotatedSecretSchema,
  supplierItemBodySchema,
  supplierItemSchema,
  supplierSchema,
  supplierWithSecretSchema,
  updateSupplierBodySchema,
} from '../../../services/replenishment/contract.ts';
import type {
  forecastSchema,
  movementsQuerySchema,
  movementsReportSchema,
  reportQuerySchema,
  stockLevelsReportSchema,
  summarySchema,
  valuationReportSchema,
} from '../../../services/reporting/contract.ts';
import type { levelViewSchema, locationThresholdsBodySchema } from '../../../services/stock/contract.ts';
import type {
  AlertList,
  Delivery,
  DeliveryContent,
  Forecast,
  LocationThresholds,
  MeChanges,
  MovementsFilters,
  MovementsReport,
  NotificationDefaults,
  PreferencesView,
  PURCHASE_ORDER_STATUSES,
  PurchaseOrder,
  PurchaseOrderDetail,
  PurchaseOrderInput,
  PurchaseOrderReceiptInput,
  PurchaseOrderStatus,
  ReorderRule,
  ReorderRuleInput,
  ReportFilters,
  ReportSummary,
  RotatedSecret,
  StockLevel,
  StockLevelsReport,
  Supplier,
  SupplierChanges,
  SupplierInput,
  SupplierItem,
  SupplierItemInput,
  SupplierWithSecret,
  UserPreferences,
  ValuationReport,
} from './types.ts';

/** True when A and B are the same type (both ways assignable, structurally). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(_: T) => _;

// What the server answers: exactly the contract's output shapes.
same<Same<Supplier, z.output<typeof supplierSchema>>>(true);
same<Same<SupplierWithSecret, z.output<typeof supplierWithSecretSchema>>>(true);
same<Same<RotatedSecret, z.output<typeof rotatedSecretSchema>>>(true);
same<Same<SupplierItem, z.output<typeof supplierItemSchema>>>(true);
same<Same<ReorderRule, z.output<typeof reorderRuleSchema>>>(true);
same<Same<PurchaseOrder, z.output<typeof purchaseOrderSchema>>>(true);
same<Same<PurchaseOrderStatus, (typeof PURCHASE_ORDER_STATUSES)[number]>>(true);
same<Same<PurchaseOrderStatus, z.output<typeof purchaseOrderSchema>['status']>>(true);
same<
  Same<Omit<PurchaseOrderDetail, 'timeline'>, Omit<z.output<typeof purchaseOrderDetailSchema>, 'timeline'>>
>(true);

// What the dashboard sends: exactly the contract's input shapes.
same<Same<SupplierInput, z.input<typeof createSupplierBodySchema>>>(true);
same<Same<SupplierChanges, z.input<typeof updateSupplierBodySchema>>>(true);
same<Same<SupplierItemInput, z.input<typeof supplierItemBodySchema>>>(true);
same<Same<ReorderRuleInput, z.input<typeof reorderRuleBodySchema>>>(true);
same<Same<PurchaseOrderInput, z.input<typeof createPurchaseOrderBodySchema>>>(true);
same<Same<PurchaseOrderReceiptInput, z.input<typeof receiptBodySchema>>>(true);

// Notifications, the profile's phone and per-location thresholds.
same<Same<AlertList, z.output<typeof alertListSchema>>>(true);
same<Same<PreferencesView, z.output<typeof preferencesViewSchema>>>(true);
same<Same<NotificationDefaults, z.output<typeof notificationDefaultsSchema>>>(true);
same<Same<Delivery, z.output<typeof deliverySchema>>>(true);
same<Same<DeliveryContent, z.output<typeof deliveryContentSchema>>>(true);
same<Same<UserPreferences, z.output<typeof userPreferencesBodySchema>>>(true);
same<Same<MeChanges, z.input<typeof updateMeBodySchema>>>(true);
same<Same<LocationThresholds, z.input<typeof locationThresholdsBodySchema>>>(true);
same<Same<StockLevel['thresholds'], z.output<typeof levelViewSchema>['thresholds']>>(true);

// Reporting: the reports, the forecast, and the filters the dashboard sends.
same<Same<ReportSummary, z.output<typeof summarySchema>>>(true);
same<Same<StockLevelsReport, z.output<typeof stockLevelsReportSchema>>>(true);
same<Same<MovementsReport, z.output<typeof movementsReportSchema>>>(true);
same<Same<ValuationReport, z.output<typeof valuationReportSchema>>>(true);
same<Same<Forecast, z.output<typeof forecastSchema>>>(true);
same<Same<ReportFilters, Omit<z.input<typeof reportQuerySchema>, 'format'>>>(true);
same<Same<MovementsFilters, Omit<z.input<typeof movementsQuerySchema>, 'format'>>>(true);
