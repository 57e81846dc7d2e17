import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ScheduledHandler } from 'aws-lambda';
import { ulid } from 'ulid';
import { observability } from '../../../lib/observability.ts';
import { type EventPublisher, SnsEventPublisher } from '../../../lib/publisher.ts';
import { LedgerDriftDetected } from '../contract.ts';
import { checkLedger } from '../domain/drift.ts';
import { LEDGER_DRIFT_METRIC } from '../service.ts';
import { DynamoStockStore } from '../store.ts';

let store: DynamoStockStore | undefined;
let publisher: EventPublisher | undefined;
/** SKUs a LedgerDriftDetected lists (the rest are counted in `unlisted`). */
const LISTED_SKUS = 500;

/**
 * Scheduled: the drift detector (`domain/drift.ts`) over every level, carrying on from where the
 * previous run's time budget stopped it. Emits `LedgerDrift` (drifted SKUs found; the alarm fires
 * on any), `LedgerSkusChecked` and `LedgerUnsettled`, logs each drift at error level, and
 * publishes one `LedgerDriftDetected` per run that finds drift (its id comes from the scheduled
 * event's id, so EventBridge's retry of the same run publishes the same event id; the
 * notifications service alerts operators from it).
 */
export const handler: ScheduledHandler = async (event, context) => {
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
  if (report.drifted.length) {
    const runId = `drift:${(event as { id?: string } | undefined)?.id ?? ulid()}`;
    const skus = report.drifted.map((d) => d.sku);
    publisher ??= new SnsEventPublisher();
    await publisher.publish([
      LedgerDriftDetected.create(
        {
          runId,
          skus: skus.slice(0, LISTED_SKUS),
          unlisted: Math.max(0, skus.length - LISTED_SKUS),
          checkedAt: new Date().toISOString(),
        },
        { id: runId, correlationId: runId },
      ),
    ]);
  }
  metrics.addMetric(LEDGER_DRIFT_METRIC, MetricUnit.Count, report.drifted.length);
  metrics.addMetric('LedgerSkusChecked', MetricUnit.Count, report.checked);
  metrics.addMetric('LedgerUnsettled', MetricUnit.Count, report.unsettled.length);
  metrics.publishStoredMetrics();
};
