import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { NotFoundError, UnauthorizedError } from '../../lib/errors.ts';
import { type ApiEnv, createApi, jsonBody, jsonResponse, problemResponses } from '../../lib/http.ts';
import type { Role } from '../../lib/permissions.ts';
import {
  alertIdSchema,
  alertListQuerySchema,
  alertListSchema,
  defaultsBodySchema,
  deliveryContentSchema,
  deliveryLogQuerySchema,
  deliveryPageSchema,
  inboxAlertSchema,
  notificationDefaultsSchema,
  preferencesViewSchema,
  readAllResultSchema,
  userPreferencesBodySchema,
} from './contract.ts';
import type { ContentStore, DeliveryStore, Inbox, NotificationPreferences } from './domain/delivery.ts';
import type { Recipient } from './domain/model.ts';

const ALERTS_TAG = 'Alerts';
const PREFS_TAG = 'Notification preferences';
const LOG_TAG = 'Delivery log';

const listAlertsRoute = createRoute({
  method: 'get',
  path: '/api/v1/alerts',
  tags: [ALERTS_TAG],
  summary: "The caller's in-app alerts, newest first, with the unread count",
  description:
    'What the bell shows. `unread=true` lists only unread ones. Pages are cursor-based: pass `nextCursor` back as `cursor`.',
  request: { query: alertListQuerySchema },
  responses: { 200: jsonResponse(alertListSchema, 'One page of alerts'), ...problemResponses },
});

const readRoute = createRoute({
  method: 'post',
  path: '/api/v1/alerts/{id}/read',
  tags: [ALERTS_TAG],
  summary: 'Mark one of your alerts read',
  description: 'Marking it again changes nothing. 404 when the alert is not among yours.',
  request: { params: z.object({ id: alertIdSchema }) },
  responses: { 200: jsonResponse(inboxAlertSchema, 'The alert, read'), ...problemResponses },
});

const readAllRoute = createRoute({
  method: 'post',
  path: '/api/v1/alerts/read-all',
  tags: [ALERTS_TAG],
  summary: 'Mark all your alerts read',
  responses: { 200: jsonResponse(readAllResultSchema, 'What is left unread (0)'), ...problemResponses },
});

const PREFS_DESCRIPTION =
  'Three levels, as Novu has them: the defaults per alert type (admins), then your own per type (`types`), then your own for every type (`global`); a field absent inherits. `effective` shows what each type resolves to, and `notes` why a channel you asked for is not used (SMS needs a phone on your profile; critical alerts keep in-app).';

const myPrefsRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/notification-preferences',
  tags: [PREFS_TAG],
  summary: 'Your notification preferences and what they resolve to',
  description: PREFS_DESCRIPTION,
  responses: { 200: jsonResponse(preferencesViewSchema, 'Your preferences'), ...problemResponses },
});

const putMyPrefsRoute = createRoute({
  method: 'put',
  path: '/api/v1/me/notification-preferences',
  tags: [PREFS_TAG],
  summary: 'Replace your notification preferences',
  description: `${PREFS_DESCRIPTION} The body replaces levels 2 and 3 as a whole.`,
  request: { body: jsonBody(userPreferencesBodySchema, 'Your levels 2 and 3') },
  responses: { 200: jsonResponse(preferencesViewSchema, 'Your preferences, saved'), ...problemResponses },
});

const userParams = z.object({ userId: z.string().min(1).max(256) });
const userPrefsRoute = createRoute({
  method: 'get',
  path: '/api/v1/notification-preferences/users/{userId}',
  tags: [PREFS_TAG],
  summary: "A user's notification preferences (admins)",
  request: { params: userParams },
  responses: { 200: jsonResponse(preferencesViewSchema, "The user's preferences"), ...problemResponses },
});

const putUserPrefsRoute = createRoute({
  method: 'put',
  path: '/api/v1/notification-preferences/users/{userId}',
  tags: [PREFS_TAG],
  summary: "Replace a user's notification preferences (admins)",
  description: 'SMS still needs the user to have a phone number on their profile.',
  request: { params: userParams, body: jsonBody(userPreferencesBodySchema, "The user's levels 2 and 3") },
  responses: {
    200: jsonResponse(preferencesViewSchema, "The user's preferences, saved"),
    ...problemResponses,
  },
});

const defaultsRoute = createRoute({
  method: 'get',
  path: '/api/v1/notification-preferences/defaults',
  tags: [PREFS_TAG],
  summary: 'Level 1: who receives each alert type by default, over which channels',
  responses: {
    200: jsonResponse(notificationDefaultsSchema, 'The defaults of every type'),
    ...problemResponses,
  },
});

