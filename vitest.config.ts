import { defineConfig } from 'vitest/config';
import { QUIET_ENV } from './test/support/quiet-env.ts';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'cdk.out/**', 'web/**', '.data/**', 'test/e2e/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Each test file runs in its own process, so each may point process.env at its own resources.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: QUIET_ENV,
  },
});
