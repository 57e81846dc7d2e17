import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ScheduledHandler } from 'aws-lambda';
import { observability } from '../../../lib/observability.ts';
import { checkLedger } from '../domain/drift.ts';
import { LEDGER_DRIFT_METRIC } from '../service.ts';
import { DynamoStockStore } from '../store.ts';

let store: DynamoStockStore | undefined;

/**
 * Scheduled: the drift detector (`domain/drift.ts`) over every level, carrying on from where the
 * previous run's time budget stopped it. Emits `LedgerDrift` (drifted SKUs found; the alarm fires
 * on any), `LedgerSkusChecked` and `LedgerUnsettled`, and logs each drift at error level.
 */
export const handler: ScheduledHandler = async (_event, context) => {
  store ??= new DynamoStockStore();
  const { logger, metrics } = observability('stock');
  // Leave 15 s of the function's time to finish the SKU in hand and store the cursor.
  const deadline = Date.now() + Math.max(5_000, context.getRemainingTimeInMillis() - 15_000);
  const report = await checkLedger(store, { cursor: await store.getDriftCursor(), deadline });
  await store.setDriftCursor(report.complete ? undefined : (report.nextCursor ?? undefined));
  for (const drift of report.drifted) {
    logger.error(
      `LEDGER DRIFT: ${drift.sku} does not match its ledger; see \`npx azura ledger check --sku ${drift.sku}\`, repair with \`npx azura ledger repair --sku ${drift.sku}\``,
      { sku: drift.sku, levels: drift.levels },
    );
  }
  metrics.addMetric(LEDGER_DRIFT_METRIC, MetricUnit.Count, report.drifted.length);
  metrics.addMetric('LedgerSkusChecked', MetricUnit.Count, report.checked);
  metrics.addMetric('LedgerUnsettled', MetricUnit.Count, report.unsettled.length);
  metrics.publishStoredMetrics();
};