const putDefaultsRoute = createRoute({
  method: 'put',
  path: '/api/v1/notification-preferences/defaults',
  tags: [PREFS_TAG],
  summary: 'Change the defaults of some alert types (admins)',
  description:
    'Types left out keep their defaults. SMS in a default reaches nobody until a user opts in to it themselves.',
  request: { body: jsonBody(defaultsBodySchema, 'The types to change') },
  responses: {
    200: jsonResponse(notificationDefaultsSchema, 'The defaults of every type'),
    ...problemResponses,
  },
});

const deliveriesRoute = createRoute({
  method: 'get',
  path: '/api/v1/notifications/deliveries',
  tags: [LOG_TAG],
  summary: 'What was sent to whom, when, over which channel, with its status and every attempt',
  description:
    'Newest first; `channel`, `type`, `sku` and `status` filter. A page may hold fewer than `limit` items and still have a `nextCursor`.',
  request: { query: deliveryLogQuerySchema },
  responses: { 200: jsonResponse(deliveryPageSchema, 'One page of deliveries'), ...problemResponses },
});

const contentRoute = createRoute({
  method: 'get',
  path: '/api/v1/notifications/deliveries/{id}/content',
  tags: [LOG_TAG],
  summary: 'The rendered email (HTML and text) or SMS text of a delivery',
  description: '404 until it has been rendered (in-app deliveries and held ones have none).',
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: { 200: jsonResponse(deliveryContentSchema, 'What was sent'), ...problemResponses },
});

export interface NotificationsApiDeps {
  inbox: () => Inbox;
  preferences: () => NotificationPreferences;
  deliveries: () => DeliveryStore;
  content: () => ContentStore;
}

function callerOf(c: Context<ApiEnv>): Recipient {
  const caller = c.get('caller');
  if (!caller) throw new UnauthorizedError('sign in first');
  // Who the token says; the directory's copy (from UserChanged) wins when it has one.
  return {
    id: caller.id,
    email: caller.email,
    name: caller.email,
    roles: caller.roles as Role[],
    status: 'active',
    version: 0,
  };
}

const now = () => new Date().toISOString();

/** The bell, preferences on their three levels, and the delivery log. */
export function createNotificationsApi(deps: NotificationsApiDeps): OpenAPIHono<ApiEnv> {
  const app = createApi('notifications');
  app.openapi(listAlertsRoute, async (c) => {
    const { unread, cursor, limit } = c.req.valid('query');
    const page = await deps.inbox().list(callerOf(c).id, {
      limit,
      ...(cursor ? { cursor } : {}),
      ...(unread ? { unread } : {}),
    });
    return c.json(page, 200);
  });
  app.openapi(readRoute, async (c) =>
    c.json(await deps.inbox().read(callerOf(c).id, c.req.valid('param').id, now()), 200),
  );
  app.openapi(readAllRoute, async (c) => c.json(await deps.inbox().readAll(callerOf(c).id, now()), 200));

  app.openapi(myPrefsRoute, async (c) => {
    const me = callerOf(c);
    return c.json(await deps.preferences().view(me.id, me), 200);
  });
  app.openapi(putMyPrefsRoute, async (c) => {
    const me = callerOf(c);
    return c.json(await deps.preferences().put(me.id, c.req.valid('json'), now(), me), 200);
  });
  app.openapi(userPrefsRoute, async (c) =>
    c.json(await deps.preferences().view(c.req.valid('param').userId), 200),
  );
  app.openapi(putUserPrefsRoute, async (c) =>
    c.json(await deps.preferences().put(c.req.valid('param').userId, c.req.valid('json'), now()), 200),
  );
  app.openapi(defaultsRoute, async (c) => c.json(await deps.preferences().defaults(), 200));
  app.openapi(putDefaultsRoute, async (c) =>
    c.json(await deps.preferences().putDefaults(c.req.valid('json').types, now()), 200),
  );

  app.openapi(deliveriesRoute, async (c) => {
    const { cursor, ...filters } = c.req.valid('query');
    return c.json(await deps.deliveries().listDeliveries({ ...filters, ...(cursor ? { cursor } : {}) }), 200);
  });
  app.openapi(contentRoute, async (c) => {
    const { id } = c.req.valid('param');
    const content = await deps.content().get(id);
    if (!content) throw new NotFoundError(`delivery ${id} has no rendered content`);
    return c.json(content, 200);
  });
  return app;
}
