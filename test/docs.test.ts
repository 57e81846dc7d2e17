import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENTS_DOC, renderEventsDoc } from '../api/events-doc.ts';

describe('the events document', () => {
  it('is what the zod schemas generate today (run `npm run docs` after changing a contract)', () => {
    expect(readFileSync(EVENTS_DOC, 'utf8')).toBe(renderEventsDoc());
  });
});
