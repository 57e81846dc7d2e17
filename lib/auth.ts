import { JwtVerifier } from 'aws-jwt-verify';
import type { MiddlewareHandler } from 'hono';
import type { Caller } from './http.ts';
import { isPublicPath, ROLES, type Role, rolesFor } from './permissions.ts';
import { problem } from './problem.ts';

/**
 * Who is calling, and may they? Every request under /api/v1 (but sign-in) carries a bearer JWT.
 * In AWS it is a Cognito ID token; locally the identity service issues tokens with the same
 * claims (`sub`, `email`, `name`, `cognito:groups`), signed with a local key. Both are checked by
 * the same verifier (aws-jwt-verify): issuer, audience, expiry and signature against the JWKS —
 * fetched from Cognito in AWS, handed over in `AUTH_JWKS` locally (its "load the JWKS yourself"
 * mode). Then the route's roles, from the one table in lib/permissions.ts, decide.
 */
export const AUTH_ENV = {
  issuer: 'AUTH_ISSUER',
  audience: 'AUTH_AUDIENCE',
  jwksUri: 'AUTH_JWKS_URI',
  jwks: 'AUTH_JWKS',
} as const;

type Verifier = { verify(token: string): Promise<Record<string, unknown>> };
let verifier: Verifier | undefined;
let verifierConfig = '';

function currentVerifier(): Verifier {
  const issuer = process.env[AUTH_ENV.issuer];
  const audience = process.env[AUTH_ENV.audience];
  if (!issuer || !audience) throw new Error('AUTH_ISSUER and AUTH_AUDIENCE must be set');
  const jwks = process.env[AUTH_ENV.jwks];
  const config = `${issuer}|${audience}|${jwks ?? ''}`;
  if (!verifier || config !== verifierConfig) {
    const created = JwtVerifier.create({
      issuer,
      audience,
      ...(process.env[AUTH_ENV.jwksUri] ? { jwksUri: process.env[AUTH_ENV.jwksUri] } : {}),
    });
    if (jwks) created.cacheJwks(JSON.parse(jwks));
    verifier = created as unknown as Verifier;
    verifierConfig = config;
  }
  return verifier;
}

export function callerFromClaims(claims: Record<string, unknown>): Caller {
  const groups = Array.isArray(claims['cognito:groups']) ? (claims['cognito:groups'] as unknown[]) : [];
  return {
    id: String(claims.sub),
    email: String(claims.email ?? claims.sub),
    roles: groups.filter((g): g is Role => (ROLES as readonly unknown[]).includes(g)),
  };
}

export async function verifyBearer(header: string | undefined): Promise<Caller | undefined> {
  const token = /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
  if (!token) return undefined;
  try {
    return callerFromClaims(await currentVerifier().verify(token));
  } catch {
    return undefined;
  }
}

/**
 * Authentication and authorization for every service's API. Each service app installs it; when
 * the apps are composed into one server it runs once per request (the caller is then set).
 * Paths outside /api/v1 (health, docs, the dashboard's files) and sign-in are public. A route
 * missing from the permission table is answered 404: nothing is reachable by omission.
 */
export function authorize(): MiddlewareHandler {
  return async (c, next) => {
    if (c.get('caller') || isPublicPath(c.req.method, c.req.path)) return next();
    const caller = await verifyBearer(c.req.header('authorization'));
    if (!caller) {
      c.header('WWW-Authenticate', 'Bearer');
      return problem(c, 401, 'Unauthorized', 'Sign in: send `Authorization: Bearer <token>`.');
    }
    const allowed = rolesFor(c.req.method, c.req.path);
    if (!allowed) return problem(c, 404, 'Not found', `No route for ${c.req.method} ${c.req.path}`);
    if (!caller.roles.some((role) => (allowed as readonly string[]).includes(role))) {
      return problem(c, 403, 'Forbidden', `This needs one of the roles: ${allowed.join(', ')}.`, {
        requiredRoles: allowed,
      });
    }
    c.set('caller', caller);
    return next();
  };
}
