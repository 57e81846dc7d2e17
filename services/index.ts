import { docsService } from '../api/service.ts';
import type { ServiceDecl } from '../lib/topology.ts';
import { catalogService } from './catalog/service.ts';
import { identityService } from './identity/service.ts';
import { notificationsService } from './notifications/service.ts';
import { ordersService } from './orders/service.ts';
import { replenishmentService } from './replenishment/service.ts';
import { reportingService } from './reporting/service.ts';
import { stockService } from './stock/service.ts';

/** Every service of the system: the single source from which CDK and the local runtime are built. */
export const services: readonly ServiceDecl[] = [
  identityService,
  catalogService,
  stockService,
  ordersService,
  replenishmentService,
  notificationsService,
  reportingService,
  docsService,
];
