/**
 * The optional BullMQ peer from CommonJS: `@tsgi/tasks` never needs it, `@tsgi/tasks/bullmq`
 * names it when it is missing. (Every entry point of every package is required in
 * docs/test/require.test.ts.) Run against the built dist: turbo's test task builds first.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Runs `script` with `node -e` (CommonJS) in the package, which it resolves by its own name. */
function node(script: string) {
  return spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })
}

/** The export names, less what the interop adds (`default` of a namespace, `__esModule`). */
const keysOf = (expression: string) =>
  `process.stdout.write(JSON.stringify(Object.keys(${expression}).filter((k) => !['default', '__esModule', 'module.exports'].includes(k)).sort()))`

describe('the optional BullMQ peer, from CommonJS', () => {
  /** Makes `bullmq` unresolvable, as where it is not installed (a sync resolve hook). */
  const withoutBullmq = `require('node:module').registerHooks({ resolve(specifier, context, next) {
    if (specifier === 'bullmq' || specifier.startsWith('bullmq/')) throw Object.assign(new Error("Cannot find package 'bullmq'"), { code: 'ERR_MODULE_NOT_FOUND' })
    return next(specifier, context)
  } });`

  test('@tsgi/tasks/bullmq loads where bullmq is installed, and gives bullmqBackend', () => {
    const r = node(`process.stdout.write(typeof require('@tsgi/tasks/bullmq').bullmqBackend)`)
    expect([r.status, r.stdout]).toEqual([0, 'function'])
  })

  test('@tsgi/tasks never needs bullmq: it loads where bullmq is missing', () => {
    const r = node(`${withoutBullmq} ${keysOf("require('@tsgi/tasks')")}`)
    expect(r.stderr).not.toMatch(/Error/)
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toContain('createQueue')
  })

  test('@tsgi/tasks/bullmq where bullmq is missing: an error naming bullmq', () => {
    const r = node(`${withoutBullmq} require('@tsgi/tasks/bullmq')`)
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/Cannot find package 'bullmq'/)
  })
})
