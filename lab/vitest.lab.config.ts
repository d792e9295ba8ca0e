import { defineConfig } from 'vitest/config';

// The kernel lab's host-side assertions: run by lab/run-lab.sh (npm run test:lab) after
// the guest has written its results to LAB_RESULTS; excluded from the unit `npm test`.
export default defineConfig({
  test: {
    include: ['lab/**/*.lab.test.ts'],
    // The libvirt lab has its own results and config (lab/libvirt/vitest.libvirt-lab.config.ts).
    exclude: ['lab/libvirt/**'],
    pool: 'forks',
    testTimeout: 20000,
  },
});
