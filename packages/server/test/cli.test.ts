/** The `tsgi` command as a process: start, port line, requests, signals and exit codes. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { type CliProcess, fixture, tsgi, tsgiRun } from './cli-process.ts'

let running: CliProcess | undefined
afterEach(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill('SIGKILL')
    await running.exited
  }
  running = undefined
})

describe('tsgi <module>', () => {
  test('prints the real URL when --port 0, serves, and exits 0 on SIGTERM', async () => {
    running = tsgi([fixture('hello.ts'), '--port', '0'])
    const url = await running.url
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(url).not.toMatch(/:0$/)
    const res = await request(`${url}/x`)
    expect(await res.body.text()).toBe('hello from /x')
    expect(res.headers.server).toBe('tsgi')
    running.child.kill('SIGTERM')
    expect(await running.exited).toBe(0)
    // The access line went to stdout.
    expect(running.stdout()).toMatch(/"GET \/x HTTP\/1\.1" 200/)
    expect(running.stderr()).toContain('server stopped')
  })

  // A request in flight at SIGTERM: signals.test.ts.

  test('a second signal forces the exit (code 1)', async () => {
    running = tsgi([fixture('hello.ts'), '--port', '0', '--timeout-graceful-shutdown', '30'])
    const url = await running.url
    const hanging = request(`${url}/hang`).catch(() => undefined)
    await running.waitFor(/fixture: \/hang in flight/)
    running.child.kill('SIGTERM')
    // The drain waits for the request that never ends (for up to 30 s).
    await running.waitFor(/shutting down\n/)
    expect(running.child.exitCode).toBe(null)
    // A first different signal is the same stop request (pnpm's SIGTERM after CTRL+C)...
    running.child.kill('SIGINT')
    await running.waitFor(/received SIGINT while stopping on SIGTERM: still shutting down/)
    expect(running.child.exitCode).toBe(null)
    // ...a signal after it forces.
    running.child.kill('SIGINT')
    expect(await running.exited).toBe(1)
    expect(running.stderr()).toContain('received SIGINT again: forcing exit')
    await hanging
  })

  test('named exports, --factory and .mjs modules', async () => {
    for (const [target, extra, body] of [
      [`${fixture('hello.ts')}:named`, [], 'hello from /'],
      [`${fixture('hello.ts')}:makeApp`, ['--factory'], 'hello from /'],
      [fixture('plain.mjs'), [], 'mjs'],
    ] as const) {
      running = tsgi([target, '--port', '0', ...extra])
      const url = await running.url
      expect(await (await request(`${url}/`)).body.text()).toBe(body)
      running.child.kill('SIGTERM')
      expect(await running.exited).toBe(0)
    }
  })

  test('--root-path, --header, --no-server-header and --no-access-log', async () => {
    running = tsgi([
      fixture('hello.ts'),
      '--port',
      '0',
      '--root-path',
      '/api',
      '--header',
      'x-frame-options: DENY',
      '--no-server-header',
      '--no-access-log',
    ])
    const url = await running.url
    const res = await request(`${url}/scope`)
    expect(await res.body.json()).toMatchObject({ rootPath: '/api', path: '/api/scope' })
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers.server).toBeUndefined()
    running.child.kill('SIGTERM')
    expect(await running.exited).toBe(0)
    expect(running.stdout()).toBe('')
  })

  test('--uds serves on a unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-uds-'))
    const path = join(dir, 'app.sock')
    try {
      running = tsgi([fixture('hello.ts'), '--uds', path])
      expect(await running.url).toBe(`unix:${path}`)
      const agent = new Agent({ connect: { socketPath: path } })
      const res = await request('http://localhost/u', { dispatcher: agent })
      expect(await res.body.text()).toBe('hello from /u')
      await agent.close()
      running.child.kill('SIGTERM')
      expect(await running.exited).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('exit codes', () => {
  test('lifespan startup failure: 3, with the message', async () => {
    const r = await tsgiRun([`${fixture('failing-startup.ts')}:app`, '--port', '0'])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('database unreachable')
  })

  test('a missing file: 1, naming what was tried', async () => {
    const r = await tsgiRun([fixture('missing.ts'), '--port', '0'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/cannot load .*missing\.ts: no such file \(tried .*missing\.ts\.mjs/)
  })

  test('a missing export: 1, listing the exports', async () => {
    const r = await tsgiRun([`${fixture('hello.ts')}:nope`, '--port', '0'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /has no export named "nope" \(exports: default, makeApp, named, notAnApp\)/,
    )
  })

  test('an export that is not a function: 1', async () => {
    const r = await tsgiRun([`${fixture('hello.ts')}:notAnApp`, '--port', '0'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/notAnApp is not an application: expected a function .* got number/)
  })

  test('bad options: 2, naming the option', async () => {
    for (const [args, message] of [
      [['--port', 'eighty', 'a.ts'], /invalid option --port: expected an integer, got "eighty"/],
      [['--lifespan', 'maybe', 'a.ts'], /invalid option --lifespan/],
      [['--bogus', 'a.ts'], /Unknown option '--bogus'/],
      [[], /missing the application/],
      [['--port=-5', fixture('hello.ts')], /invalid option --port: expected an integer from 0 to/],
    ] as const) {
      const r = await tsgiRun([...args])
      expect(r.code, String(args)).toBe(2)
      expect(r.stderr).toMatch(message)
    }
  })

  test('--help lists every option; --version prints it', async () => {
    const help = await tsgiRun(['--help'])
    expect(help.code).toBe(0)
    for (const flag of [
      '--host',
      '--port',
      '--uds',
      '--workers',
      '--root-path',
      '--lifespan',
      '--timeout-keep-alive',
      '--timeout-graceful-shutdown',
      '--limit-concurrency',
      '--max-header-size',
      '--max-url-length',
      '--timeout-headers',
      '--timeout-request-body',
      '--proxy-headers',
      '--forwarded-allow-ips',
      '--ssl-keyfile',
      '--ssl-certfile',
      '--header',
      '--log-level',
      '--access-log',
      '--no-access-log',
      '--reload',
      '--factory',
    ])
      expect(help.stdout).toContain(`  ${flag}`)
    const version = await tsgiRun(['--version'])
    expect(version.stdout).toMatch(/^tsgi \d+\.\d+\.\d+ \(node v\d+/)
  })

  test('--help, --version and bad options end at once: no late-signal wait without a server', async () => {
    // runCommand's grace for a supervisor's late signal is two timers; count what is left.
    const main = new URL('../src/cli/main.ts', import.meta.url).href
    for (const args of [['--version'], ['--help'], ['--bogus']]) {
      const child = spawnSync(
        process.execPath,
        [
          '--conditions=@tsgi/source',
          '--input-type=module',
          '-e',
          `const { runCommand } = await import(${JSON.stringify(main)})
await runCommand(${JSON.stringify(args)})
console.error('timers ' + process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length)`,
        ],
        { encoding: 'utf8' },
      )
      expect(child.stderr, String(args)).toMatch(/timers 0\n/)
    }
  })
})
