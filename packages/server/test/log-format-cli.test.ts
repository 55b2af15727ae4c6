/** `tsgi --log-format json` and `--log-time` as processes: every line parsed, across --workers and --reload. */
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { type CliProcess, fixture, tsgi } from './cli-process.ts'

let running: CliProcess | undefined
afterEach(async () => {
  if (running && running.child.exitCode === null) {
    // The whole group: a primary or a supervisor killed alone would leave its children.
    try {
      process.kill(-running.child.pid!, 'SIGKILL')
    } catch {
      running.child.kill('SIGKILL')
    }
    await running.exited
  }
  running = undefined
})

function start(args: string[]): CliProcess {
  running = tsgi(args, { detached: true })
  return running
}

type Record = { [key: string]: unknown; level: number; time: number; pid: number; msg: string }

/** Every line of `text` as a JSON record: a line that is not JSON fails the test. */
function parseLines(text: string, label: string): Record[] {
  expect(text.endsWith('\n'), `${label} ends with a newline`).toBe(true)
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      try {
        return JSON.parse(line) as Record
      } catch {
        throw new Error(`${label} line is not JSON: ${line}`)
      }
    })
}

function find(records: Record[], pattern: RegExp): Record {
  const found = records.find((r) => pattern.test(r.msg))
  if (found === undefined) throw new Error(`no line matches ${pattern}: ${JSON.stringify(records)}`)
  return found
}

describe('--log-format json', () => {
  test('every stdout and stderr line is JSON: startup, access and shutdown lines', async () => {
    const before = Date.now()
    const p = start([fixture('hello.ts'), '--port', '0', '--log-format', 'json'])
    const url = await p.url
    const res = await request(`${url}/x?y=1`, { headers: { 'user-agent': 't' } })
    expect(await res.body.text()).toBe('hello from /x')
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
    await p.closed
    const after = Date.now()
    const err = parseLines(p.stderr(), 'stderr')
    const out = parseLines(p.stdout(), 'stdout')
    for (const r of [...err, ...out]) {
      expect(r.pid).toBe(p.child.pid)
      expect(r.time).toBeGreaterThanOrEqual(before)
      expect(r.time).toBeLessThanOrEqual(after)
      expect([20, 30, 40, 50]).toContain(r.level)
    }
    expect(find(err, /^tsgi running on http:\/\/127\.0\.0\.1:\d+ /)).toMatchObject({ level: 30 })
    expect(find(err, /^received SIGTERM: shutting down gracefully/)).toMatchObject({ level: 30 })
    expect(find(err, /^server stopped$/)).toMatchObject({ level: 30 })
    expect(out).toHaveLength(1)
    expect(out[0]).toMatchObject({
      level: 30,
      method: 'GET',
      path: '/x?y=1',
      httpVersion: '1.1',
      status: 200,
      bytes: 'hello from /x'.length,
      client: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      disconnected: false,
      duration: expect.any(Number),
      msg: expect.stringMatching(/"GET \/x\?y=1 HTTP\/1\.1" 200 13B/),
    })
  })

  test("an error line carries pino's err, with the stack; the exit code is kept", async () => {
    const p = start([fixture('broken.ts'), '--port', '0', '--log-format', 'json'])
    expect(await p.exited).toBe(1)
    await p.closed
    const failed = find(parseLines(p.stderr(), 'stderr'), /^cannot load /)
    expect(failed).toMatchObject({
      level: 50,
      err: { type: 'SyntaxError', stack: expect.stringContaining('broken.ts') },
    })
  })

  test('under --workers, the process is in fields: role and worker beside pid', {
    timeout: 30_000,
  }, async () => {
    const p = start([fixture('hello.ts'), '--port', '0', '--workers', '2', '--log-format', 'json'])
    const url = await p.url
    await p.waitFor(/is serving/, 2)
    const res = await request(`${url}/`)
    await res.body.text()
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
    await p.closed
    const err = parseLines(p.stderr(), 'stderr')
    const primary = err.filter((r) => r.role === 'primary')
    const workers = err.filter((r) => r.role === 'worker')
    expect(primary.every((r) => r.pid === p.child.pid && !('worker' in r))).toBe(true)
    expect(find(primary, /running on .* with 2 workers/)).toBeDefined()
    expect(new Set(workers.map((r) => r.worker))).toEqual(new Set([1, 2]))
    expect(workers.every((r) => r.pid !== p.child.pid)).toBe(true)
    expect(primary.length + workers.length).toBe(err.length)
    const [access] = parseLines(p.stdout(), 'stdout')
    expect(access).toMatchObject({ role: 'worker', worker: expect.any(Number), status: 200 })
  })

  test('the --reload supervisor writes JSON too', { timeout: 30_000 }, async () => {
    const p = start([fixture('hello.ts'), '--port', '0', '--reload', '--log-format', 'json'])
    await p.url
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
    await p.closed
    const err = parseLines(p.stderr(), 'stderr')
    // The supervisor's own line, then the child's (another process).
    expect(find(err, /^watching .* for changes$/).pid).toBe(p.child.pid)
    expect(find(err, /^tsgi running on /).pid).not.toBe(p.child.pid)
  })
})

describe('--log-time', () => {
  test('every text line, access lines included, starts with the UTC time', async () => {
    const before = Date.now()
    const p = start([fixture('hello.ts'), '--port', '0', '--log-time'])
    const url = await p.url
    await (await request(`${url}/t`)).body.text()
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
    await p.closed
    const after = Date.now()
    const stamped = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$/
    const lines = [...p.stderr().trimEnd().split('\n'), ...p.stdout().trimEnd().split('\n')]
    for (const line of lines) {
      const m = stamped.exec(line)
      expect(m, line).not.toBe(null)
      const time = Date.parse(m![1]!)
      expect(time).toBeGreaterThanOrEqual(before)
      expect(time).toBeLessThanOrEqual(after)
    }
    expect(p.stderr()).toMatch(/Z INFO {2}tsgi running on /)
    expect(p.stdout()).toMatch(/^\S+Z 127\.0\.0\.1:\d+ - "GET \/t HTTP\/1\.1" 200 /)
  })
})
