import { defineConfig } from 'vitest/config';

// End-to-end suites (npm run test:e2e, run by .ci/run after the system packages are
// installed): promtool on the golden /metrics, and a real Prometheus scraping
// `pinwatch demo` with the rules and dashboards of dashboards/.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts', 'dashboards/e2e/**/*.e2e.ts'],
    pool: 'forks',
    fileParallelism: false,
    // Fails the run if anything is left in its temp directory (the demo's tree, Prometheus' data).
    globalSetup: ['test/setup/no-leftover-temp-files.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
