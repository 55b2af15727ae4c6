/** The log formats: text (with or without the time) and JSON lines, unit by unit and over a socket. */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Application } from '@tsgi/protocol'
import { describe, expect, test, vi } from 'vitest'
import {
  createLogger,
  createRequestListener,
  type LoggerOptions,
  ServerError,
  ServerErrorCode,
  serve,
} from '../src/index.ts'
import { type AccessEntry, formatAccessLine, isoClock, JSON_LEVEL } from '../src/logging/format.ts'

function sinks() {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
  }
}

function logger(options: LoggerOptions) {
  const s = sinks()
  return { ...s, logger: createLogger({ ...options, stdout: s.stdout, stderr: s.stderr }) }
}

const turn = () => new Promise((r) => setImmediate(r))

const ENTRY: AccessEntry = {
  client: '127.0.0.1:51234',
  method: 'GET',
  path: '/items?id=1',
  httpVersion: '1.1',
  status: 200,
  bytes: 17,
  duration: 0.4321,
  disconnected: false,
}

/** Every chunk written, split into lines, each parsed as JSON (throws on a line that is not). */
function records(chunks: string[]): Array<Record<string, unknown>> {
  const text = chunks.join('')
  expect(text.endsWith('\n')).toBe(true)
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe('formatAccessLine', () => {
  test('the text access line, with - for what is unknown', () => {
    expect(formatAccessLine(ENTRY)).toBe(
      '127.0.0.1:51234 - "GET /items?id=1 HTTP/1.1" 200 17B 0.4ms',
    )
    expect(
      formatAccessLine({ ...ENTRY, client: null, status: null, disconnected: true, duration: 12 }),
    ).toBe('- - "GET /items?id=1 HTTP/1.1" - 17B 12.0ms (client disconnected)')
  })
})

describe('text format', () => {
  test('without logTime, lines are exactly as before: no timestamp', async () => {
    const s = logger({})
    s.logger.info('ready')
    s.logger.access(formatAccessLine(ENTRY), ENTRY)
    await turn()
    expect(s.err).toEqual(['INFO  ready\n'])
    expect(s.out).toEqual([`${formatAccessLine(ENTRY)}\n`])
  })

  test('with time, every line starts with the UTC time, access lines included', async () => {
    const s = logger({ time: true, prefix: '[worker 2 pid 7]' })
    const before = Date.now()
    s.logger.warn('careful')
    s.logger.error('failed', new Error('boom'))
    s.logger.access('a line')
    await turn()
    const after = Date.now()
    const stamp = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) /
    for (const line of [...s.err, ...s.out]) {
      const time = Date.parse(stamp.exec(line)?.[1] ?? '')
      expect(time).toBeGreaterThanOrEqual(before)
      expect(time).toBeLessThanOrEqual(after)
    }
    expect(s.err[0]).toMatch(/^\S+ WARN {2}\[worker 2 pid 7\] careful\n$/)
    expect(s.err[1]).toMatch(/^\S+ ERROR \[worker 2 pid 7\] failed\nError: boom\n\s+at /)
    expect(s.out).toEqual([expect.stringMatching(/^\S+Z a line\n$/)])
  })

  test('the clock formats each millisecond once, and a new one anew', () => {
    const clock = isoClock()
    expect(clock(0)).toBe('1970-01-01T00:00:00.000Z')
    expect(clock(0)).toBe(clock(0))
    expect(clock(1_800_000_000_123)).toBe('2027-01-15T08:00:00.123Z')
  })

  test('fields are JSON only: text lines keep their prefix and nothing else', () => {
    const s = logger({ fields: { role: 'primary' } })
    s.logger.info('x')
    expect(s.err).toEqual(['INFO  x\n'])
  })
})

