/**
 * One error catalogue (issue 14): docs/errors.md lists every code of every package, with the
 * class that raises it, its meaning and its fix, and the code constants agree with it both
 * ways. Also: every code follows `TSGI_<AREA>_ERR_<NAME>`, every exported error class is a
 * `TSGIError`, no source spells a code outside its constant, and every code a README or the
 * spec mentions exists (their error tables list exactly their package's codes).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultErrorCode } from '@tsgi/framework'
import { TSGIError } from '@tsgi/protocol'
import { describe, expect, test } from 'vitest'

const require = createRequire(import.meta.url)
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const catalogue = readFileSync(join(root, 'docs', 'errors.md'), 'utf8')

/** The area of each package's codes. */
const AREA: Record<string, string> = {
  '@tsgi/protocol': 'PROTOCOL',
  '@tsgi/server': 'SERVER',
  '@tsgi/framework': 'FW',
  '@tsgi/tasks': 'TASKS',
  '@tsgi/adapters': 'ADAPTERS',
  'create-tsgi': 'CREATE',
}
const SCHEME = /^TSGI_(PROTOCOL|SERVER|FW|TASKS|ADAPTERS|CREATE)_ERR_[A-Z0-9]+(?:_[A-Z0-9]+)*$/
/** The one family of codes that is a pattern, not a constant: `defaultErrorCode(418)`. */
const HTTP_PATTERN = 'TSGI_FW_ERR_HTTP_<status>'

/**
 * Error classes exported without being `TSGIError`s, and why: the test client's outcomes carry
 * a WebSocket close code in `code` (a number) or an HTTP status; the conformance suite's are a
 * case's verdict (failed, skipped), reported by its runner.
 */
const NOT_TSGI_ERRORS = new Set([
  'WebSocketClosedError',
  'WebSocketDeniedError',
  'ConformanceFailure',
  'CaseSkipped',
])

interface Entry {
  pkg: string
  specifier: string
  exports: Record<string, unknown>
}

/** Every entry point of every package, imported from source; the starter's generator by path. */
async function loadEntries(): Promise<Entry[]> {
  const entries: Entry[] = []
  for (const pkg of Object.keys(AREA).filter((name) => name.startsWith('@tsgi/'))) {
    const manifest = JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8'))
    for (const subpath of Object.keys(manifest.exports as Record<string, unknown>)) {
      if (subpath === './package.json') continue
      const specifier = subpath === '.' ? pkg : `${pkg}${subpath.slice(1)}`
      entries.push({ pkg, specifier, exports: await import(specifier) })
    }
  }
  const generator = join(root, 'packages', 'create-tsgi', 'src', 'generate.js')
  const starter = (await import(generator)) as Record<string, unknown>
  entries.push({ pkg: 'create-tsgi', specifier: 'create-tsgi/src/generate.js', exports: starter })
  return entries
}

const entries = await loadEntries()

/** Each exported `…ErrorCode` object (`{ key: 'TSGI_…' }`), where it is first exported. */
const seen = new Set<unknown>()
const tables = entries.flatMap(({ pkg, specifier, exports }) =>
  Object.entries(exports)
    .filter(([name, value]) => name.endsWith('ErrorCode') && typeof value === 'object')
    .filter(([, value]) => !seen.has(value) && seen.add(value))
    .map(([name, value]) => ({
      pkg,
      specifier,
      name,
      codes: Object.values(value as Record<string, string>),
    })),
)
/** Code → its package, from the constants. */
const constants = new Map(tables.flatMap(({ pkg, codes }) => codes.map((code) => [code, pkg])))

/** The catalogue's codes, each with its package section and its text. */
const documented = [...catalogue.matchAll(/^## (.+)$/gm)].flatMap((section, i, all) => {
  const body = catalogue.slice(section.index, all[i + 1]?.index ?? catalogue.length)
  return [...body.matchAll(/^### `([^`]+)`\n([\s\S]*?)(?=^##|(?![\s\S]))/gm)].map((m) => ({
    pkg: section[1]!.trim(),
    code: m[1]!,
    text: m[2]!,
  }))
})

