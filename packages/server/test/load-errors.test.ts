/**
 * A module that cannot be loaded is reported as Node would report it: the real culprit's
 * `file:line:column` (also when it is a module the target imports), the code frame, and the
 * stack. The broken modules are written to a temporary directory (they would break the lint).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { loadApp } from '../src/cli/index.ts'
import { tsgiRun } from './cli-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'tsgi-load-errors-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}
mkdirSync(join(dir, 'lib'))

// Line 3, column 10: the `x` after `return`, in a parameter list that never closed.
const broken = 'const x = 1\nfunction f( {\n  return x\n}\nexport default f\n'
const syntaxTs = file('syntax.ts', broken.replace('const x = 1', 'const x: number = 1'))
const syntaxMjs = file('syntax.mjs', broken)
const syntaxCjs = file('syntax.cjs', broken.replace('export default f', 'module.exports = f'))
const libTs = file('lib/broken.ts', broken.replace('const x = 1', 'const x: number = 1'))
const libMjs = file('lib/broken.mjs', broken)
const importsTs = file('imports-ts.ts', "import f from './lib/broken.ts'\nexport default f\n")
const importsMjs = file('imports-mjs.ts', "import f from './lib/broken.mjs'\nexport default f\n")
// Line 3, column 5: V8 finds it (a second `let a`), not the type stripper.
const redeclared = file(
  'redeclared.mts',
  "import f from './lib/ok.ts'\nlet a: number = 1\nlet a = 2\nexport default f\n",
)
file('lib/ok.ts', 'export default () => {}\n')
// The throw is at line 3, column 9 of the imported module.
const thrower = file(
  'lib/thrower.ts',
  "export function connect(): never {\n  // the database is down\n  throw new Error('database unreachable')\n}\n",
)
const throwsOnImport = file(
  'throws.ts',
  "import { connect } from './lib/thrower.ts'\nconnect()\nexport default () => {}\n",
)

describe('the CLI names the culprit, with the code frame and the stack (exit 1)', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    [
      'a TypeScript syntax error',
      syntaxTs,
      `${syntaxTs}:3:10`,
      /SyntaxError \[ERR_INVALID_TYPESCRIPT_SYNTAX\]/,
    ],
    [
      'an ES module syntax error',
      syntaxMjs,
      `${syntaxMjs}:3:10`,
      /SyntaxError: Unexpected identifier 'x'/,
    ],
    [
      'a CommonJS syntax error',
      syntaxCjs,
      `${syntaxCjs}:3:10`,
      /SyntaxError: Unexpected identifier 'x'/,
    ],
    [
      'a broken .ts module imported by the target',
      importsTs,
      `${libTs}:3:10`,
      /SyntaxError \[ERR_INVALID_TYPESCRIPT_SYNTAX\]/,
    ],
    [
      'a broken .mjs module imported by the target',
      importsMjs,
      `${libMjs}:3:10`,
      /SyntaxError: Unexpected identifier 'x'/,
    ],
    [
      'an early error V8 finds in a TypeScript module',
      redeclared,
      `${redeclared}:3:5`,
      /SyntaxError: Identifier 'a' has already been declared/,
    ],
    [
      'a throw at import time, in an imported module',
      throwsOnImport,
      `${thrower}:3:9`,
      /Error: database unreachable/,
    ],
  ]
  test.each(cases)('%s', async (_name, target, culprit, summary) => {
    const r = await tsgiRun([target, '--port', '0'])
    expect(r.code).toBe(1)
    const [first, ...rest] = r.stderr.split('\n')
    expect(first).toMatch(new RegExp(`^ERROR cannot load ${target}: ${culprit}: `))
    expect(first).toMatch(summary)
    // Then what Node prints for an uncaught error: the code frame (for a syntax error) and the
    // stack.
    expect(rest.join('\n')).toMatch(/\n\s+at /)
    if (summary.source.startsWith('SyntaxError')) {
      const line = culprit.slice(culprit.lastIndexOf(':', culprit.lastIndexOf(':') - 1))
      expect(rest[0]).toMatch(new RegExp(`${line.split(':')[1]}$`))
      expect(rest.join('\n')).toMatch(/\n\s*\^+\n/)
    }
  })

  test('an import-time throw prints its stack at every log level', async () => {
    for (const level of ['info', 'debug', 'error']) {
      const r = await tsgiRun([throwsOnImport, '--port', '0', '--log-level', level])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`at connect (file://${thrower}:3:9)`)
    }
  })
})

// In this process vitest imports modules itself: only a factory's throw is Node's own here.
describe('loadApp: the error keeps the culprit and the cause', () => {
  test('a factory that throws: its location too', async () => {
    const factory = file(
      'factory.ts',
      "export function make(): never {\n  throw new TypeError('no config')\n}\n",
    )
    const error = await loadApp(`${factory}:make`, { factory: true }).catch((e: unknown) => e)
    expect((error as Error).cause).toBeInstanceOf(TypeError)
    expect((error as Error).message).toMatch(
      new RegExp(`^--factory: ${factory}:make\\(\\) threw: ${factory}:2:9: TypeError: no config$`),
    )
  })
})
