import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import sesModule from 'aws-ses-v2-local';
import * as sesStoreModule from 'aws-ses-v2-local/dist/store.js';
import { writeFileAtomic } from './files.ts';

/**
 * The local stand-in for Amazon SES v2: `aws-ses-v2-local` (an Express app, in this process) speaks
 * SES v2's REST wire protocol (`POST /v2/email/outbound-emails`, `/v2/email/templates`…), so the real
 * `@aws-sdk/client-sesv2` client runs unchanged against it through `AWS_ENDPOINT_URL_SESV2`. It keeps
 * every accepted email; its mail viewer is at `/` and the viewer's data at `GET /store`
 * (`{ emails, templates }`, `?since=<epoch seconds>`), `POST /clear-store` empties it.
 *
 * Its store is one module-level object: two instances in one process share their emails. With a
 * file, the store is read back on start and written after every request that changed it (to a
 * temporary file, then renamed), so mail survives a restart; without one, it is in memory only.
 */
export interface LocalSes {
  endpoint: string;
  stop(): Promise<void>;
}

type StartSes = (config?: { host?: string; port?: number }) => Promise<Server>;
// A CommonJS module with `exports.default`: Node's ESM loader hands the whole `exports` as default.
const interop = <T>(mod: unknown): T => ((mod as { default?: T }).default ?? mod) as T;
const startSes = interop<StartSes>(sesModule);
const sesStore = interop<typeof sesStoreModule>(sesStoreModule);

interface Persisted {
  emails: ReturnType<typeof sesStore.getStoreReadonly>['emails'];
  templates: [string, Parameters<typeof sesStore.setTemplate>[1]][];
}

function load(file: string): void {
  if (!existsSync(file)) return;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Persisted;
  const store = sesStore.getStoreReadonly();
  store.emails.splice(0, store.emails.length, ...saved.emails);
  for (const [name, template] of saved.templates) sesStore.setTemplate(name, template);
}

function save(file: string): void {
  const store = sesStore.getStoreReadonly();
  const persisted: Persisted = { emails: store.emails, templates: [...store.templates.entries()] };
  writeFileAtomic(file, JSON.stringify(persisted));
}

export async function startLocalSes(options: { port?: number; file?: string } = {}): Promise<LocalSes> {
  const { file } = options;
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    load(file);
  }
  const server = await startSes({ host: '127.0.0.1', port: options.port ?? 0 });
  // Express 5 calls listen's callback with the error too (e.g. EADDRINUSE): the server is then not listening.
  if (!server.listening) {
    server.close();
    throw new Error(`The local SES could not listen on 127.0.0.1:${options.port ?? 0} (is the port in use?)`);
  }
  if (file) {
    server.on('request', (request, response) => {
      if (request.method === 'GET') return;
      response.once('finish', () => save(file));
    });
  }
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
