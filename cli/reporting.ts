import { documentClient } from '../lib/aws.ts';
import { DataApiSql } from '../lib/data-api.ts';
import { type RebuildResult, rebuildReadModel } from '../services/reporting/rebuild.ts';
import { databaseOf, type Target, tableOf } from './target.ts';

/**
 * `azura reporting rebuild`: the read model rebuilt from the services' own data
 * (`services/reporting/rebuild.ts`, the same code a test or a one-off task may call) over the
 * target's catalog, stock and orders tables and its reporting database.
 */
export async function reportingRebuild(
  target: Target,
  options: { dryRun: boolean; batchSize?: number; log?: (line: string) => void },
): Promise<RebuildResult & { target: string }> {
  const db = databaseOf(target, 'reporting');
  const sql = new DataApiSql({ clusterArn: db.clusterArn, secretArn: db.secretArn, database: db.database });
  const orders = target.tables.get('orders');
  const result = await rebuildReadModel(
    sql,
    {
      client: documentClient(),
      tables: {
        catalog: tableOf(target, 'catalog'),
        stock: tableOf(target, 'stock'),
        ...(orders ? { orders } : {}),
      },
    },
    {
      dryRun: options.dryRun,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      ...(options.log ? { log: options.log } : {}),
    },
  );
  return { target: target.description, ...result };
}
