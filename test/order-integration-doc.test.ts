import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { INTEGRATION_DOC, renderIntegrationGuides } from '../api/integration-doc.ts';
import { retryWaits, TEST_VECTOR } from '../services/replenishment/integration-doc.ts';

describe('the integration guides (order platform, suppliers)', () => {
  it('are what the zod schemas generate today (run `npm run docs` after a change)', () => {
    expect(readFileSync(INTEGRATION_DOC, 'utf8')).toBe(renderIntegrationGuides());
  });

  it("give suppliers a test vector that standardwebhooks verifies, and so does the guide's plain HMAC recipe", () => {
    // Prepare: standardwebhooks refuses a timestamp 5 minutes off, so verify at the vector's time.
    const { secret, id, timestamp, body, signature } = TEST_VECTOR;
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
    const realNow = Date.now;
    Date.now = () => timestamp * 1000 + 30_000;
    try {
      expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
      expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow(/signature/);
    } finally {
      Date.now = realNow;
    }

    // The recipe, step by step: key = base64 after whsec_, HMAC-SHA256 of id.timestamp.body, base64.
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
    const [version, given] = signature.split(',') as [string, string];
    expect(version).toBe('v1');
    expect(timingSafeEqual(Buffer.from(given), Buffer.from(expected))).toBe(true);
  });

  it('state the retry schedule of the saga: 2 s doubling, capped at 60 s', () => {
    expect(retryWaits()).toEqual([2, 4, 8, 16, 32]);
  });
});
