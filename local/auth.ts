import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { ulid } from 'ulid';
import { AUTH_ENV } from '../lib/auth.ts';
import type { Role } from '../lib/permissions.ts';
import { LOCAL_SIGNING_KEY_ENV, LocalUserDirectory, signLocalIdToken } from '../services/identity/store.ts';

/**
 * The local stand-in for Cognito: an RSA signing key (kept in `.data/` so tokens survive a
 * restart), the issuer/audience/JWKS environment the API's verifier reads, and the demo users.
 */
export const LOCAL_ISSUER = 'https://auth.azura.local';
export const LOCAL_AUDIENCE = 'azura-dashboard';

export async function localAuthEnv(keyFile?: string): Promise<Record<string, string>> {
  let privateJwk: Record<string, unknown>;
  if (keyFile && existsSync(keyFile)) {
    privateJwk = JSON.parse(readFileSync(keyFile, 'utf8'));
  } else {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), kid: ulid(), alg: 'RS256', use: 'sig' };
    if (keyFile) {
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
    }
  }
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
  return {
    [AUTH_ENV.issuer]: LOCAL_ISSUER,
    [AUTH_ENV.audience]: LOCAL_AUDIENCE,
    [AUTH_ENV.jwks]: JSON.stringify({ keys: [publicJwk] }),
    [LOCAL_SIGNING_KEY_ENV]: JSON.stringify(privateJwk),
  };
}

export const DEMO_USERS: { email: string; name: string; roles: Role[] }[] = [
  { email: 'admin@azura.local', name: 'Ada Admin', roles: ['admin'] },
  { email: 'manager@azura.local', name: 'Milo Manager', roles: ['manager'] },
  { email: 'warehouse@azura.local', name: 'Wren Warehouse', roles: ['warehouse'] },
  { email: 'viewer@azura.local', name: 'Vera Viewer', roles: ['viewer'] },
];

/** One demo user per role (local mode only); password `DEMO_PASSWORD` or `azura-demo`. */
export async function seedDemoUsers(password = process.env.DEMO_PASSWORD ?? 'azura-demo'): Promise<void> {
  const directory = new LocalUserDirectory();
  for (const user of DEMO_USERS) {
    // Created with its UserChanged; one from an older .data/ is announced once (version 1).
    if (!(await directory.create({ ...user, password }))) await directory.announce(user.email);
  }
}

/** A bearer token for a demo user of this role, signed locally (seeding, tests, examples). */
export async function localTokenFor(role: Role): Promise<string> {
  const user = DEMO_USERS.find((u) => u.roles.includes(role))!;
  return signLocalIdToken({ id: user.email, ...user }, new Date(Date.now() + 3600_000));
}
