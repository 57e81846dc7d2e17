/**
 * Every bench, one after the other (each starts and stops its own emulators):
 *
 *   npx tsx bench/run.ts
 *
 * Arguments are each bench's defaults; run a bench alone to pass its own.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let failed = false;
for (const bench of ['reservations.ts', 'flash-sale.ts']) {
  console.log(`\n## npx tsx bench/${bench}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, bench)], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
