import { defineConfig } from 'vitest/config';

// End-to-end suites (npm run test:e2e, run by .ci/run after the system packages are
// installed): promtool on the golden /metrics, and a real Prometheus scraping
// `pinwatch demo` with the rules and dashboards of dashboards/.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts', 'dashboards/e2e/**/*.e2e.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
