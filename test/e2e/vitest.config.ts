import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { QUIET_ENV } from '../support/quiet-env.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The end-to-end suite: the built dashboard (web/dist) served by the local runtime on the shared
 * emulators, driven by Debian's Chromium through playwright-core. `npm run test:e2e` builds the
 * dashboard first.
 */
export default defineConfig({
  root,
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    env: QUIET_ENV,
  },
});
