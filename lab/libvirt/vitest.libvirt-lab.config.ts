import { defineConfig } from 'vitest/config';

// The libvirt lab's host-side assertions: run by lab/libvirt/run-libvirt-lab.sh
// (npm run test:lab:libvirt) after the guest wrote its results to LAB_RESULTS.
// Excluded from `npm test` and from the kernel lab's config.
export default defineConfig({
  test: {
    include: ['lab/libvirt/*.lab.test.ts'],
    pool: 'forks',
    testTimeout: 20000,
  },
});
