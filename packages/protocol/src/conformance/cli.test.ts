/**
 * `tsgi-conformance`: bad usage exits 2 with one line saying what is wrong, `--version`, app
 * mode's load errors; the binary's Node.js check on an old Node; loading from CommonJS.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { main } from './cli.ts'
import { selectCases } from './runner.ts'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const pkg = JSON.parse(readFileSync(here('../../package.json'), 'utf8')) as { version: string }
const server = ['server', '--command', 'x {app} {port}']

type WriteSpy = { mock: { calls: unknown[][] }; mockClear(): void; mockRestore(): void }
let out: WriteSpy
let err: WriteSpy
beforeEach(() => {
  out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
  err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
})
afterEach(() => {
  out.mockRestore()
  err.mockRestore()
})
const stderr = () => err.mock.calls.map((c) => String(c[0])).join('')
const stdout = () => out.mock.calls.map((c) => String(c[0])).join('')

describe('bad usage: exit 2, one line on stderr naming the problem', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['no command', [], /missing command/],
    ['an unknown command', ['run'], /unknown command "run"/],
    ['an unknown option', ['--bogus'], /unknown option --bogus/],
    ['server without --command', ['server'], /--command "<template>" is required/],
    [
      '--timeout abc',
      [...server, '--timeout', 'abc'],
      /--timeout must be a positive integer.*"abc"/,
    ],
    ['--timeout 0', [...server, '--timeout', '0'], /--timeout must be a positive integer.*"0"/],
    ['--timeout 1.5', [...server, '--timeout', '1.5'], /--timeout must be a positive integer/],
    ['--timeout without a value', [...server, '--timeout'], /--timeout/],
    ['--grep [', [...server, '--grep', '['], /--grep: Invalid regular expression/],
    [
      '--reporter xml',
      [...server, '--reporter', 'xml'],
      /--reporter must be text or json, got "xml"/,
    ],
    ['an empty --host', [...server, '--host', ''], /--host must not be empty/],
    ['a stray argument', [...server, 'extra'], /unexpected argument "extra"/],
    ['--tls without --http2', [...server, '--tls'], /--tls needs --http2/],
    ['--ca without --tls', [...server, '--http2', '--ca', 'ca.pem'], /--ca needs --tls/],
    ['--insecure without --tls', [...server, '--insecure'], /--insecure needs --tls/],
    [
      '--ca with --insecure',
      [...server, '--http2', '--tls', '--ca', 'ca.pem', '--insecure'],
      /--ca and --insecure do not go together/,
    ],
    [
      '--ca with a missing file',
      [...server, '--http2', '--tls', '--ca', 'missing.pem'],
      /--ca: no such file missing\.pem/,
    ],
    ['app without a module', ['app'], /app: missing <module>/],
    ['app with a missing file', ['app', 'missing.ts'], /app: no such file missing\.ts/],
    [
      'app with a server option',
      ['app', here('../example/app.ts'), '--bail'],
      /--bail does not apply to "app"/,
    ],
    [
      'app with --tls',
      ['app', here('../example/app.ts'), '--tls'],
      /--tls does not apply to "app"/,
    ],
    [
      'app with --reporter xml',
      ['app', here('../example/app.ts'), '--reporter', 'xml'],
      /--reporter/,
    ],
    [
      'an export that is no app',
      ['app', `${here('./types.ts')}:expectThat2`],
      /does not export an application/,
    ],
  ]
  for (const [name, argv, message] of cases)
    test(name, async () => {
      expect(await main(argv)).toBe(2)
      expect(stderr()).toMatch(message)
      expect(stderr()).toMatch(/^tsgi-conformance: [^\n]+ \(see tsgi-conformance --help\)\n$/)
      expect(stdout()).toBe('')
    })
})

describe('usage that works', () => {
  test('--help exits 0 with the usage on stdout', async () => {
    expect(await main(['--help'])).toBe(0)
    expect(stdout()).toMatch(/^Usage:\n {2}tsgi-conformance server/)
  })

  test("--version prints the package's version", async () => {
    expect(await main(['--version'])).toBe(0)
    expect(stdout()).toBe(`tsgi-conformance ${pkg.version} (node ${process.version})\n`)
  })

  test('--list prints every case; with --grep only the matching ones', async () => {
    expect(await main([...server, '--list'])).toBe(0)
    expect(out.mock.calls.length).toBe(selectCases('x').length)
    out.mockClear()
    expect(await main([...server, '--list', '--grep', '^framing\\.'])).toBe(0)
    expect(
      stdout()
        .trim()
        .split('\n')
        .every((l: string) => l.startsWith('framing.')),
    ).toBe(true)
    expect(stdout()).toMatch(/§5\.8\.9/)
  })

  test('a server that cannot start: its cases fail, exit 1, and the JSON report says why', async () => {
    const dies = `"${process.execPath}" -e "process.exit(3)" {app} {port}`
    const argv = ['server', '--command', dies, '--grep', '^scope\\.type$', '--reporter', 'json']
    expect(await main([...argv, '--timeout', '30000'])).toBe(1)
    const json = JSON.parse(stdout())
    expect(json.summary).toMatchObject({ passed: 0, failed: 1, skipped: 0 })
    expect(json.results[0]).toMatchObject({ id: 'scope.type', failure: 'error' })
    expect(json.results[0].message).toMatch(/could not start the server: the server exited/)
  })

  test('app mode checks a module and exits 0 when it conforms', async () => {
    expect(await main(['app', here('../example/app.ts')])).toBe(0)
    expect(String(out.mock.calls.at(-1)?.[0])).toMatch(/exchanges checked, 0 violations/)
  })

  test('app mode --http2 drives HTTP/2 scopes: an app that needs content-length fails only then', async () => {
    const app = here('../../test/fixtures/needs-content-length.ts')
    expect(await main(['app', app])).toBe(0)
    expect(await main(['app', app, '--http2'])).toBe(1)
    expect(String(out.mock.calls.find((c) => /FAIL POST \//.test(String(c[0])))?.[0])).toMatch(
      /incomplete-response/,
    )
    expect(await main(['app', here('../example/app.ts'), '--http2'])).toBe(0)
  })

  test('app mode: a module that throws while loading exits 1 with its error and stack', async () => {
    const broken = here('../../test/fixtures/throws-on-load.ts')
    expect(await main(['app', broken])).toBe(1)
    expect(stderr()).toMatch(
      /^tsgi-conformance app: cannot load .*throws-on-load\.ts: broken on purpose\n/,
    )
    expect(stderr()).toMatch(/throws-on-load\.ts:\d+/)
  })
})

describe('processes', () => {
  const bin = here('../../bin/tsgi-conformance.js')
  const old = '/usr/bin/node'
  const oldVersion = existsSync(old) ? spawnSync(old, ['--version']).stdout.toString().trim() : ''
  const tooOld = /^v(\d+)\.(\d+)/.exec(oldVersion)
  const isOld =
    tooOld !== null &&
    (Number(tooOld[1]) < 22 || (Number(tooOld[1]) === 22 && Number(tooOld[2]) < 18))

  test.skipIf(!isOld)(
    `on Node older than 22.18 the binary says so in one line and exits 1 (${old} ${oldVersion || 'absent'}; skipped unless it is older)`,
    () => {
      const r = spawnSync(old, [bin, '--version'], { encoding: 'utf8' })
      expect(r.status).toBe(1)
      expect(r.stderr).toBe(
        `tsgi-conformance: Node.js 22.18 or newer is required (found ${oldVersion})\n`,
      )
    },
  )

  test('the CLI module run directly: bad usage exits 2 (no top-level await needed)', () => {
    const r = spawnSync(process.execPath, [here('./cli.ts'), '--timeout', 'abc', ...server], {
      encoding: 'utf8',
    })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^tsgi-conformance: --timeout must be a positive integer[^\n]*\n$/)
  })

  test('the conformance entry point and the CLI load with require() (CommonJS)', () => {
    const script = `
      const c = require('@tsgi/protocol/conformance')
      if (typeof c.runServerSuite !== 'function') throw new Error('no runServerSuite')
      require(${JSON.stringify(here('./cli.ts'))})
      process.stdout.write('loaded')`
    const r = spawnSync(process.execPath, ['--conditions=@tsgi/source', '-e', script], {
      cwd: here('../..'),
      encoding: 'utf8',
    })
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('loaded')
  })
})
