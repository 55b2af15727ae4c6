/**
 * Every entry point of every published package loads with `require()` from CommonJS (Express
 * and Koa apps are CommonJS; Node.js 22.12+ can require an ES module graph that has no
 * top-level await), and gives the names `import` gives. Run against the built dist: turbo's
 * test task builds the dependencies first.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const here = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const PACKAGES = [
  '@tsgi/protocol',
  '@tsgi/server',
  '@tsgi/framework',
  '@tsgi/tasks',
  '@tsgi/adapters',
]

/** Runs `script` with `node -e` (CommonJS) from the docs package, which depends on them all. */
function node(script: string) {
  return spawnSync(process.execPath, ['-e', script], { cwd: here, encoding: 'utf8' })
}

/** The export names, less what the interop adds (`default` of a namespace, `__esModule`). */
const keysOf = (expression: string) =>
  `process.stdout.write(JSON.stringify(Object.keys(${expression}).filter((k) => !['default', '__esModule', 'module.exports'].includes(k)).sort()))`

for (const name of PACKAGES) {
  const manifest = require.resolve(`${name}/package.json`)
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, unknown> }
  const specifiers = Object.keys(pkg.exports)
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => (subpath === '.' ? name : `${name}${subpath.slice(1)}`))

  describe(`require('${name}…') from CommonJS`, () => {
    test('the package is built', () => {
      expect(existsSync(`${dirname(manifest)}/dist`), `build ${name} first`).toBe(true)
    })

    test.each(specifiers)('%s', (specifier) => {
      const required = node(`const m = require(${JSON.stringify(specifier)}); ${keysOf('m')}`)
      expect(required.stderr).not.toMatch(/Error/)
      expect(required.status).toBe(0)
      const imported = node(`import(${JSON.stringify(specifier)}).then((m) => { ${keysOf('m')} })`)
      expect(imported.status).toBe(0)
      const names = JSON.parse(required.stdout) as string[]
      expect(names.length).toBeGreaterThan(0)
      expect(names).toEqual(JSON.parse(imported.stdout))
    })
  })
}
