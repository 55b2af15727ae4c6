/** `--workers` and `--reload`, as processes. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { type CliProcess, fixture, tsgi } from './cli-process.ts'

let running: CliProcess | undefined
afterEach(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill('SIGKILL')
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

describe('--workers', () => {
  test('serves from several processes, replaces a killed worker, drains on SIGTERM', {
    timeout: 30_000,
  }, async () => {
    running = tsgi([fixture('hello.ts'), '--port', '0', '--workers', '2', '--no-access-log'])
    const url = await running.url
    expect(running.stderr()).toMatch(/with 2 workers/)
    // Wait until both workers serve: killing the only listening one would close the shared
    // handle, and with --port 0 the next listener gets another port.
    let first = await pids(url, 10)
    for (let i = 0; i < 50 && first.size < 2; i++) {
      await new Promise((r) => setTimeout(r, 100))
      first = await pids(url, 10)
    }
    expect(first.size).toBe(2)
    const victim = [...first][0]!
    process.kill(victim, 'SIGKILL')
    // The replacement appears and serves.
    const deadline = Date.now() + 15_000
    let replaced = false
    while (!replaced && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200))
      replaced = /replacing it/.test(running.stderr())
    }
    expect(replaced).toBe(true)
    const after = await pids(url, 10)
    expect(after.has(victim)).toBe(false)
    running.child.kill('SIGTERM')
    expect(await running.exited).toBe(0)
  })

  test('every worker failing its startup: exit 3', { timeout: 30_000 }, async () => {
    running = tsgi([`${fixture('failing-startup.ts')}:app`, '--port', '0', '--workers', '2'])
    expect(await running.exited).toBe(3)
    expect(running.stderr()).toMatch(/every worker failed its startup/)
  })
})

describe('--reload', () => {
  test('restarts the server when a file changes', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-reload-'))
    try {
      const file = join(dir, 'app.mjs')
      cpSync(fixture('plain.mjs'), file)
      running = tsgi([file, '--port', '0', '--reload'])
      const url = await running.url
      // Fixed port after restart? With --port 0 the child picks a new one: read the new line.
      expect(await (await request(`${url}/`)).body.text()).toBe('mjs')
      writeFileSync(file, readFileSync(file, 'utf8').replace("encode('mjs')", "encode('reloaded')"))
      const deadline = Date.now() + 15_000
      let next: string | undefined
      while (next === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200))
        const urls = [...running.stderr().matchAll(/running on (http:\/\/\S+)/g)].map((m) => m[1]!)
        if (urls.length >= 2) next = urls.at(-1)
      }
      expect(next).toBeDefined()
      expect(await (await request(`${next}/`)).body.text()).toBe('reloaded')
      running.child.kill('SIGTERM')
      expect(await running.exited).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
