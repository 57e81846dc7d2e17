/**
 * From a stock change that crosses a SKU's reorder point to the low-stock email in the local SES's
 * store, through the whole local pipeline: the adjustment's transaction, the stock table's stream,
 * the outbox publisher, SNS, the notifications queue, the alert's transaction (episode + alert),
 * the delivery records written before sending, the send queue, the rendered react-email template,
 * SES v2 `SendEmail` to aws-ses-v2-local. `runs` times, one new SKU each, one after the other
 * (latency, not throughput).
 *
 *   npx tsx bench/notifications.ts [runs=20]
 *
 * Raw baselines, measured in the same run: when the very same StockLevelChanged reached a queue of
 * the bench's own subscribed to the topic as the notifications queue is (the event-delivery floor
 * every consumer pays), and one `SendEmail` from the bench straight to the local SES.
 * Figures are this machine's emulators, not AWS's.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { sesv2 } from '../lib/aws.ts';
import { tableEnvVar } from '../lib/topology.ts';
import { DEMO_USERS, localTokenFor } from '../local/auth.ts';
import { startRuntime } from '../local/runtime.ts';
import { identityService } from '../services/identity/service.ts';
import { notificationsService } from '../services/notifications/service.ts';
import { StockLedger } from '../services/stock/domain/stock.ts';
import { stockService } from '../services/stock/service.ts';
import { DynamoStockStore, STOCK_TABLE } from '../services/stock/store.ts';
import { seedProduct } from '../services/stock/testing.ts';
import { levelEventFloor, median, pct, until } from './latency.ts';

const [runs = 20] = process.argv.slice(2).map(Number);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

interface StoredEmail {
  messageId: string;
  subject: string;
  destination: { to: string[] };
}

const runtime = await startRuntime({
  services: [identityService, stockService, notificationsService],
  prefix: `bench${ulid().slice(-6).toLowerCase()}`,
  port: 0,
  fastRetry: true,
  onError: (error, where) => console.error(`[${where}]`, (error as Error).message),
});

try {
  const sesEndpoint = process.env.AWS_ENDPOINT_URL_SESV2!;
  const admin = await localTokenFor('admin');
  const manager = DEMO_USERS.find((u) => u.roles.includes('manager'))!;
  const emailsSince = async (since: number): Promise<StoredEmail[]> => {
    const response = await fetch(`${sesEndpoint}/store?since=${Math.floor(since / 1000) - 1}`);
    return ((await response.json()) as { emails: StoredEmail[] }).emails;
  };
  // The manager is known to notifications (identity's UserChanged has been consumed).
  await until(async () => {
    const response = await fetch(
      `${runtime.url}/api/v1/notification-preferences/users/${encodeURIComponent(manager.email)}`,
      { headers: { authorization: `Bearer ${admin}` } },
    );
    return response.ok;
  }, 'notifications knows the demo manager');

  const ledger = new StockLedger(
    new DynamoStockStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      process.env[tableEnvVar(STOCK_TABLE)]!,
    ),
  );

  // The baseline consumer: a queue of our own on the topic, raw delivery, StockLevelChanged only.
  const floor = await levelEventFloor(runtime.provisioned.prefix, runtime.provisioned.topicArn);

  const toEmail: number[] = [];
  const toEvent: number[] = [];
  for (let run = 0; run < runs; run++) {
    const sku = `BENCH-${ulid()}`;
    await seedProduct(ledger, sku, { onHand: 50, reorderPoint: 10 });
    const crossedAt = Date.now();
    const { movement } = await ledger.adjust({ sku, delta: -45, reason: 'damaged' }, { actor: 'bench' });
    await until(async () => {
      const emails = await emailsSince(crossedAt);
      return emails.find(
        (e) => e.subject.includes(sku) && e.destination.to.some((t) => t.includes(manager.email)),
      );
    }, `the low-stock email for ${sku}`);
    // The store's own `at` is in whole seconds: the bench's polling (every few ms) times it instead.
    toEmail.push(Date.now() - crossedAt);
    const seen = await until(() => floor.seenAt(sku, movement.id), 'the level event at the bench queue');
    toEvent.push(seen - crossedAt);
    console.log(`run ${run + 1}: ${toEmail.at(-1)} ms to the email, ${toEvent.at(-1)} ms to the bench queue`);
  }

  // Raw: SendEmail from here straight to the local SES.
  const raw: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await sesv2().send(
      new SendEmailCommand({
        FromEmailAddress: 'bench@azura.local',
        Destination: { ToAddresses: ['bench@example.com'] },
        Content: {
          Simple: { Subject: { Data: `bench ${i}` }, Body: { Text: { Data: 'raw SendEmail' } } },
        },
      }),
    );
    raw.push(performance.now() - started);
  }
  await floor.stop();

  const ms = (x: number) => `${x.toFixed(0)} ms`;
  console.log(`runs: ${runs}`);
  console.log(
    `stock change → low-stock email in the local SES: median ${ms(median(toEmail))}, p90 ${ms(pct(toEmail, 0.9))}, max ${ms(Math.max(...toEmail))}`,
  );
  console.log(
    `baseline, stock change → the same StockLevelChanged at a bench queue: median ${ms(median(toEvent))}; ratio ${(median(toEmail) / median(toEvent)).toFixed(2)}`,
  );
  console.log(`baseline, one SendEmail straight to the local SES: median ${median(raw).toFixed(1)} ms`);
} catch (error) {
  console.error('bench failed:', error);
  process.exitCode = 1;
} finally {
  await runtime.stop();
}
