import { defineConfig } from 'vitest/config';

// Tests live next to the code they test (*.test.ts) and in test/ for end-to-end suites.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'lab/**/*.lab.test.ts', 'test/e2e/**'],
    pool: 'forks',
    // Fails the run if anything is left in its temp directory (fixture trees, databases, the demo's).
    globalSetup: ['test/setup/no-leftover-temp-files.ts'],
    testTimeout: 20000,
  },
});
