import { defineConfig } from 'vitest/config'

// No 'import' here: vitest passes these to its workers as node `--conditions`, and with
// 'import' node's own require() picks the ESM file of dual packages (is-promise under Express's
// router, mounted in test/mount-adapters.test.ts). Vite applies 'import' to ESM imports itself.
const conditions = ['@tsgi/source', 'node', 'default']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    typecheck: { enabled: true, include: ['src/**/*.test-d.ts'] },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts', 'src/**/*.test-d.ts'],
      reporter: ['text-summary', 'text'],
    },
  },
})
