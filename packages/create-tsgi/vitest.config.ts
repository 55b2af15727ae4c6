import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The packed-install test installs from the npm registry and starts processes.
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
})
