import { defineConfig } from 'vitest/config';

// Integration tests talk to a real Redis and loopback servers; each file uses its own key
// prefix, so files run in parallel (two workers on the 2-core CI machines).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    // The JSON report lets .ci/run print one plain 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: '.switchyard/test-results.json' }]],
  },
});
