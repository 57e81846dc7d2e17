import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { type ApiEnv, createApi, jsonBody, jsonResponse, problemResponses } from '../../lib/http.ts';
import { CognitoUserDirectory } from './cognito.ts';
import {
  loginBodySchema,
  loginResultSchema,
  setRolesBodySchema,
  updateMeBodySchema,
  userPageSchema,
  userSchema,
} from './contract.ts';
import { type UserDirectory, Users } from './domain/users.ts';
import { DynamoUserMirror, LocalUserDirectory } from './store.ts';

const TAG = 'Identity';

const loginRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/login',
  tags: [TAG],
  summary: 'Sign in with email and password',
  description:
    'Returns a bearer token (a Cognito ID token in AWS; a locally signed one with the same claims locally).',
  security: [],
  request: { body: jsonBody(loginBodySchema, 'Email and password') },
  responses: { 200: jsonResponse(loginResultSchema, 'Signed in'), ...problemResponses },
});

const meRoute = createRoute({
  method: 'get',
  path: '/api/v1/auth/me',
  tags: [TAG],
  summary: 'The signed-in user',
  responses: { 200: jsonResponse(userSchema, 'You'), ...problemResponses },
});

const updateMeRoute = createRoute({
  method: 'patch',
  path: '/api/v1/auth/me',
  tags: [TAG],
  summary: 'Change your own name or phone number',
  description:
    'The phone number (E.164, e.g. +33612345678) is where SMS alerts go once you choose SMS in your notification preferences; `null` removes it.',
  request: { body: jsonBody(updateMeBodySchema, 'The fields to change') },
  responses: { 200: jsonResponse(userSchema, 'You, changed'), ...problemResponses },
});

const listUsersRoute = createRoute({
  method: 'get',
  path: '/api/v1/users',
  tags: [TAG],
  summary: 'List users and their roles (admin)',
  responses: { 200: jsonResponse(userPageSchema, 'Users'), ...problemResponses },
});

const setRolesRoute = createRoute({
  method: 'patch',
  path: '/api/v1/users/{id}',
  tags: [TAG],
  summary: 'Change a user’s roles (admin)',
  description: 'Takes effect at the user’s next sign-in. An admin cannot remove their own admin role.',
  request: {
    params: z.object({ id: z.string().min(1).max(254) }),
    body: jsonBody(setRolesBodySchema, 'The roles the user will have'),
  },
  responses: { 200: jsonResponse(userSchema, 'The user with the new roles'), ...problemResponses },
});

/**
 * Cognito when the stack configured a user pool (its users mirrored in the identity table, which
 * publishes their UserChanged), the local user store otherwise (its items publish their own).
 */
function defaultUsers(): () => Users {
  let users: Users | undefined;
  return () => {
    users ??= new Users(
      (process.env.USER_POOL_ID
        ? new CognitoUserDirectory(new DynamoUserMirror())
        : new LocalUserDirectory()) satisfies UserDirectory,
    );
    return users;
  };
}

export function createIdentityApi(users: () => Users = defaultUsers()): OpenAPIHono<ApiEnv> {
  const app = createApi('identity');
  app.openapi(loginRoute, async (c) => {
    const { email, password } = c.req.valid('json');
    return c.json(await users().signIn(email, password), 200);
  });
  app.openapi(meRoute, async (c) => c.json(await users().get(c.get('caller')!.id), 200));
  app.openapi(updateMeRoute, async (c) =>
    c.json(await users().updateMe(c.get('caller')!.id, c.req.valid('json')), 200),
  );
  app.openapi(listUsersRoute, async (c) => c.json({ items: await users().list() }, 200));
  app.openapi(setRolesRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await users().setRoles(c.get('caller')!.id, id, c.req.valid('json').roles), 200);
  });
  return app;
}
