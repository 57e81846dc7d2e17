import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ListEmailTemplatesCommand } from '@aws-sdk/client-sesv2';
import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { createAdaptorServer, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { composeApi } from '../api/app.ts';
import { dynamo, s3, secretsManager, sesv2, sfn, sns, sqs } from '../lib/aws.ts';
import { withHandlerFaults } from '../lib/faults.ts';
import type { ApiEnv } from '../lib/http.ts';
import {
  DASHBOARD_URL_ENV,
  type FunctionDecl,
  PUBLIC_API_URL_ENV,
  type ServiceDecl,
} from '../lib/topology.ts';
import { identityService } from '../services/identity/service.ts';
import { services as allServices } from '../services/index.ts';
import { localAuthEnv, seedDemoUsers } from './auth.ts';
import { type Emulators, endpointEnv, startEmulators } from './emulators.ts';
import { type LambdaHandler, lambdaContext } from './lambda.ts';
import { type Provisioned, provision } from './provision.ts';
import { rdsDataHealth } from './rds-data.ts';
import { runtimeInfoOf, writeRuntimeInfo } from './runtime-info.ts';
import { pollQueue } from './sqs-poller.ts';
import { startStepFunctions } from './stepfunctions/index.ts';
import { pollStream, StreamCheckpoints } from './stream-poller.ts';

/**
 * The embedded runtime behind `npm start` and the integration tests: emulators, resources
 * provisioned from the service declarations, and the very handler modules Lambda runs, driven
 * by local equivalents of the event source mappings, schedules and API Gateway.
 */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface RuntimeOptions {
  services?: readonly ServiceDecl[];
  /** Use running emulators (tests share one set); otherwise start our own. */
  emulators?: Pick<Emulators, 'dynamoEndpoint' | 'awsEndpoint'> &
    Partial<Pick<Emulators, 'secretsEndpoint' | 'sesEndpoint' | 'rdsDataEndpoint'>>;
  /** Persist DynamoDB Local, S3 objects, PGlite (`pglite/`) and stream checkpoints here (npm start: `.data/`). */
  dataDir?: string;
  prefix?: string;
  /** HTTP port; 0 picks a free one. */
  port?: number;
  sqsPort?: number;
  /** Port of the local SES v2 and its mail viewer (own emulators only); 0 or absent picks a free one. */
  sesPort?: number;
  /** Failed queue messages become visible again at once instead of after the visibility timeout. */
  fastRetry?: boolean;
  /** Run scheduled functions on their timers (off in tests: they call `invoke`). */
  schedules?: boolean;
  /** Parallel pollers per queue (Lambda would scale out; 2 keeps a laptop responsive). */
  queueConcurrency?: number;
  /** Port of the local Step Functions endpoint; 0 (default) picks a free one. A restarted runtime in the
   * same process must reuse its predecessor's, since the SDK client keeps the endpoint it first read. */
  stepFunctionsPort?: number;
  /** Serve the built dashboard (`web/dist`) at `/`, as S3 + CloudFront do in AWS. */
  webDir?: string;
  /** Extra routes mounted after the services' APIs. */
  extendApi?: (app: OpenAPIHono<ApiEnv>, runtime: Runtime) => void;
  onError?: (error: unknown, where: string) => void;
}

export interface Runtime {
  url: string;
  provisioned: Provisioned;
  emulators: Pick<Emulators, 'dynamoEndpoint' | 'awsEndpoint'> &
    Partial<Pick<Emulators, 'secretsEndpoint' | 'sesEndpoint' | 'rdsDataEndpoint'>>;
  services: readonly ServiceDecl[];
  /** Calls a declared function's handler directly, as Lambda's Invoke would. */
  invoke(service: string, functionId: string, event: unknown): Promise<unknown>;
  /** Health of every local component: `{ ok, components }`. */
  health(): Promise<{ ok: boolean; components: Record<string, string> }>;
  stop(): Promise<void>;
}

type HandlerModule = { handler?: LambdaHandler; app?: OpenAPIHono<ApiEnv> };

async function loadModule(fn: FunctionDecl): Promise<HandlerModule> {
  return (await import(pathToFileURL(join(ROOT, fn.entry)).href)) as HandlerModule;
}

const defaultOnError = (error: unknown, where: string): void => {
  // Powertools' FullBatchFailureError lists each record's error: show those, they say what failed.
  const records = (error as { recordErrors?: unknown[] })?.recordErrors;
  const detail = records?.length
    ? records.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')
    : '';
  console.error(`[${where}]`, error instanceof Error ? error.message : error, detail);
};

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const services = options.services ?? allServices;
  const onError = options.onError ?? defaultOnError;
  const ownEmulators = options.emulators
    ? undefined
    : await startEmulators({
        dataDir: options.dataDir && join(options.dataDir, 'dynamodb'),
        s3Dir: options.dataDir && join(options.dataDir, 's3'),
        secretsFile: options.dataDir && join(options.dataDir, 'secrets.json'),
        sesFile: options.dataDir && join(options.dataDir, 'ses.json'),
        smsFile: options.dataDir && join(options.dataDir, 'sms.json'),
        rdsDataDir: options.dataDir && join(options.dataDir, 'pglite'),
        sqsPort: options.sqsPort,
        sesPort: options.sesPort,
      });
  const emulators = options.emulators ?? ownEmulators!;
  const stops: (() => Promise<void>)[] = [];
  try {
    Object.assign(process.env, endpointEnv(emulators));
    // The local stand-in for Cognito: token issuer, audience, JWKS, signing key.
    Object.assign(process.env, await localAuthEnv(options.dataDir && join(options.dataDir, 'auth-key.json')));
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
    const provisioned = await provision(options.prefix ?? 'azura', services);
    Object.assign(process.env, provisioned.env);
    if (services.some((s) => s.name === identityService.name)) await seedDemoUsers();
    // --- Step Functions (local/stepfunctions): declared workflows on a local SFN endpoint ---
    const stepFunctions = await startStepFunctions({
      services,
      prefix: provisioned.prefix,
      handlerOf: (service, id) => handlerOf(service, id),
      retryDelayMs: options.fastRetry ? 10 : undefined,
      port: options.stepFunctionsPort,
      onError,
    });
    stops.push(stepFunctions.stop);
    Object.assign(process.env, stepFunctions.env); // AWS_ENDPOINT_URL_SFN, <WORKFLOW>_STATE_MACHINE_ARN
    // --- end Step Functions ---

    const modules = new Map<string, HandlerModule>();
    for (const service of services) {
      for (const fn of service.functions) {
        const name = `${service.name}/${fn.id}`;
        const module = await loadModule(fn);
        // The chaos bench's handler faults (AZURA_FAULTS, test/bench only); the handler itself when unset.
        modules.set(
          name,
          module.handler ? { ...module, handler: withHandlerFaults(name, module.handler) } : module,
        );
      }
    }
    const handlerOf = (service: string, id: string): LambdaHandler => {
      const handler = modules.get(`${service}/${id}`)?.handler;
      if (!handler) throw new Error(`no handler exported by ${service}/${id}`);
      return handler;
    };

    for (const queue of provisioned.queues) {
      if (!queue.handler) continue; // read by an outside party (e.g. platform-events)
      stops.push(
        pollQueue(queue, handlerOf(queue.service, queue.handler), {
          fastRetry: options.fastRetry ?? false,
          concurrency: options.queueConcurrency ?? 2,
          onError,
        }),
      );
    }
    const checkpoints = new StreamCheckpoints(
      options.dataDir ? join(options.dataDir, `stream-checkpoints-${provisioned.prefix}.json`) : undefined,
    );
    for (const table of provisioned.tables) {
      if (!table.stream) continue;
      stops.push(pollStream(table, handlerOf(table.service, table.stream.handler), { checkpoints, onError }));
    }
    if (options.schedules) {
      for (const service of services) {
        for (const fn of service.functions) {
          if (!fn.scheduleMinutes) continue;
          const timer = setInterval(() => {
            void Promise.resolve(
              handlerOf(service.name, fn.id)({}, lambdaContext(`${service.name}-${fn.id}`)),
            ).catch((error) => onError(error, `${service.name}/${fn.id}`));
          }, fn.scheduleMinutes * 60_000);
          stops.push(async () => clearInterval(timer));
        }
      }
    }

    const apps = services.flatMap((s) =>
      s.functions.filter((f) => f.http).map((f) => modules.get(`${s.name}/${f.id}`)?.app),
    );
    if (apps.some((a) => !a)) throw new Error('an http function module does not export `app`');
    const app = composeApi(apps as OpenAPIHono<ApiEnv>[]);

    const health = async (): Promise<{ ok: boolean; components: Record<string, string> }> => {
      const components: Record<string, string> = {};
      const check = async (name: string, probe: () => Promise<unknown>) => {
        try {
          await probe();
          components[name] = 'ok';
        } catch (error) {
          components[name] = `down: ${(error as Error).message}`;
        }
      };
      await Promise.all([
        check('dynamodb', () => dynamo().send(new ListTablesCommand({ Limit: 1 }))),
        check('sqs', () => sqs().send(new ListQueuesCommand({ MaxResults: 1 }))),
        check('sns', () => sns().send(new ListTopicsCommand({}))),
        check('s3', () => s3().send(new ListBucketsCommand({}))),
        ...(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER
          ? [check('secretsmanager', () => secretsManager().send(new ListSecretsCommand({ MaxResults: 1 })))]
          : []),
        ...(process.env.AWS_ENDPOINT_URL_SESV2
          ? [check('ses', () => sesv2().send(new ListEmailTemplatesCommand({ PageSize: 1 })))]
          : []),
        ...(process.env.AWS_ENDPOINT_URL_RDS_DATA
          ? [check('rdsdata', () => rdsDataHealth(process.env.AWS_ENDPOINT_URL_RDS_DATA!))]
          : []),
        ...(process.env.AWS_ENDPOINT_URL_SFN
          ? [check('stepfunctions', () => sfn().send(new ListStateMachinesCommand({ maxResults: 1 })))]
          : []),
      ]);
      return { ok: Object.values(components).every((v) => v === 'ok'), components };
    };

    let closeServer: (() => Promise<void>) | undefined;
    const runtime: Runtime = {
      url: '',
      provisioned,
      emulators,
      services,
      invoke: async (service, id, event) =>
        handlerOf(service, id)(event, lambdaContext(`${service}-${id}`)) as Promise<unknown>,
      health,
      stop: async () => {
        await closeServer?.();
        for (const stop of stops.reverse()) await stop();
        await ownEmulators?.stop();
      },
    };
    app.get('/api/health', async (c) => {
      const result = await health();
      return c.json(
        { status: result.ok ? 'ok' : 'degraded', components: result.components },
        result.ok ? 200 : 503,
      );
    });
    options.extendApi?.(app, runtime);
    if (options.webDir) serveDashboard(app, options.webDir);

    // Loopback only, on IPv4 and (where the machine has it) IPv6: browsers resolve `localhost`
    // to ::1 first, and nothing here should be reachable from another machine.
    const listen = async (hostname: string, port: number): Promise<ServerType> => {
      const server = createAdaptorServer({ fetch: app.fetch });
      await new Promise<void>((ok, fail) => {
        server.once('error', fail);
        server.listen(port, hostname, ok);
      });
      return server;
    };
    const servers = [await listen('127.0.0.1', options.port ?? 3000)];
    const port = (servers[0]!.address() as AddressInfo).port;
    await listen('::1', port).then(
      (server) => servers.push(server),
      () => undefined, // no IPv6 loopback on this machine
    );
    closeServer = async () => {
      await Promise.all(
        servers.map((server) => {
          const closed = new Promise((r) => server.close(r));
          if ('closeAllConnections' in server) server.closeAllConnections();
          return closed;
        }),
      );
    };
    runtime.url = `http://127.0.0.1:${port}`;
    // Callback URLs handed to suppliers (the replenishment webhooks) point at this server.
    process.env[PUBLIC_API_URL_ENV] = runtime.url;
    // Links in alerts and emails point at the dashboard this server serves.
    process.env[DASHBOARD_URL_ENV] = runtime.url;
    // Tells the operator's CLI (`npx azura`) where this runtime's endpoints and resources are.
    if (options.dataDir) {
      const removeInfo = writeRuntimeInfo(
        options.dataDir,
        runtimeInfoOf({ url: runtime.url, endpoints: endpointEnv(emulators), provisioned }),
      );
      stops.unshift(async () => removeInfo());
    }

    // --- Re-drive (issue 3): the local engine keeps executions in memory, so after a restart the
    // orders and purchase orders not in a final state have no saga running; start them again
    // (idempotent steps).
    // Locally only: in AWS executions survive restarts and deployments.
    if (services.some((s) => s.name === 'orders')) {
      const { redriveOpenOrders } = await import('../services/orders/redrive.ts');
      await redriveOpenOrders().catch((error) => onError(error, 'orders re-drive'));
    }
    if (services.some((s) => s.name === 'replenishment')) {
      const { redriveOpenPurchaseOrders } = await import('../services/replenishment/redrive.ts');
      await redriveOpenPurchaseOrders().catch((error) => onError(error, 'replenishment re-drive'));
    }
    // --- end re-drive ---
    return runtime;
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await ownEmulators?.stop();
    throw error;
  }
}

/**
 * The dashboard's files, and `index.html` for any other non-API path (the app routes on the
 * client: /inventory, /orders/…), as CloudFront's error-response rewrite does in AWS.
 */
function serveDashboard(app: OpenAPIHono<ApiEnv>, webDir: string): void {
  if (!existsSync(join(webDir, 'index.html'))) {
    throw new Error(`the dashboard is not built: ${webDir}/index.html is missing (run npm run build:web)`);
  }
  const root = relative(process.cwd(), webDir) || '.';
  app.use('*', async (c, next) => (c.req.path.startsWith('/api/') ? next() : serveStatic({ root })(c, next)));
  app.get('*', async (c, next) => {
    if (c.req.path.startsWith('/api/')) return next();
    return c.html(await readFile(join(webDir, 'index.html'), 'utf8'));
  });
}
