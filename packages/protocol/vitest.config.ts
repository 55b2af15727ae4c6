import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['@tsgi/source', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@tsgi/source', 'node', 'import', 'default'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['src/**/*.test-d.ts'] },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: [
        'src/**/*.test.ts',
        'src/**/*.test-d.ts',
        'src/example/serve.ts',
        // The server suite needs a server to run against: packages/server/test/conformance.test.ts
        // runs it (the reference server, and 22 faulty ones). See README, "Coverage".
        'src/conformance/{apps,cases}/**',
        'src/conformance/{harness,runner,wire-connection,registry}.ts',
      ],
      reporter: ['text-summary', 'text'],
    },
  },
})
