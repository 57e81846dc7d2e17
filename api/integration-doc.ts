import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderIntegrationDoc } from '../services/orders/integration-doc.ts';
import { renderSupplierIntegrationDoc } from '../services/replenishment/integration-doc.ts';

/**
 * docs/integration.md: the guides of the outside parties, each generated from its service's zod
 * schemas (a test regenerates the file and compares): the order platform's, then the suppliers'.
 * Run `npm run docs`.
 */
export function renderIntegrationGuides(): string {
  return [renderIntegrationDoc(), renderSupplierIntegrationDoc()].join('\n');
}

export const INTEGRATION_DOC = join(fileURLToPath(new URL('..', import.meta.url)), 'docs', 'integration.md');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(INTEGRATION_DOC, renderIntegrationGuides());
  console.log(`wrote ${INTEGRATION_DOC}`);
}
