/**
 * The public surface of every published package, pinned: for each subpath in a package.json
 * "exports", the runtime names (imported from source through the `@tsgi/source` condition) and
 * the type-only names (read from the built `.d.ts` that "types" points at) must equal the
 * committed test/exports.expected.json. Adding, renaming or removing an export is then a
 * deliberate, reviewed change of that file, never an accident of a refactor.
 *
 * To accept a change: `TSGI_UPDATE_EXPORTS=1 npx vitest run test/exports.test.ts` in docs/
 * (after `npx turbo run build`), then review the diff of test/exports.expected.json.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'

const require = createRequire(import.meta.url)
const expectedFile = fileURLToPath(new URL('exports.expected.json', import.meta.url))
const update = process.env.TSGI_UPDATE_EXPORTS === '1'
const UPDATE_HINT =
  'If the change is deliberate, run `TSGI_UPDATE_EXPORTS=1 npx vitest run test/exports.test.ts` ' +
  'in docs/ (after `npx turbo run build`) and commit the reviewed test/exports.expected.json.'
const PACKAGES = [
  '@tsgi/protocol',
  '@tsgi/server',
  '@tsgi/framework',
  '@tsgi/tasks',
  '@tsgi/adapters',
]

/** What one entry point exports: runtime values, and names that exist only as types. */
interface Surface {
  values: string[]
  types: string[]
}

type Target = string | { types?: string; default?: string }

const expected: Record<string, Surface> = existsSync(expectedFile)
  ? JSON.parse(readFileSync(expectedFile, 'utf8'))
  : {}
const actual: Record<string, Surface> = {}

/** The names a `.d.ts` exports (every form tsc emits: re-export lists and declarations). */
function declaredNames(dts: string): string[] {
  const code = dts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
  const names = new Set<string>()
  for (const [, list] of code.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const item of list!.split(',')) {
      const name = item
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()
      if (name) names.add(name)
    }
  }
  const declaration =
    /export\s+(?:declare\s+)?(?:abstract\s+)?(?:function|class|const|let|var|type|interface|enum|namespace)\s+([A-Za-z_$][\w$]*)/g
  for (const [, name] of code.matchAll(declaration)) names.add(name!)
  if (/export\s+default\b/.test(code)) names.add('default')
  if (/export\s+\*/.test(code)) throw new Error('`export *` in a .d.ts: list the names instead')
  return [...names].sort()
}

/** Names in one list and not the other, as a readable message. */
function difference(what: string, want: string[], got: string[]): string {
  const added = got.filter((name) => !want.includes(name))
  const removed = want.filter((name) => !got.includes(name))
  const lines = [`${what} changed:`]
  if (added.length > 0) lines.push(`  added:   ${added.join(', ')}`)
  if (removed.length > 0) lines.push(`  removed: ${removed.join(', ')}`)
  return [...lines, UPDATE_HINT].join('\n')
}

for (const name of PACKAGES) {
  const manifest = require.resolve(`${name}/package.json`)
  const root = dirname(manifest)
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, Target> }
  const entries = Object.entries(pkg.exports).filter(([subpath]) => subpath !== './package.json')

  describe(`the exports of ${name}`, () => {
    test.each(entries)('%s', async (subpath, target) => {
      const specifier = subpath === '.' ? name : `${name}${subpath.slice(1)}`
      const module = (await import(specifier)) as Record<string, unknown>
      // CommonJS entries gain interop names that are no export of ours.
      const values = Object.keys(module)
        .filter((key) => key !== '__esModule' && key !== 'module.exports')
        .sort()
      let types: string[] = []
      if (typeof target === 'object' && target.types !== undefined) {
        const dts = join(root, target.types)
        expect(existsSync(dts), `${dts} is missing: run \`npx turbo run build\` first`).toBe(true)
        const declared = declaredNames(readFileSync(dts, 'utf8'))
        const untyped = values.filter((value) => !declared.includes(value))
        expect(untyped, `${specifier}: runtime exports absent from ${target.types}`).toEqual([])
        types = declared.filter((type) => !values.includes(type))
      }
      actual[specifier] = { values, types }
      if (update) return
      const want = expected[specifier]
      expect(
        want,
        `${specifier} is not in test/exports.expected.json.\n${UPDATE_HINT}`,
      ).toBeDefined()
      expect(values, difference(`${specifier} runtime exports`, want!.values, values)).toEqual(
        want!.values,
      )
      expect(types, difference(`${specifier} type-only exports`, want!.types, types)).toEqual(
        want!.types,
      )
    })
  })
}

// `stripInternal` removes `@internal` declarations from the .d.ts; a public declaration still
// naming one (a class implementing an internal interface, a type from a stripped import) would
// break only for users who type-check libraries (`skipLibCheck: false`, tsc's default) — so
// check them that way here, since every package's own build skips them.
test('the built declarations type-check on their own (no skipLibCheck)', () => {
  const files = PACKAGES.flatMap((name) => {
    const dist = join(dirname(require.resolve(`${name}/package.json`)), 'dist')
    expect(existsSync(dist), `${dist} is missing: run \`npx turbo run build\` first`).toBe(true)
    const all = readdirSync(dist, { recursive: true, encoding: 'utf8' })
    return all.filter((file) => file.endsWith('.d.ts')).map((file) => join(dist, file))
  })
  const options = ['--ignoreConfig', '--noEmit', '--skipLibCheck', 'false', '--strict']
  const target = ['--module', 'nodenext', '--target', 'es2023', '--types', 'node']
  const lib = ['--lib', 'es2023,esnext.disposable']
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc')
  const run = spawnSync(process.execPath, [tsc, ...options, ...target, ...lib, ...files], {
    encoding: 'utf8',
  })
  expect(`${run.stdout}${run.stderr}`).toBe('')
  expect(run.status).toBe(0)
})

test('no entry point was dropped from the exports maps', () => {
  const gone = Object.keys(expected).filter((specifier) => !(specifier in actual))
  if (!update) expect(gone, `entry points removed: ${gone.join(', ')}\n${UPDATE_HINT}`).toEqual([])
})

afterAll(() => {
  if (!update) return
  const sorted = Object.fromEntries(
    Object.keys(actual)
      .sort()
      .map((key) => [key, actual[key]]),
  )
  writeFileSync(expectedFile, `${JSON.stringify(sorted, null, 2)}\n`)
  // Formatted as `biome check` wants it (short lists on one line), so lint passes after an update.
  const biome = require.resolve('@biomejs/biome/bin/biome')
  const formatted = spawnSync(process.execPath, [biome, 'format', '--write', expectedFile])
  if (formatted.status !== 0) throw new Error(`biome format failed: ${formatted.stderr}`)
})
