import { handle } from 'hono/aws-lambda';
import { app as catalogApp } from '../services/catalog/handlers/api.ts';
import { app as identityApp } from '../services/identity/handlers/api.ts';
import { app as notificationsApp } from '../services/notifications/handlers/api.ts';
import { app as ordersApp } from '../services/orders/handlers/api.ts';
import { app as replenishmentApp } from '../services/replenishment/handlers/api.ts';
import { app as reportingApp } from '../services/reporting/handlers/api.ts';
import { app as stockApp } from '../services/stock/handlers/api.ts';
import { createDocsApi } from './app.ts';

/**
 * The API documentation function. It imports the service apps only to read their route
 * definitions; it touches no table (its role grants none).
 */
export const app = createDocsApi([
  identityApp,
  catalogApp,
  stockApp,
  ordersApp,
  replenishmentApp,
  notificationsApp,
  reportingApp,
]);
export const handler = handle(app);
