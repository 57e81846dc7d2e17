import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DataApiSql } from '../../lib/data-api.ts';
import { applyMigrations, migrationFiles } from '../../lib/migrations.ts';

/**
 * The migration custom resource's handler (infra/constructs/database.ts, through
 * `custom_resources.Provider`): on Create and on every Update (the resource's properties carry a hash
 * of the migration files, so an Update means they changed) it applies the pending migrations with
 * `applyMigrations` through the Data API, as local provisioning does. Delete changes nothing: the
 * database is retained with its cluster.
 *
 * The migration files are copied beside the bundle (`migrations/`) at bundling time.
 */
export const MIGRATIONS_BUNDLE_DIR = 'migrations';

const here = dirname(fileURLToPath(import.meta.url));
const logger = new Logger();

export async function handler(
  event: CloudFormationCustomResourceEvent,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  const physicalId = `${String(event.ResourceProperties.Database)}-migrations`;
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const dir = join(here, MIGRATIONS_BUNDLE_DIR);
  if (!existsSync(dir)) throw new Error(`No migrations folder beside the bundle (${dir})`);
  const { applied } = await applyMigrations(DataApiSql.fromEnv(), migrationFiles(dir));
  logger.info('migrations applied', { database: String(event.ResourceProperties.Database), applied });
  return { PhysicalResourceId: physicalId, Data: { Applied: applied.join(',') || '(none)' } };
}
