import { defineConfig } from 'vitest/config'

const conditions = ['@tsgi/source', 'node', 'import', 'default']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    // Two files at a time even on a 2-core machine (vitest's default there is one): the long
    // files (the conformance runs and their fault matrices) mostly wait on sockets and child
    // servers, and the tests are written to pass beside other CPU-bound work.
    maxWorkers: 2,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
      reporter: ['text-summary', 'text'],
    },
  },
})
