import { join } from 'node:path';
import { DataApiSql } from '../lib/data-api.ts';
import { seedDemoDemandHistory } from './demo-history.ts';
import { JavaMissingError } from './emulators.ts';
import { ROOT, type Runtime, startRuntime } from './runtime.ts';
import { DEMO_PRODUCTS, seedDemoData } from './seed.ts';
import { type SupplierSimulator, startSupplierSimulator } from './supplier-simulator.ts';

/**
 * `npm start`: the whole system on this machine, and the supplier simulator standing in for the
 * suppliers' systems. DynamoDB Local's data, S3's objects, the local SES's mail, the local Aurora database (PGlite
 * behind the RDS Data API, in `.data/pglite/`) and the simulator's suppliers are kept under `.data/`; queues live
 * in memory. Ctrl-C (or a crash) stops the JVM with us.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

const port = Number(process.env.PORT ?? 3000);
const sqsPort = Number(process.env.SQS_PORT ?? 9324);
const supplierSimPort = Number(process.env.SUPPLIER_SIM_PORT ?? 3100);
// aws-ses-v2-local's own default port.
const sesPort = Number(process.env.SES_PORT ?? 8005);
const dataDir = join(ROOT, '.data');

let runtime: Runtime | undefined;
let suppliers: SupplierSimulator | undefined;
async function shutdown(code: number): Promise<never> {
  await runtime?.stop().catch(() => undefined);
  await suppliers?.stop().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  // First, so that purchase orders re-driven on start find their suppliers answering.
  suppliers = await startSupplierSimulator({
    port: supplierSimPort,
    dataFile: join(dataDir, 'supplier-simulator.json'),
  });
  runtime = await startRuntime({
    dataDir,
    webDir: join(ROOT, 'web', 'dist'),
    port,
    sqsPort,
    sesPort,
    schedules: true,
  });
  const seeded = await seedDemoData(runtime.url, { suppliers });

  const base = `http://localhost:${port}`;
  const news = [
    seeded.products ? `${seeded.products} demo products` : '',
    seeded.suppliers ? `${seeded.suppliers} demo suppliers` : '',
  ].filter(Boolean);
  console.log(
    `Azura Inventory is running: dashboard ${base}/  API docs ${base}/api/docs  health ${base}/api/health  ` +
      `SQS/SNS/S3 ${runtime.emulators.awsEndpoint}  supplier simulator ${suppliers.url}/deliveries  ` +
      `mail viewer ${runtime.emulators.sesEndpoint}/  RDS Data API ${runtime.emulators.rdsDataEndpoint}` +
      (news.length ? `  (seeded ${news.join(' and ')})` : ''),
  );
  // Demand history for the forecasts, written into the reporting read model in the background
  // (once: each event applies once by its id; a minute or so on first start).
  seedDemoDemandHistory(
    DataApiSql.fromEnv(),
    DEMO_PRODUCTS.map((p) => p.sku),
  ).then(
    (applied) =>
      applied && console.log(`Demo demand history: ${applied} order events in the reporting read model.`),
    (error) => console.error('Demo demand history failed:', (error as Error).message),
  );
} catch (error) {
  if (error instanceof JavaMissingError) {
    console.error(error.message);
  } else {
    console.error('Azura Inventory failed to start:', error);
  }
  await shutdown(1);
}
