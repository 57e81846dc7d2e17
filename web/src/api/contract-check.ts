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
  abcReportSchema,
  agingQuerySchema,
  agingReportSchema,
  forecastSchema,
  movementsQuerySchema,
  movementsReportSchema,
  reportQuerySchema,
  reservationsReportSchema,
  stockLevelsReportSchema,
  stockoutsReportSchema,
  summarySchema,
  supplierPerformanceReportSchema,
  turnoverReportSchema,
  valuationReportSchema,
} from '../../../services/reporting/contract.ts';
import type {
  reorderSuggestionSchema,
  reorderSuggestionsQuerySchema,
  reorderSuggestionsSchema,
} from '../../../services/reporting/planning.ts';
import type { levelViewSchema, locationThresholdsBodySchema } from '../../../services/stock/contract.ts';
import type {
  AbcReport,
  AgingFilters,
  AgingReport,
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
  ReorderSuggestion,
  ReorderSuggestions,
  ReorderSuggestionsFilters,
  ReportFilters,
  ReportSummary,
  ReservationsReport,
  RotatedSecret,
  StockLevel,
  StockLevelsReport,
  StockoutsReport,
  Supplier,
  SupplierChanges,
  SupplierInput,
  SupplierItem,
  SupplierItemInput,
  SupplierPerformanceReport,
  SupplierWithSecret,
  TurnoverReport,
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

// The analysis reports and the reorder suggestions.
same<Same<TurnoverReport, z.output<typeof turnoverReportSchema>>>(true);
same<Same<AgingReport, z.output<typeof agingReportSchema>>>(true);
same<Same<AbcReport, z.output<typeof abcReportSchema>>>(true);
same<Same<StockoutsReport, z.output<typeof stockoutsReportSchema>>>(true);
same<Same<SupplierPerformanceReport, z.output<typeof supplierPerformanceReportSchema>>>(true);
same<Same<ReservationsReport, z.output<typeof reservationsReportSchema>>>(true);
// `days` and `serviceLevel` are coerced (their input type is unknown): the other fields exactly, and the keys.
same<Same<Omit<AgingFilters, 'days'>, Omit<z.input<typeof agingQuerySchema>, 'format' | 'days'>>>(true);
same<Same<keyof AgingFilters, Exclude<keyof z.input<typeof agingQuerySchema>, 'format'>>>(true);
same<Same<ReorderSuggestion, z.output<typeof reorderSuggestionSchema>>>(true);
same<Same<ReorderSuggestions, z.output<typeof reorderSuggestionsSchema>>>(true);
same<
  Same<
    Omit<ReorderSuggestionsFilters, 'serviceLevel'>,
    Omit<z.input<typeof reorderSuggestionsQuerySchema>, 'format' | 'serviceLevel'>
  >
>(true);
same<
  Same<
    keyof ReorderSuggestionsFilters,
    Exclude<keyof z.input<typeof reorderSuggestionsQuerySchema>, 'format'>
  >
>(true);
