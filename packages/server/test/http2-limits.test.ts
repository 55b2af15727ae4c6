/**
 * The session limits of src/http2/limits.ts and the session policy of src/http2/sessions.ts,
 * against hostile peers written with raw frames (h2-frames.ts): each flood ends the session
 * that sent it (or the stream), and the server keeps serving other sessions.
 */
import { once } from 'node:events'
import {
  createServer,
  type Http2Server,
  connect as h2connect,
  type ServerHttp2Stream,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { type Http2Limits, http2Limits, http2ServerOptions } from '../src/http2/limits.ts'
import { LINGER_MS, type SessionSet, trackSessions } from '../src/http2/sessions.ts'
import {
  continuation,
  ErrorCode,
  errorCodeOf,
  type Frame,
  FrameType,
  getBlock,
  H2Wire,
  headerBlock,
  headers,
  rstStream,
  settings,
} from './h2-frames.ts'
import { until } from './helpers.ts'

interface Bare {
  server: Http2Server
  port: number
  sessions: SessionSet
  /** Streams the handler saw, by path. */
  calls: string[]
  /** The regular fields (names and values, flat) of each stream the handler saw, by path. */
  fields: Map<string, string[]>
  /** Streams held open by `/hold`, until the test ends them. */
  held: ServerHttp2Stream[]
}

let bare: Bare | undefined
const wires: H2Wire[] = []
afterEach(async () => {
  for (const wire of wires.splice(0)) wire.close()
  if (bare === undefined) return
  const b = bare
  bare = undefined
  b.sessions.destroyAll()
  await new Promise((resolve) => b.server.close(resolve))
})

/** A bare node:http2 server with `limits`: `/hold` keeps its stream open, anything else is `ok`. */
async function start(overrides: Partial<Http2Limits> = {}): Promise<Bare> {
  const limits = http2Limits(overrides)
  const server = createServer(http2ServerOptions(limits))
  const sessions = trackSessions(server, limits.idleTimeoutMs)
  const calls: string[] = []
  const held: ServerHttp2Stream[] = []
  const fields = new Map<string, string[]>()
  server.on('stream', (stream, head, _flags, raw: string[]) => {
    const path = String(head[':path'])
    calls.push(path)
    fields.set(
      path,
      raw.filter((_, i) => !raw[i - (i % 2)]!.startsWith(':')),
    )
    stream.on('error', () => {})
    stream.respond({ ':status': 200 })
    if (path === '/hold') held.push(stream)
    else stream.end('ok')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  bare = { server, port: (server.address() as AddressInfo).port, sessions, calls, fields, held }
  return bare
}

/** A raw connection that has sent its preface and SETTINGS, and acknowledged the server's. */
async function wire(port: number): Promise<H2Wire> {
  const w = await H2Wire.connect(port)
  wires.push(w)
  await w.start()
  // Local settings (the header list size among them) bind only once acknowledged.
  await w.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & 1) === 0, 'SETTINGS')
  await w.write(settings([], true))
  return w
}

const isGoaway = (f: Frame) => f.type === FrameType.GOAWAY
const rstOn = (id: number) => (f: Frame) => f.type === FrameType.RST_STREAM && f.streamId === id
const headersOn = (id: number) => (f: Frame) => f.type === FrameType.HEADERS && f.streamId === id

/** A GET over node:http2's client on a new session: the server still serves others. */
async function otherSession(port: number): Promise<string> {
  const session = h2connect(`http://127.0.0.1:${port}`)
  try {
    const stream = session.request({ ':path': '/other' })
    let text = ''
    stream.setEncoding('utf8')
    stream.on('data', (c: string) => (text += c))
    await once(stream, 'end')
    return text
  } finally {
    session.close()
  }
}

describe('rapid reset (CVE-2023-44487)', () => {
  test('with the defaults, a flood of HEADERS + RST_STREAM ends that session with GOAWAY', async () => {
    const { port } = await start()
    const w = await wire(port)
    const flood: Buffer[] = []
    for (let id = 1; id < 2 * 3000; id += 2)
      flood.push(headers(id, getBlock('/flood')), rstStream(id))
    await w.write(...flood)
    const goaway = await w.waitFor(isGoaway, 'GOAWAY')
    expect(errorCodeOf(goaway)).toBe(ErrorCode.INTERNAL_ERROR)
    await w.closedByServer()
    expect(await otherSession(port)).toBe('ok')
  })

  test('streamResetBurst / streamResetRate are the bound: 40 resets pass the default, not 10 at 1/s', async () => {
    const flood: Buffer[] = []
    for (let id = 1; id < 2 * 40; id += 2)
      flood.push(headers(id, getBlock('/flood')), rstStream(id))
    const loose = await start()
    const ok = await wire(loose.port)
    await ok.write(...flood, headers(81, getBlock('/after')))
    await ok.waitFor(headersOn(81), 'the response after 40 resets')
    expect(ok.frames.some(isGoaway)).toBe(false)
    loose.sessions.destroyAll()
    await new Promise((resolve) => loose.server.close(resolve))
    bare = undefined
    const tight = await start({ streamResetBurst: 10, streamResetRate: 1 })
    const w = await wire(tight.port)
    await w.write(...flood, headers(81, getBlock('/after')))
    expect(errorCodeOf(await w.waitFor(isGoaway, 'GOAWAY'))).toBe(ErrorCode.INTERNAL_ERROR)
    await w.closedByServer()
    expect(w.frames.some(headersOn(81))).toBe(false)
    expect(await otherSession(tight.port)).toBe('ok')
  })
})

describe('CONTINUATION flood (CVE-2024-27983, CVE-2024-28182)', () => {
  test('a header block continued past 8 CONTINUATION frames ends the session with GOAWAY', async () => {
    const { port, calls } = await start()
    const w = await wire(port)
    const out = [headers(1, getBlock('/c'), true, false)]
    for (let i = 0; i < 50; i++) out.push(continuation(1, headerBlock([[`x-${i}`, 'v']])))
    await w.write(...out)
    expect(errorCodeOf(await w.waitFor(isGoaway, 'GOAWAY'))).toBe(ErrorCode.INTERNAL_ERROR)
    await w.closedByServer()
    expect(calls).toEqual([])
    expect(await otherSession(port)).toBe('ok')
  })

  test('8 CONTINUATION frames are a request like any other', async () => {
    const { port, calls } = await start()
    const w = await wire(port)
    const out = [headers(1, getBlock('/c8'), true, false)]
    for (let i = 0; i < 8; i++) out.push(continuation(1, headerBlock([[`x-${i}`, 'v']]), i === 7))
    await w.write(...out)
    await w.waitFor(headersOn(1), 'the response')
    expect(calls).toEqual(['/c8'])
  })
})

describe('header limits: the stream is refused, the session lives on', () => {
  test('a header list over maxHeaderListSize: RST_STREAM ENHANCE_YOUR_CALM, no 431', async () => {
    const { port, calls } = await start({ maxHeaderListSize: 4096 })
    const w = await wire(port)
    await w.write(headers(1, getBlock('/big', [['x-big', 'a'.repeat(5000)]])))
    expect(errorCodeOf(await w.waitFor(rstOn(1), 'RST_STREAM'))).toBe(ErrorCode.ENHANCE_YOUR_CALM)
    await w.write(headers(3, getBlock('/after')))
    await w.waitFor(headersOn(3), 'the next response')
    expect(calls).toEqual(['/after'])
    expect(w.frames.some(headersOn(1))).toBe(false)
  })

  test('more fields than maxHeaderListPairs: RST_STREAM ENHANCE_YOUR_CALM', async () => {
    const { port, calls } = await start({ maxHeaderListPairs: 16 })
    const w = await wire(port)
    const many = Array.from({ length: 20 }, (_, i) => [`x-${i}`, 'v'] as const)
    await w.write(headers(1, getBlock('/many', many)), headers(3, getBlock('/after')))
    expect(errorCodeOf(await w.waitFor(rstOn(1), 'RST_STREAM'))).toBe(ErrorCode.ENHANCE_YOUR_CALM)
    await w.waitFor(headersOn(3), 'the next response')
    expect(calls).toEqual(['/after'])
  })

  // The server does not check the characters of names again (src/http2/request-head.ts):
  // an uppercase name must be reset here, by nghttp2, for it never to reach an app.
  test('a connection-specific field, an uppercase name, TE other than trailers, a bad content-length: malformed, reset with PROTOCOL_ERROR', async () => {
    const { port, calls } = await start()
    const w = await wire(port)
    const malformed: Array<[string, string]> = [
      ['connection', 'close'],
      ['X-Upper', 'a'],
      ['te', 'gzip'],
      ['content-length', '1x'],
    ]
    const frames = malformed.map(([name, value], i) =>
      headers(1 + 2 * i, getBlock(`/bad${i}`, [[name, value]])),
    )
    await w.write(...frames, headers(1 + 2 * malformed.length, getBlock('/ok')))
    for (let i = 0; i < malformed.length; i++) {
      const rst = await w.waitFor(rstOn(1 + 2 * i), `RST_STREAM for ${malformed[i]![0]}`)
      expect(errorCodeOf(rst), malformed[i]![0]).toBe(ErrorCode.PROTOCOL_ERROR)
    }
    await w.waitFor(headersOn(1 + 2 * malformed.length), 'the next response')
    expect(calls).toEqual(['/ok'])
  })

  // RFC 9113 §8.2.1 makes such a request malformed; nghttp2 (node does not set its
  // on_invalid_header callback) drops the field instead and the request goes on without it.
  // Known gap, node's (README "HTTP/2"): no field of these ever reaches the server's checks.
  test('a field with an invalid name or value is dropped by nghttp2, and the request served without it', async () => {
    const { port, calls, fields } = await start()
    const w = await wire(port)
    const invalid: Array<[string, string]> = [
      ['x y', 'space in the name'],
      ['x:y', 'colon in the name'],
      ['x\x7f', 'DEL in the name'],
      ['x\xe9', 'byte above 0x7e in the name'],
      ['x-nul', 'a\x00b'],
      ['x-cr', 'a\rb'],
      ['x-lf', 'a\nb'],
      ['x-ctl', 'a\x01b'],
      ['x-lead', ' leading space'],
      ['x-trail', 'trailing tab\t'],
    ]
    const frames = invalid.map(([name, value], i) =>
      headers(
        1 + 2 * i,
        getBlock(`/f${i}`, [
          ['x-kept', 'yes'],
          [name, value],
        ]),
      ),
    )
    await w.write(...frames)
    for (let i = 0; i < invalid.length; i++) await w.waitFor(headersOn(1 + 2 * i), `response ${i}`)
    expect(calls).toEqual(invalid.map((_, i) => `/f${i}`))
    for (let i = 0; i < invalid.length; i++)
      expect(fields.get(`/f${i}`), JSON.stringify(invalid[i])).toEqual(['x-kept', 'yes'])
  })
})

describe('streams and sessions', () => {
  test('a stream over the acknowledged maxConcurrentStreams ends the session (GOAWAY PROTOCOL_ERROR)', async () => {
    // RFC 9113 §5.1.2 allows a stream or a connection error; nghttp2 refuses the stream
    // (REFUSED_STREAM) only while the limit is not yet acknowledged, then ends the session.
    const { port, calls, held } = await start({ maxConcurrentStreams: 2 })
    const w = await wire(port)
    await w.write(
      headers(1, getBlock('/hold')),
      headers(3, getBlock('/hold')),
      headers(5, getBlock('/hold')),
    )
    expect(errorCodeOf(await w.waitFor(isGoaway, 'GOAWAY'))).toBe(ErrorCode.PROTOCOL_ERROR)
    expect(calls).toEqual(['/hold', '/hold'])
    for (const stream of held) stream.end()
    expect(await otherSession(port)).toBe('ok')
  })

  test('before the SETTINGS are acknowledged, a stream over the limit is refused alone', async () => {
    const { port, calls, held } = await start({ maxConcurrentStreams: 2 })
    const w = await H2Wire.connect(port)
    wires.push(w)
    await w.start()
    await w.write(
      headers(1, getBlock('/hold')),
      headers(3, getBlock('/hold')),
      headers(5, getBlock('/hold')),
    )
    expect(errorCodeOf(await w.waitFor(rstOn(5), 'RST_STREAM'))).toBe(ErrorCode.REFUSED_STREAM)
    await until(() => held.length === 2)
    expect(calls).toEqual(['/hold', '/hold'])
    expect(w.frames.some(isGoaway)).toBe(false)
    for (const stream of held) stream.end()
  })

  test('a session idle for idleTimeoutMs gets GOAWAY NO_ERROR; one with an open stream does not', async () => {
    const { port, held } = await start({ idleTimeoutMs: 150 })
    const busy = await wire(port)
    await busy.write(headers(1, getBlock('/hold'), false))
    await until(() => held.length === 1)
    const idle = await wire(port)
    expect(errorCodeOf(await idle.waitFor(isGoaway, 'GOAWAY'))).toBe(ErrorCode.NO_ERROR)
    await idle.closedByServer()
    // `busy` was opened first and has been silent as long: its open stream keeps it.
    expect(busy.isClosed).toBe(false)
    expect(busy.frames.some(isGoaway)).toBe(false)
    held[0]!.end('done')
    // Its last stream closed: the idle count starts again, and ends it.
    expect(errorCodeOf(await busy.waitFor(isGoaway, 'GOAWAY'))).toBe(ErrorCode.NO_ERROR)
  })

  test("streams one after another never touch node:http2's session timeout", async () => {
    const { server, port } = await start({ idleTimeoutMs: 60_000 })
    let calls = 0
    server.on('session', (session) => {
      const setTimeout = session.setTimeout.bind(session)
      session.setTimeout = (ms: number, callback?: () => void) => {
        calls++
        return setTimeout(ms, callback)
      }
    })
    const session = h2connect(`http://127.0.0.1:${port}`)
    try {
      for (let i = 0; i < 5; i++) {
        const stream = session.request({ ':path': `/one-at-a-time/${i}` })
        stream.resume()
        await once(stream, 'close')
      }
    } finally {
      session.close()
    }
    // Disarming and re-arming it around each stream was a measured cost of every request.
    expect(calls).toBe(0)
  })

  test('a header block left unfinished (slowloris over h2) is ended by the idle timeout', async () => {
    const { port, calls } = await start({ idleTimeoutMs: 150 })
    const w = await wire(port)
    await w.write(headers(1, getBlock('/slow'), true, false))
    expect(errorCodeOf(await w.waitFor(isGoaway, 'GOAWAY'))).toBe(ErrorCode.NO_ERROR)
    await w.closedByServer()
    expect(calls).toEqual([])
  })

  test('closeAll: GOAWAY NO_ERROR, the stream in flight finishes, a new one is not served', async () => {
    const { port, calls, held, sessions } = await start()
    const w = await wire(port)
    await w.write(headers(1, getBlock('/hold')))
    await until(() => held.length === 1)
    const closed = sessions.closeAll()
    const goaway = await w.waitFor(isGoaway, 'GOAWAY')
    expect(errorCodeOf(goaway)).toBe(ErrorCode.NO_ERROR)
    expect(goaway.payload.readUInt32BE(0) & 0x7fffffff).toBe(1)
    await w.write(headers(3, getBlock('/late')))
    held[0]!.end('finished')
    await closed
    await w.closedByServer()
    const data = w.frames.filter((f) => f.type === FrameType.DATA && f.streamId === 1)
    expect(Buffer.concat(data.map((f) => f.payload)).toString()).toBe('finished')
    expect(calls).toEqual(['/hold'])
    expect(sessions.size).toBe(0)
  })

  test('closeAll does not wait for a header block that is never finished', async () => {
    const { port, calls, sessions, server } = await start()
    let serverSide: { bytesRead: number } | undefined
    server.once('session', (session) => (serverSide = session.socket))
    const w = await wire(port)
    await w.write(headers(1, getBlock('/slow'), true, false))
    // The server has read the unfinished block: nghttp2 holds a stream JavaScript never sees.
    await until(() => serverSide !== undefined && serverSide.bytesRead >= w.socket.bytesWritten)
    const started = performance.now()
    // Resolves once the lingering session is destroyed (LINGER_MS), not at a shutdown deadline.
    await sessions.closeAll()
    expect(performance.now() - started).toBeGreaterThanOrEqual(LINGER_MS - 50)
    expect(errorCodeOf(await w.waitFor(isGoaway, 'GOAWAY'))).toBe(ErrorCode.NO_ERROR)
    await w.closedByServer()
    expect(calls).toEqual([])
  })

  test('destroyAll (the shutdown deadline): GOAWAY CANCEL and the socket closes', async () => {
    const { port, held, sessions } = await start()
    const w = await wire(port)
    await w.write(headers(1, getBlock('/hold')))
    await until(() => held.length === 1)
    sessions.destroyAll()
    expect(errorCodeOf(await w.waitFor(isGoaway, 'GOAWAY'))).toBe(ErrorCode.CANCEL)
    await w.closedByServer()
  })
})
