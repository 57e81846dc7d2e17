import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { observability } from '../../lib/observability.ts';
import type { PurchaseOrdering, SagaTimings, WebhookSecrets } from './domain/model.ts';
import { ReorderPlanner } from './domain/planner.ts';
import { PurchaseOrders } from './domain/purchase-orders.ts';
import { Suppliers } from './domain/suppliers.ts';
import { DynamoPurchaseOrderStore } from './po-store.ts';
import { SfnPurchaseOrderSaga } from './saga-client.ts';
import { SecretsManagerWebhookSecrets } from './secrets.ts';
import { PURCHASE_ORDER_FAILED_METRIC } from './service.ts';
import { DynamoSupplierStore } from './supplier-store.ts';
import { SignedWebhookSender } from './webhook.ts';

/**
 * The replenishment service, wired once per process on first use (Lambda module scope; tests
 * after provisioning): suppliers, the planner and purchase orders over one supplier store and one
 * webhook-secrets cache. The planner and suppliers reach purchase orders lazily through
 * {@link purchaseOrdering} (by default `defaultPurchaseOrders()`).
 */
let store: DynamoSupplierStore | undefined;
let secrets: WebhookSecrets | undefined;
let suppliers: Suppliers | undefined;
let planner: ReorderPlanner | undefined;
let ordering: () => PurchaseOrdering = () => defaultPurchaseOrders();

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

const HOUR = 3600;
const DEFAULT_TIMINGS: SagaTimings = {
  approvalSeconds: 24 * HOUR,
  approvalEscalatedSeconds: 48 * HOUR,
  ackSeconds: 24 * HOUR,
  deliveryGraceSeconds: 24 * HOUR,
  reescalateSeconds: 7 * 24 * HOUR,
};
const TIMING_ENV: Record<keyof SagaTimings, string> = {
  approvalSeconds: 'REPLENISHMENT_APPROVAL_WAIT_SECONDS',
  approvalEscalatedSeconds: 'REPLENISHMENT_APPROVAL_ESCALATED_WAIT_SECONDS',
  ackSeconds: 'REPLENISHMENT_ACK_WAIT_SECONDS',
  deliveryGraceSeconds: 'REPLENISHMENT_DELIVERY_GRACE_SECONDS',
  reescalateSeconds: 'REPLENISHMENT_REESCALATE_SECONDS',
};

/** The saga's waits, read from the environment at each step (a positive integer; otherwise the default). */
export function sagaTimingsFromEnv(env: NodeJS.ProcessEnv = process.env): SagaTimings {
  const timings = { ...DEFAULT_TIMINGS };
  for (const key of Object.keys(TIMING_ENV) as (keyof SagaTimings)[]) {
    const value = Number(env[TIMING_ENV[key]]);
    if (Number.isInteger(value) && value > 0) timings[key] = value;
  }
  return timings;
}

let purchaseOrders: PurchaseOrders | undefined;

/** The process-wide PurchaseOrders over DynamoDB, Step Functions, the supplier directory and secrets (made on first use). */
export function defaultPurchaseOrders(): PurchaseOrders {
  if (!purchaseOrders) {
    const { logger, metrics } = observability('replenishment');
    const directory = defaultSuppliers();
    // The secrets the suppliers rotate: one cache, so a rotation here signs with the new one at once.
    const secrets = defaultWebhookSecrets();
    purchaseOrders = new PurchaseOrders(
      new DynamoPurchaseOrderStore(),
      new SfnPurchaseOrderSaga(),
      directory,
      secrets,
      new SignedWebhookSender(directory, secrets),
      {
        timings: () => sagaTimingsFromEnv(),
        onFailed: (po) => {
          logger.error('PURCHASE ORDER FAILED with no fallback supplier left', {
            purchaseOrderId: po.id,
            supplierId: po.supplierId,
            reason: po.reason,
          });
          metrics.addMetric(PURCHASE_ORDER_FAILED_METRIC, MetricUnit.Count, 1);
          metrics.publishStoredMetrics();
        },
        log: (message, details) => logger.info(message, details),
      },
    );
  }
  return purchaseOrders;
}
