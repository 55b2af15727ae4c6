import { defineConfig } from 'vitest/config'

// No 'import' here: vitest passes these to its workers as node `--conditions`, and with
// 'import' node's own require() picks the ESM file of dual packages (is-promise under Express's
// router), which breaks CommonJS dependencies. Vite applies 'import' to ESM imports by itself.
const conditions = ['@tsgi/source', 'node', 'default']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
      reporter: ['text-summary', 'text'],
    },
  },
})
