import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INTEGRATION_DOC, renderIntegrationDoc } from '../services/orders/integration-doc.ts';

describe('the order platform integration guide', () => {
  it('is what the zod schemas generate today (run `npx tsx services/orders/integration-doc.ts` after a change)', () => {
    expect(readFileSync(INTEGRATION_DOC, 'utf8')).toBe(renderIntegrationDoc());
  });
});