describe('docs/errors.md and the code constants', () => {
  test('every package has a code table, and the tables do not overlap', () => {
    expect(new Set(tables.map((t) => t.pkg))).toEqual(new Set(Object.keys(AREA)))
    const all = tables.flatMap((t) => t.codes)
    expect(all.filter((code, i) => all.indexOf(code) !== i)).toEqual([])
  })

  test('every code follows TSGI_<AREA>_ERR_<NAME>, with its package’s area', () => {
    const wrong = [...constants].filter(
      ([code, pkg]) => !SCHEME.test(code) || !code.startsWith(`TSGI_${AREA[pkg]}_ERR_`),
    )
    expect(wrong).toEqual([])
  })

  test('every code constant is in the catalogue, under its package, once', () => {
    const codes = documented.map((d) => d.code)
    expect([...constants.keys()].filter((code) => !codes.includes(code))).toEqual([])
    expect(codes.filter((code, i) => codes.indexOf(code) !== i)).toEqual([])
    const misplaced = documented.filter(
      (d) => constants.has(d.code) && constants.get(d.code) !== d.pkg,
    )
    expect(misplaced.map((d) => `${d.code} under ${d.pkg}`)).toEqual([])
  })

  test('every code in the catalogue is a constant (or the HTTP status pattern)', () => {
    const unknown = documented.filter((d) => d.code !== HTTP_PATTERN && !constants.has(d.code))
    expect(unknown.map((d) => d.code)).toEqual([])
    expect(defaultErrorCode(418)).toBe(HTTP_PATTERN.replace('<status>', '418'))
    expect(documented.find((d) => d.code === HTTP_PATTERN)?.pkg).toBe('@tsgi/framework')
  })

  test('each entry says which class raises it, what it means and how to fix it', () => {
    const fields = ['- **Class**: ', '- **Meaning**: ', '- **Fix**: ']
    const incomplete = documented.filter((d) => !fields.every((field) => d.text.includes(field)))
    expect(incomplete.map((d) => d.code)).toEqual([])
  })

  test('every code table is named in its package’s section', () => {
    const sections = new Map(
      [...catalogue.matchAll(/^## (.+)\n\n([\s\S]*?)\n\n/gm)].map((m) => [m[1]!.trim(), m[2]!]),
    )
    const unnamed = tables.filter((t) => !sections.get(t.pkg)?.includes(`\`${t.name}\``))
    expect(unnamed.map((t) => `${t.name} (${t.specifier})`)).toEqual([])
  })
})

describe('the error classes', () => {
  const classes = entries.flatMap(({ specifier, exports }) =>
    Object.entries(exports)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
      .map(([name, value]) => ({ specifier, name, value: value as typeof Error })),
  )

  test('there are error classes to check', () => {
    expect(classes.length).toBeGreaterThan(20)
  })

  test('every exported error class is a TSGIError', () => {
    const others = classes.filter(
      (c) => c.name !== 'TSGIError' && c.name !== 'CreateError' && !NOT_TSGI_ERRORS.has(c.name),
    )
    const outside = others.filter((c) => !(c.value.prototype instanceof TSGIError))
    expect(outside.map((c) => `${c.name} (${c.specifier})`)).toEqual([])
  })

  test('the starter’s CreateError has the same shape: code and cause', async () => {
    const starter = entries.find((e) => e.pkg === 'create-tsgi')!.exports as {
      CreateError: new (code: string, message: string, options?: ErrorOptions) => Error
      CreateErrorCode: Record<string, string>
    }
    const cause = new Error('EACCES')
    const error = new starter.CreateError(starter.CreateErrorCode.notEmpty!, 'x', { cause })
    expect(error).toMatchObject({ code: 'TSGI_CREATE_ERR_NOT_EMPTY', cause, name: 'CreateError' })
  })
})

/** Every source file of the packages (no tests), recursively. */
function sources(): string[] {
  const packages = join(root, 'packages')
  return readdirSync(packages).flatMap((pkg) => {
    const src = join(packages, pkg, 'src')
    let files: string[]
    try {
      files = readdirSync(src, { recursive: true, encoding: 'utf8' })
    } catch {
      return []
    }
    return files
      .filter((f) => /\.(ts|js)$/.test(f) && !/\.test(-d)?\.ts$/.test(f))
      .map((f) => join(src, f))
  })
}

describe('codes in the sources', () => {
  // Comments out (they name codes in backticks); then a quote right before a code is a literal.
  const code = (file: string) =>
    readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  const literals = sources().flatMap((file) =>
    [...code(file).matchAll(/['"`](TSGI_(?:[A-Z0-9]+_)?ERR_[A-Z0-9_]*)/g)].map((m) => ({
      file: relative(root, file),
      code: m[1]!,
    })),
  )

  test('every code literal is a constant, spelled once (in its table)', () => {
    const prefix = HTTP_PATTERN.replace('<status>', '')
    const stray = literals.filter((l) => l.code !== prefix && !constants.has(l.code))
    expect(stray.map((l) => `${l.file}: ${l.code}`)).toEqual([])
    const codes = literals.map((l) => l.code)
    const repeated = literals.filter((l, i) => codes.indexOf(l.code) !== i)
    expect(repeated.map((l) => `${l.file}: ${l.code} (use the constant)`)).toEqual([])
  })
})

describe('codes in the other docs', () => {
  const markdown = [
    'README.md',
    'CONTRIBUTING.md',
    'apps/demo/README.md',
    'packages/protocol/SPEC.md',
    'packages/protocol/CONFORMANCE.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
    ...readdirSync(join(root, 'packages')).map((p) => `packages/${p}/README.md`),
  ]
  const read = (file: string) => readFileSync(join(root, file), 'utf8')

  test('every code they mention exists', () => {
    const mentioned = markdown.flatMap((file) =>
      [...read(file).matchAll(/TSGI_[A-Z0-9_]*ERR_[A-Z0-9_]*[A-Z0-9]/g)].map((m) => ({
        file,
        code: m[0],
      })),
    )
    expect(mentioned.length).toBeGreaterThan(50)
    const http = /^TSGI_FW_ERR_HTTP(_\d{3})?$/
    const unknown = mentioned.filter((m) => !constants.has(m.code) && !http.test(m.code))
    expect(unknown.map((m) => `${m.file}: ${m.code}`)).toEqual([])
  })

  /** The codes in the table rows of a document's errors section. */
  function tableCodes(file: string, heading: RegExp): string[] {
    const text = read(file)
    const start = text.search(heading)
    expect(start, `${file} has an errors section`).toBeGreaterThan(-1)
    const level = /^#+/.exec(text.slice(start))![0]
    const body = text.indexOf('\n', start)
    const end = text.slice(body).search(new RegExp(`^#{1,${level.length}} `, 'm'))
    const section = text.slice(start, end === -1 ? undefined : body + end)
    return section
      .split('\n')
      .filter((line) => line.startsWith('| '))
      .flatMap((line) => [...line.matchAll(/`(TSGI_[A-Z0-9_]+)`/g)].map((m) => m[1]!))
  }

  // Each package's own table lists its main entry's codes, the fix being in docs/errors.md.
  test.each([
    ['packages/protocol/SPEC.md', /^## \d+\. Errors$/m, '@tsgi/protocol'],
    ['packages/protocol/README.md', /^### Errors$/m, '@tsgi/protocol'],
    ['packages/server/README.md', /^## Errors$/m, '@tsgi/server'],
    ['packages/framework/README.md', /^## Errors$/m, '@tsgi/framework'],
    ['packages/tasks/README.md', /^## Errors$/m, '@tsgi/tasks'],
  ])('%s lists exactly its package’s codes', (file, heading, pkg) => {
    const main = tables.filter((t) => t.specifier === pkg).flatMap((t) => t.codes)
    expect(tableCodes(file, heading).sort()).toEqual([...main].sort())
    expect(read(file)).toContain('docs/errors.md')
  })
})
