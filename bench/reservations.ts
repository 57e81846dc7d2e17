/**
 * Concurrent reservations of one hot SKU through the real stock ledger (domain + DynamoDB
 * store) on DynamoDB Local, next to the raw DynamoDB Local rates measured in the same run.
 *
 *   npx tsx bench/reservations.ts [reservations=2000] [stock=1000] [concurrency=32]
 *
 * Two shapes: one ledger instance (one Lambda container: its keyed queue serialises callers of
 * one level, so conditions rarely fail) and four instances (four containers racing on the
 * `version` condition, losers re-reading and retrying). Both must sell exactly `stock` units.
 */
import { ulid } from 'ulid';
import { endpointEnv, startEmulators } from '../local/emulators.ts';
import { provision } from '../local/provision.ts';
import { StockLedger } from '../services/stock/domain/stock.ts';
import { stockService } from '../services/stock/service.ts';
import { DynamoStockStore } from '../services/stock/store.ts';
import { seedProduct } from '../services/stock/testing.ts';
import { rawDynamoRates, timed } from './baseline.ts';

const [total = 2000, stock = 1000, concurrency = 32] = process.argv.slice(2).map(Number);

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const emulators = await startEmulators();
try {
  Object.assign(process.env, endpointEnv(emulators));
  const provisioned = await provision(`bench${ulid().slice(-6).toLowerCase()}`, [stockService]);
  Object.assign(process.env, provisioned.env);

  const raw = await rawDynamoRates(total, concurrency);

  const scenario = async (instances: number) => {
    const ledgers = Array.from({ length: instances }, () => new StockLedger(new DynamoStockStore()));
    const sku = `BENCH-${ulid()}`;
    await seedProduct(ledgers[0]!, sku, { onHand: stock });
    let reserved = 0;
    let rejected = 0;
    const rate = await timed(total, concurrency, async (i) => {
      try {
        await ledgers[i % instances]!.reserve(`r-${sku}-${i}`, [{ sku, quantity: 1 }]);
        reserved++;
      } catch (error) {
        if ((error as Error).name !== 'InsufficientStockError') throw error;
        rejected++;
      }
    });
    const check = await ledgers[0]!.replayLedger(sku);
    const level = (await ledgers[0]!.getStock(sku)).totals;
    return { instances, rate, reserved, rejected, available: level.available, consistent: check.consistent };
  };
  const results = [await scenario(1), await scenario(4)];

  const f = (n: number) => n.toFixed(0);
  console.log(
    `\n${total} reservations of 1 unit, ${stock} in stock, ${concurrency} in flight, DynamoDB Local\n`,
  );
  console.log('| what | ops/s | seconds | ratio to raw TransactWriteItems |');
  console.log('|---|---|---|---|');
  console.log(
    `| raw conditional UpdateItem, one item | ${f(raw.conditionalUpdate.perSecond)} | ${raw.conditionalUpdate.seconds.toFixed(1)} | ${(raw.conditionalUpdate.perSecond / raw.transactWrite.perSecond).toFixed(2)} |`,
  );
  console.log(
    `| raw single-item TransactWriteItems | ${f(raw.transactWrite.perSecond)} | ${raw.transactWrite.seconds.toFixed(1)} | 1.00 |`,
  );
  for (const r of results) {
    console.log(
      `| reserve (decided), ${r.instances} ledger instance(s) | ${f(r.rate.perSecond)} | ${r.rate.seconds.toFixed(1)} | ${(r.rate.perSecond / raw.transactWrite.perSecond).toFixed(2)} |`,
    );
  }
  console.log('\n| instances | reserved | rejected | available after | ledger replays to level |');
  console.log('|---|---|---|---|---|');
  for (const r of results)
    console.log(`| ${r.instances} | ${r.reserved} | ${r.rejected} | ${r.available} | ${r.consistent} |`);
  const oversold = results.some((r) => r.reserved !== stock || r.available !== 0 || !r.consistent);
  if (oversold) {
    console.error('\nINVARIANT BROKEN: reserved must equal stock, available 0, ledger consistent');
    process.exitCode = 1;
  }
} finally {
  await emulators.stop();
}