describe('json format', () => {
  test('one object per line with pino field names: level, time, pid, msg', () => {
    const s = logger({ format: 'json', level: 'debug' })
    const before = Date.now()
    s.logger.debug('d')
    s.logger.info('i')
    s.logger.warn('w')
    s.logger.error('e')
    const lines = records(s.err)
    expect(lines.map((r) => [r.level, r.msg])).toEqual([
      [20, 'd'],
      [30, 'i'],
      [40, 'w'],
      [50, 'e'],
    ])
    for (const r of lines) {
      expect(Object.keys(r)).toEqual(['level', 'time', 'pid', 'msg'])
      expect(r.pid).toBe(process.pid)
      expect(r.time).toBeGreaterThanOrEqual(before)
      expect(r.time).toBeLessThanOrEqual(Date.now())
    }
    expect(JSON_LEVEL).toEqual({ debug: 20, info: 30, warn: 40, error: 50 })
  })

  test("an error is pino's err object; a message with newlines and quotes stays on one line", () => {
    const s = logger({ format: 'json' })
    const boom = new TypeError('boom')
    s.logger.error('failed\n"twice"', boom)
    s.logger.error('odd', 42)
    expect(s.err).toHaveLength(2)
    expect(s.err.every((chunk) => chunk.indexOf('\n') === chunk.length - 1)).toBe(true)
    const [failed, odd] = records(s.err)
    expect(failed).toMatchObject({
      level: 50,
      msg: 'failed\n"twice"',
      err: { type: 'TypeError', message: 'boom', stack: boom.stack },
    })
    expect(odd).toMatchObject({ msg: 'odd', err: { type: 'number', message: '42' } })
  })

  test('access lines: the text line as msg, then each field; still one write per turn', async () => {
    const s = logger({ format: 'json', fields: { role: 'worker', worker: 2 } })
    s.logger.access(formatAccessLine(ENTRY), ENTRY)
    s.logger.access('no entry')
    expect(s.out).toEqual([])
    await turn()
    expect(s.out).toHaveLength(1)
    const [access, bare] = records(s.out)
    expect(access).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      role: 'worker',
      worker: 2,
      msg: formatAccessLine(ENTRY),
      client: '127.0.0.1:51234',
      method: 'GET',
      path: '/items?id=1',
      httpVersion: '1.1',
      status: 200,
      bytes: 17,
      duration: 0.432,
      disconnected: false,
    })
    expect(bare).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      role: 'worker',
      worker: 2,
      msg: 'no entry',
    })
    const s2 = logger({ format: 'json' })
    s2.logger.access('x', { ...ENTRY, client: null, status: null, path: '/a"b\\c' })
    await turn()
    expect(records(s2.out)[0]).toMatchObject({ client: null, status: null, path: '/a"b\\c' })
  })

  test('duration: milliseconds to the microsecond, a valid JSON number whatever its size', async () => {
    const s = logger({ format: 'json' })
    const durations = [0, 0.0004, 0.0016, 0.05, 12, 1234.5678, 86_400_000.1234]
    for (const duration of durations) s.logger.access('x', { ...ENTRY, duration })
    await turn()
    expect(records(s.out).map((r) => r.duration)).toEqual([
      0, 0, 0.002, 0.05, 12, 1234.568, 86_400_000.123,
    ])
    expect(s.out.join('')).toContain('"duration":0.050,')
  })

  test('time is the epoch millisecond of each line, also when lines share one', () => {
    const s = logger({ format: 'json' })
    const before = Date.now()
    for (let i = 0; i < 50; i++) s.logger.info(String(i))
    const times = records(s.err).map((r) => r.time as number)
    expect(times.every((t, i) => t >= before && t <= Date.now() && t >= (times[i - 1] ?? 0))).toBe(
      true,
    )
  })

  test('levels and accessLog filter JSON lines as they do text', async () => {
    const s = logger({ format: 'json', level: 'warn' })
    s.logger.info('hidden')
    s.logger.access('hidden')
    const off = logger({ format: 'json', accessLog: false })
    off.logger.access('hidden')
    await turn()
    expect([...s.err, ...s.out, ...off.out]).toEqual([])
  })

  test('an unknown format is an option error', () => {
    const make = () => createLogger({ format: 'xml' as 'json' })
    expect(make).toThrow(ServerError)
    expect(make).toThrow(
      expect.objectContaining({ code: ServerErrorCode.badOption, option: 'format' }),
    )
    expect(make).toThrow('invalid option format: expected text or json, got "xml"')
  })
})

describe('over a socket', () => {
  const app: Application = async (scope, _receive, send) => {
    if (scope.type !== 'http') return
    await send({ type: 'http.response.start', status: 201 })
    await send({ type: 'http.response.body', body: new TextEncoder().encode('made') })
  }

  test('serve() and createRequestListener build their default logger from logFormat and logTime', async () => {
    const written: string[] = []
    const capture = (chunk: unknown) => {
      written.push(String(chunk))
      return true
    }
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture)
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture)
    try {
      const server = await serve(app, { port: 0, lifespan: 'off', logFormat: 'json' })
      await (await fetch(`${server.url}/served`)).text()
      await server.close()
      const listener = createServer(
        createRequestListener(app, { accessLog: true, logTime: true }),
      ).listen(0, '127.0.0.1')
      await once(listener, 'listening')
      const { port } = listener.address() as AddressInfo
      await (await fetch(`http://127.0.0.1:${port}/listened`)).text()
      listener.close()
      await once(listener, 'close')
      await turn()
    } finally {
      err.mockRestore()
      out.mockRestore()
    }
    const text = written.join('')
    expect(text).toMatch(/^\{"level":30,"time":\d+,"pid":\d+,"msg":"tsgi running on /m)
    expect(text).toMatch(/^\{"level":30,.*"path":"\/served",.*"status":201,/m)
    expect(text).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z 127\.0\.0\.1:\d+ - "GET \/listened HTTP\/1\.1" 201 /m,
    )
  })

  test('the server passes each request as an entry: the JSON access line has its fields', async () => {
    const s = sinks()
    const log = createLogger({ format: 'json', stdout: s.stdout, stderr: s.stderr })
    const server = await serve(app, { port: 0, lifespan: 'off', logger: log })
    const res = await fetch(`${server.url}/things?x="1"`, { method: 'POST', body: 'hi' })
    expect(await res.text()).toBe('made')
    await server.close()
    await turn()
    const [access] = records(s.out)
    expect(access).toMatchObject({
      level: 30,
      method: 'POST',
      path: '/things?x=%221%22',
      httpVersion: '1.1',
      status: 201,
      bytes: 4,
      disconnected: false,
      client: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    })
    expect(access!.duration).toBeGreaterThan(0)
    expect(access!.msg).toMatch(/"POST \/things\?x=%221%22 HTTP\/1\.1" 201 4B/)
    expect(records(s.err).map((r) => r.msg)).toContain('server stopped')
  })
})
