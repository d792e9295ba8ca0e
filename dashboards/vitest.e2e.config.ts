import { defineConfig } from 'vitest/config';

// The monitoring end-to-end suite: a real Prometheus against `pinwatch demo`.
// Not part of `npm test` (its files are *.e2e.ts); run by .ci/run after the build.
export default defineConfig({
  test: {
    include: ['dashboards/e2e/**/*.e2e.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
