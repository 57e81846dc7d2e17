import { observability } from '../../lib/observability.ts';
import type { PurchaseOrdering, WebhookSecrets } from './domain/model.ts';
import { ReorderPlanner } from './domain/planner.ts';
import { Suppliers } from './domain/suppliers.ts';
import { SecretsManagerWebhookSecrets } from './secrets.ts';
import { DynamoSupplierStore } from './supplier-store.ts';
import { defaultPurchaseOrders } from './wiring.ts';

/**
 * The suppliers' half of the replenishment service, wired once per process on first use (Lambda
 * module scope; tests after provisioning). Purchase orders are reached lazily through
 * `defaultPurchaseOrders()` (wiring.ts), which in turn uses `defaultSuppliers()` and
 * `defaultWebhookSecrets()` from here: neither is called at import, so the two files may import
 * each other.
 */
let store: DynamoSupplierStore | undefined;
let secrets: WebhookSecrets | undefined;
let suppliers: Suppliers | undefined;
let planner: ReorderPlanner | undefined;
let ordering: () => PurchaseOrdering = defaultPurchaseOrders;

/**
 * Where the suppliers' half reaches purchase orders; by default `defaultPurchaseOrders()`. For a
 * test that runs the handlers without the purchase-order half: it rewires on next use.
 */
export function setPurchaseOrdering(factory: () => PurchaseOrdering): void {
  ordering = factory;
  suppliers = undefined;
  planner = undefined;
}

/** Purchase orders as the suppliers' half reaches them (see {@link setPurchaseOrdering}). */
export function purchaseOrdering(): PurchaseOrdering {
  return ordering();
}

const supplierStore = (): DynamoSupplierStore => {
  store ??= new DynamoSupplierStore();
  return store;
};

export function defaultWebhookSecrets(): WebhookSecrets {
  secrets ??= new SecretsManagerWebhookSecrets();
  return secrets;
}

export function defaultSuppliers(): Suppliers {
  suppliers ??= new Suppliers(supplierStore(), defaultWebhookSecrets(), () => ordering());
  return suppliers;
}

export function defaultPlanner(): ReorderPlanner {
  if (!planner) {
    const { logger } = observability('replenishment');
    planner = new ReorderPlanner(supplierStore(), defaultSuppliers(), () => ordering(), {
      log: (level, message, details) => logger[level](message, details),
    });
  }
  return planner;
}
