import { handle } from 'hono/aws-lambda';
import { createNotificationsApi } from '../api.ts';
import { defaultContentStore } from '../content-store.ts';
import { defaultDeliveryStore, defaultInbox, defaultPreferences } from '../wiring.ts';

/**
 * The notifications HTTP API (the bell, preferences, defaults, the delivery log): mounted by the
 * local runtime as `app`, served by API Gateway as `handler`.
 */
export const app = createNotificationsApi({
  inbox: defaultInbox,
  preferences: defaultPreferences,
  deliveries: defaultDeliveryStore,
  content: defaultContentStore,
});
export const handler = handle(app);
