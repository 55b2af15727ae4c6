import { defineConfig } from 'vitest/config'

// No 'import' here: vitest passes these to its workers as node `--conditions`, and with 'import'
// node's own require() inside Express loads the ESM build of dual packages (is-promise).
const conditions = ['@tsgi/source', 'node', 'default']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000 },
})
