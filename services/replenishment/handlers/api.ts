import { handle } from 'hono/aws-lambda';
import { composeApi } from '../../../api/app.ts';
import { createPurchaseOrderApi } from '../po-api.ts';
import { createSupplierApi } from '../supplier-api.ts';
import { defaultPurchaseOrders } from '../wiring.ts';

/**
 * The replenishment HTTP API (suppliers, items, reorder rules, purchase orders, supplier
 * callbacks): mounted by the local runtime as `app`, served by API Gateway as `handler`.
 */
export const app = composeApi([createSupplierApi(), createPurchaseOrderApi(defaultPurchaseOrders)]);
export const handler = handle(app);
