/** `--workers` and `--reload`, as processes. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { type CliProcess, fixture, tsgi } from './cli-process.ts'

let running: CliProcess | undefined
afterEach(async () => {
  if (running && running.child.exitCode === null) {
    // The whole group when it has one: a primary killed alone would leave its workers.
    try {
      process.kill(-running.child.pid!, 'SIGKILL')
    } catch {
      running.child.kill('SIGKILL')
    }
    await running.exited
  }
  running = undefined
})

async function pids(url: string, n: number): Promise<Set<number>> {
  const seen = new Set<number>()
  for (let i = 0; i < n; i++) {
    const res = await request(`${url}/scope`, { reset: true })
    seen.add(((await res.body.json()) as { pid: number }).pid)
  }
  return seen
}

/** Starts `tsgi` in its own process group, so that the afterEach can kill the workers too. */
function start(args: string[]): CliProcess {
  running = tsgi(args, { detached: true })
  return running
}

describe('--workers', () => {
  test('serves from several processes, replaces a killed worker, drains on SIGTERM', {
    timeout: 30_000,
  }, async () => {
    const p = start([fixture('hello.ts'), '--port', '0', '--workers', '2', '--no-access-log'])
    const url = await p.url
    expect(p.stderr()).toMatch(/with 2 workers/)
    // Both workers listen (killing the only listening one would close the shared handle, and
    // with --port 0 the next listener gets another port); the scheduler then alternates.
    await p.waitFor(/is serving/, 2)
    const first = await pids(url, 10)
    expect(first.size).toBe(2)
    const victim = [...first][0]!
    process.kill(victim, 'SIGKILL')
    await p.waitFor(new RegExp(`pid ${victim}\\) exited \\(SIGKILL\\): replacing it`))
    await p.waitFor(/is serving/, 3)
    const after = await pids(url, 10)
    expect(after.has(victim)).toBe(false)
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
  })

  test('every line says which process wrote it', { timeout: 30_000 }, async () => {
    const p = start([fixture('hello.ts'), '--port', '0', '--workers', '2', '--no-access-log'])
    await p.url
    await p.waitFor(/is serving/, 2)
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
    await p.closed
    const lines = p.stderr().trimEnd().split('\n')
    const primary = `[primary pid ${p.child.pid}]`
    for (const line of lines)
      expect(line).toMatch(/^(ERROR|WARN |INFO |DEBUG) \[(primary|worker \d+) pid \d+\] /)
    expect(lines).toContain(`INFO  ${primary} received SIGTERM: draining 2 workers`)
    expect(lines.filter((l) => /\[worker 1 pid \d+\] server stopped/.test(l))).toHaveLength(1)
    expect(lines.filter((l) => /\[worker 2 pid \d+\] server stopped/.test(l))).toHaveLength(1)
  })

  test('a CTRL+C (SIGINT to the whole process group) drains a request in flight', {
    timeout: 30_000,
  }, async () => {
    const p = start([`${fixture('lifespan-gated.ts')}:immediate`, '--port', '0', '--workers', '2'])
    const url = await p.url
    await p.waitFor(/is serving/, 2)
    const pending = request(`${url}/until-sigterm`)
    await p.waitFor(/fixture: request in flight/)
    // As a terminal does: the primary and both workers get SIGINT. The workers must not count
    // the primary's SIGTERM as a second signal.
    process.kill(-p.child.pid!, 'SIGINT')
    const res = await pending
    expect(res.statusCode).toBe(200)
    expect(await res.body.text()).toBe('ok')
    expect(await p.exited).toBe(0)
    expect(p.stderr()).not.toContain('forcing exit')
  })

  test('every worker failing its startup: exit 3, no worker replaced', {
    timeout: 30_000,
  }, async () => {
    const p = start([`${fixture('failing-startup.ts')}:app`, '--port', '0', '--workers', '2'])
    expect(await p.exited).toBe(3)
    await p.closed
    expect(p.stderr()).toMatch(/failed before serving: lifespan startup failed \(exit code 3\)/)
    expect(p.stderr()).not.toContain('replacing it')
  })

  test('an app that cannot be loaded: exit 1 (not 0), no worker replaced', {
    timeout: 30_000,
  }, async () => {
    const p = start([fixture('missing.ts'), '--port', '0', '--workers', '2'])
    expect(await p.exited).toBe(1)
    await p.closed
    expect(p.stderr()).toMatch(/\[worker \d pid \d+\] cannot load .*missing\.ts: no such file/)
    expect(p.stderr()).toMatch(/failed before serving: the application could not be loaded/)
    expect(p.stderr()).not.toContain('replacing it')
  })

  test('the port is taken (EADDRINUSE): exit 2 instead of a crash loop', {
    timeout: 30_000,
  }, async () => {
    const taken: Server = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as { port: number }).port
    try {
      const p = start([fixture('hello.ts'), '--port', String(port), '--workers', '2'])
      expect(await p.exited).toBe(2)
      await p.closed
      expect(p.stderr()).toMatch(/cannot listen: .*EADDRINUSE/)
      expect(p.stderr()).toMatch(
        /failed before serving: bad options, or the address cannot be bound/,
      )
      expect(p.stderr()).not.toContain('replacing it')
    } finally {
      taken.close()
    }
  })

  test('a port out of range: exit 2 from the primary, before any worker', async () => {
    const p = start([fixture('hello.ts'), '--port', '70000', '--workers', '2'])
    expect(await p.exited).toBe(2)
    await p.closed
    expect(p.stderr()).toBe(
      'tsgi: invalid option --port: expected an integer from 0 to 65535, got 70000\n',
    )
  })
})

describe('--reload', () => {
  test('a CTRL+C (SIGINT to the whole process group) drains a request in flight', {
    timeout: 30_000,
  }, async () => {
    const p = start([`${fixture('lifespan-gated.ts')}:immediate`, '--port', '0', '--reload'])
    const url = await p.url
    const pending = request(`${url}/until-sigterm`)
    await p.waitFor(/fixture: request in flight/)
    process.kill(-p.child.pid!, 'SIGINT')
    const res = await pending
    expect(res.statusCode).toBe(200)
    expect(await p.exited).toBe(0)
    expect(p.stderr()).not.toContain('forcing exit')
  })

  test('restarts the server when a file changes', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-reload-'))
    try {
      const file = join(dir, 'app.mjs')
      cpSync(fixture('plain.mjs'), file)
      const p = start([file, '--port', '0', '--reload'])
      const url = await p.url
      expect(await (await request(`${url}/`)).body.text()).toBe('mjs')
      writeFileSync(file, readFileSync(file, 'utf8').replace("encode('mjs')", "encode('reloaded')"))
      // With --port 0 the new child picks another port: read its ready line.
      const text = await p.waitFor(/running on http:\/\/\S+/, 2)
      const next = [...text.matchAll(/running on (http:\/\/\S+)/g)].at(-1)![1]!
      expect(await (await request(`${next}/`)).body.text()).toBe('reloaded')
      p.child.kill('SIGTERM')
      expect(await p.exited).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
