import { join } from 'node:path';
import { JavaMissingError } from './emulators.ts';
import { ROOT, type Runtime, startRuntime } from './runtime.ts';
import { seedDemoData } from './seed.ts';

/**
 * `npm start`: the whole system on this machine. DynamoDB Local's data and S3's objects are kept
 * under `.data/`; queues live in memory. Ctrl-C (or a crash) stops the JVM with us.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

const port = Number(process.env.PORT ?? 3000);
const sqsPort = Number(process.env.SQS_PORT ?? 9324);

let runtime: Runtime | undefined;
async function shutdown(code: number): Promise<never> {
  await runtime?.stop().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  runtime = await startRuntime({
    dataDir: join(ROOT, '.data'),
    webDir: join(ROOT, 'web', 'dist'),
    port,
    sqsPort,
    schedules: true,
  });
  const seeded = await seedDemoData(runtime.url);
  const base = `http://localhost:${port}`;
  console.log(
    `Azura Inventory is running: dashboard ${base}/  API docs ${base}/api/docs  health ${base}/api/health  ` +
      `SQS/SNS/S3 ${runtime.emulators.awsEndpoint}${seeded ? `  (seeded ${seeded} demo products)` : ''}`,
  );
} catch (error) {
  if (error instanceof JavaMissingError) {
    console.error(error.message);
  } else {
    console.error('Azura Inventory failed to start:', error);
  }
  await shutdown(1);
}
