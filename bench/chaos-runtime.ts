/**
 * The runtime process of the chaos run (bench/chaos-run.ts starts it, kills it with SIGKILL and
 * starts it again): the whole local runtime — DynamoDB Local JVM, in-process fauxqs, the order
 * saga, the stock and orders services — on the data directory `CHAOS_DATA_DIR`, with the faults
 * of `AZURA_FAULTS`. It talks to its parent in lines on stdout:
 *   `@ready {json}`            endpoints, queue URLs and the provisioned environment
 *   `@fault <kind> <where>`    one injected fault
 *   `@error <where> <message>` an error the runtime reported (injected faults included)
 * stdout is a pipe, and pipe writes are synchronous on Linux: a line written is not lost to a kill.
 */
import { FAULTS_ENV, faultSpecFromEnv, onFault } from '../lib/faults.ts';
import { startRuntime } from '../local/runtime.ts';
import { ordersService } from '../services/orders/service.ts';
import { stockService } from '../services/stock/service.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'CRITICAL';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const dataDir = process.env.CHAOS_DATA_DIR;
if (!dataDir) throw new Error('CHAOS_DATA_DIR is required');
const line = (text: string) => process.stdout.write(`${text.replace(/\n/g, ' ')}\n`);

faultSpecFromEnv(); // a malformed AZURA_FAULTS fails here, loudly, before anything starts
onFault((kind, where) => line(`@fault ${kind} ${where}`));

const runtime = await startRuntime({
  services: [stockService, ordersService],
  dataDir,
  prefix: 'chaos',
  port: 0,
  fastRetry: true,
  schedules: false,
  queueConcurrency: Number(process.env.CHAOS_POLLERS ?? 3),
  onError: (error, where) => {
    const records = (error as { recordErrors?: unknown[] })?.recordErrors;
    const first = records?.[0] ?? error;
    const message = first instanceof Error ? `${first.name}: ${first.message}` : String(first);
    line(`@error ${where.replace(/\s/g, '_')} ${message.slice(0, 200)}`);
  },
});
const queues = Object.fromEntries(runtime.provisioned.queues.map((q) => [q.name, q.url]));
const dlqs = Object.fromEntries(runtime.provisioned.queues.map((q) => [q.name, q.dlqUrl]));
line(
  `@ready ${JSON.stringify({
    pid: process.pid,
    url: runtime.url,
    dynamoEndpoint: runtime.emulators.dynamoEndpoint,
    awsEndpoint: runtime.emulators.awsEndpoint,
    sfnEndpoint: process.env.AWS_ENDPOINT_URL_SFN,
    queues,
    dlqs,
    // Tables, topic, buckets, and the state machines' ARNs (set by the local Step Functions).
    env: {
      ...runtime.provisioned.env,
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.endsWith('_STATE_MACHINE_ARN'))),
    },
    faults: process.env[FAULTS_ENV] ?? null,
  })}`,
);

const stop = async () => {
  await runtime.stop().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// The parent gone (its end of the pipe closed): stop too, never linger.
process.stdin.on('end', () => void stop());
process.stdin.resume();
