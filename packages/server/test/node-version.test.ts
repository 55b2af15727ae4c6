/**
 * An old Node.js gets one line saying what is needed: the `tsgi` binary checks the version
 * before it imports the CLI, and so do the root npm scripts (scripts/check-node.cjs).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const bin = path('../bin/tsgi.js')
const rootCheck = path('../../../scripts/check-node.cjs')
const { nodeVersionProblem } = createRequire(import.meta.url)('@tsgi/protocol/check-node') as {
  nodeVersionProblem(name: string, engines: string, found: string): string | null
}
const engines = (
  JSON.parse(readFileSync(path('../package.json'), 'utf8')) as { engines: { node: string } }
).engines.node

/** An installed Node.js older than the floor, if this machine has one (Debian's is 20). */
const OLD_NODE = '/usr/bin/node'
const oldVersion = existsSync(OLD_NODE)
  ? spawnSync(OLD_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim()
  : ''
const haveOld = oldVersion !== '' && nodeVersionProblem('x', engines, oldVersion) !== null

describe('nodeVersionProblem', () => {
  test('the floor is engines.node, 22.18: type stripping without a flag', () => {
    expect(engines).toBe('>=22.18')
    expect(nodeVersionProblem('tsgi', engines, 'v20.20.2')).toBe(
      'tsgi: Node.js 22.18 or newer is required (found v20.20.2)',
    )
    expect(nodeVersionProblem('tsgi', engines, 'v22.17.1')).toMatch(/found v22\.17\.1\)$/)
    expect(nodeVersionProblem('tsgi', engines, 'v14.0.0')).not.toBeNull()
    for (const ok of ['v22.18.0', 'v22.20.1', 'v23.0.0', 'v24.21.0', 'v100.0.0'])
      expect(nodeVersionProblem('tsgi', engines, ok), ok).toBeNull()
  })

  test('on this Node.js: the check passes without a word', () => {
    const r = spawnSync(process.execPath, [rootCheck], { encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
  })
  test('the root package.json runs the check first in every script that runs code', () => {
    const pkg = JSON.parse(readFileSync(path('../../../package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    for (const name of ['demo', 'test', 'start', 'check', 'build', 'typecheck', 'lint'])
      expect(pkg.scripts[name], name).toMatch(/^node scripts\/check-node\.cjs && /)
  })
})

describe.skipIf(!haveOld)(`with ${OLD_NODE} ${oldVersion || '(missing)'}`, () => {
  const line = `Node.js 22.18 or newer is required (found ${oldVersion})\n`

  test('tsgi app.ts: one line and exit 1, before anything is imported', () => {
    const r = spawnSync(OLD_NODE, [bin, path('./fixtures/hello.ts'), '--port', '0'], {
      encoding: 'utf8',
    })
    expect(r.stderr).toBe(`tsgi: ${line}`)
    expect(r.stdout).toBe('')
    expect(r.status).toBe(1)
  })

  test('tsgi --version too', () => {
    const r = spawnSync(OLD_NODE, [bin, '--version'], { encoding: 'utf8' })
    expect([r.status, r.stderr]).toEqual([1, `tsgi: ${line}`])
  })

  test('the root npm scripts check: one line and exit 1', () => {
    const r = spawnSync(OLD_NODE, [rootCheck], { encoding: 'utf8' })
    expect([r.status, r.stderr]).toEqual([1, `tsgi: ${line}`])
  })
})
