/**
 * SPEC §5 per h2 stream, over real sockets: the held start becomes a 500, the app's failure
 * after the start resets that stream only (the session and its other streams live on), a
 * client's RST_STREAM is that stream's `http.disconnect`, Content-Length is enforced, and flow
 * control is the backpressure both ways; rapid resets never start an application.
 */
import diagnostics from 'node:diagnostics_channel'
import type { ClientHttp2Session, ServerHttp2Stream } from 'node:http2'
import {
  ClientDisconnectedError,
  type HTTPIncomingEvent,
  type HTTPScope,
  type SendEvent,
} from '@tsgi/protocol'
import { afterEach, describe, expect, test } from 'vitest'
import { h2Request, TestSessions } from './h2-client.ts'
import {
  type Frame,
  FrameType,
  frame,
  getBlock,
  H2Wire,
  headerBlock,
  headers,
  rstStream,
} from './h2-frames.ts'
import { startServer, type TestServer, text, until } from './helpers.ts'

const INTERNAL_ERROR = 2
let server: TestServer | undefined
const sessions = new TestSessions()
afterEach(async () => {
  sessions.destroyAll()
  await server?.close()
  server = undefined
})

const h2 = (): ClientHttp2Session => sessions.open(server!.url)

/** Resolves after `n` PING round trips: every frame sent before them has been processed. */
async function settle(session: ClientHttp2Session, n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => session.ping(resolve))
}

/** An application of HTTP scopes only. */
type HTTPApp = (
  scope: HTTPScope,
  receive: () => Promise<HTTPIncomingEvent>,
  send: (event: SendEvent) => Promise<void>,
) => Promise<void>

/** `/ok` answers `ok`; other paths run `behaviour`. */
async function serveWith(behaviour: HTTPApp, options = {}): Promise<TestServer> {
  server = await startServer(
    async (scope, receive, send) => {
      if (scope.type !== 'http') return
      if (scope.path === '/ok') {
        await send({ type: 'http.response.start', status: 200 })
        await send({ type: 'http.response.body', body: text('ok') })
        return
      }
      await behaviour(scope, receive as () => Promise<HTTPIncomingEvent>, send)
    },
    { http2: true, ...options },
  )
  return server
}

describe('faults on one stream stay on that stream', () => {
  test('a start held when the app returns becomes a 500', async () => {
    await serveWith(async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 201 })
    })
    const answer = await h2Request(h2(), { ':path': '/held' })
    expect(answer.status).toBe(500)
    expect(answer.body.toString()).toBe('Internal Server Error')
    expect(server!.logger.lines.map((l) => l.message).join('\n')).toMatch(
      /returned after http.response.start/,
    )
  })

  test('a throw after the head resets that stream (INTERNAL_ERROR); the session serves on', async () => {
    await serveWith(async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: text('partial'), moreBody: true })
      throw new Error('boom')
    })
    const session = h2()
    const [broken, fine] = await Promise.all([
      h2Request(session, { ':path': '/boom' }),
      h2Request(session, { ':path': '/ok' }),
    ])
    expect(broken).toMatchObject({ status: 200, rstCode: INTERNAL_ERROR, complete: false })
    expect(fine).toMatchObject({ status: 200, complete: true })
    expect(fine.body.toString()).toBe('ok')
    expect(session.destroyed).toBe(false)
    expect((await h2Request(session, { ':path': '/ok' })).status).toBe(200)
  })

  test('a throw before the start answers 500 on that stream', async () => {
    await serveWith(async () => {
      throw new Error('early')
    })
    const answer = await h2Request(h2(), { ':path': '/early' })
    expect(answer.status).toBe(500)
  })

  test('a Content-Length shortfall resets the stream after what was sent; excess before the head is a 500', async () => {
    await serveWith(async (scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '10']] })
      const body = text(scope.path === '/short' ? 'abc' : 'abcdefghijklmnop')
      await send({ type: 'http.response.body', body }).catch(() => {})
    })
    const session = h2()
    const short = await h2Request(session, { ':path': '/short' })
    expect(short).toMatchObject({ status: 200, rstCode: INTERNAL_ERROR, complete: false })
    expect(short.body.toString()).toBe('abc')
    const long = await h2Request(session, { ':path': '/long' })
    expect(long).toMatchObject({ status: 500, complete: true })
    expect((await h2Request(session, { ':path': '/ok' })).status).toBe(200)
  })

  test.each([
    ['CANCEL', 8],
    ['INTERNAL_ERROR', 2],
  ])(
    "a client's RST_STREAM (%s) is http.disconnect for that stream, send() then rejects",
    async (_name, code) => {
      const seen: Array<HTTPIncomingEvent | string> = []
      let reset!: () => void
      const started = new Promise<void>((resolve) => {
        reset = resolve
      })
      await serveWith(async (_scope, receive, send) => {
        await send({ type: 'http.response.start', status: 200 })
        await send({ type: 'http.response.body', body: text('first'), moreBody: true })
        reset()
        seen.push(await receive()) // the (empty) request body
        seen.push(await receive()) // waits for the end: the reset
        await send({ type: 'http.response.body', body: text('late'), moreBody: true }).catch(
          (error) =>
            seen.push(error instanceof ClientDisconnectedError ? 'rejected' : String(error)),
        )
      })
      const session = h2()
      const stream = session.request({ ':path': '/reset' })
      stream.on('error', () => {})
      stream.end()
      await started
      stream.close(code)
      await until(() => seen.length === 3)
      expect(seen[1]).toEqual({ type: 'http.disconnect' })
      expect(seen[2]).toBe('rejected')
      expect((await h2Request(session, { ':path': '/ok' })).status).toBe(200)
    },
  )

  test('receive() after the response is complete yields http.disconnect', async () => {
    let after: HTTPIncomingEvent | undefined
    await serveWith(async (_scope, receive, send) => {
      await receive()
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: text('done') })
      after = await receive()
    })
    expect((await h2Request(h2(), { ':path': '/done' })).body.toString()).toBe('done')
    await until(() => after !== undefined)
    expect(after).toEqual({ type: 'http.disconnect' })
  })

  test("a closed stream keeps no listener of the exchange's (nothing of the request stays reachable from it)", async () => {
    // node keeps a closed stream's listeners; the exchange's own must not outlive the close.
    const streams: ServerHttp2Stream[] = []
    const created = ({ stream }: { stream: ServerHttp2Stream }) => streams.push(stream)
    diagnostics.subscribe('http2.server.stream.created', created as (m: unknown) => void)
    let during: unknown[] = []
    try {
      await serveWith(async (_scope, _receive, send) => {
        // Once the app runs, the exchange listens for the stream's close.
        during = streams[0]!.listeners('close')
        await send({ type: 'http.response.start', status: 200 })
        await send({ type: 'http.response.body', body: text('x') })
      })
      expect((await h2Request(h2(), { ':path': '/x' })).body.toString()).toBe('x')
      // 'close' is emitted on the tick after the stream is destroyed: wait past it.
      await until(() => streams[0]?.destroyed === true)
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      diagnostics.unsubscribe('http2.server.stream.created', created as (m: unknown) => void)
    }
    expect(streams).toHaveLength(1)
    expect(during.length).toBeGreaterThan(0)
    // What is left (the session tracker's listener, shared by the session's streams) is not it.
    expect(streams[0]!.listeners('close').filter((l) => during.includes(l))).toEqual([])
  })

  test('streams reset in the same read as their HEADERS never start the app (rapid reset)', async () => {
    const started: string[] = []
    await serveWith(async (scope, receive, send) => {
      started.push(scope.path)
      await receive()
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: text('x') })
    })
    const wire = await H2Wire.connect(server!.port)
    await wire.start()
    const frames: Buffer[] = []
    // Resets with CANCEL and with an error code (an 'error' on the server's stream object).
    for (let id = 1; id <= 99; id += 2)
      frames.push(headers(id, getBlock('/reset')), rstStream(id, id % 4 === 1 ? 8 : 2))
    frames.push(headers(101, getBlock('/last')))
    await wire.write(...frames)
    await wire.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 101)
    wire.close()
    expect(started).toEqual(['/last'])
  })
})

describe('flow control is the backpressure', () => {
  test('an app that does not read leaves the stream window shut; reading reopens it', async () => {
    let open!: () => void
    const gate = new Promise<void>((resolve) => {
      open = resolve
    })
    let received = 0
    await serveWith(async (_scope, receive, send) => {
      await gate
      for (;;) {
        const event = await receive()
        if (event.type !== 'http.request') break
        received += event.body.byteLength
        if (!event.moreBody) break
      }
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: text(String(received)) })
    })
    // Raw frames: the window the server grants stream 1 is what it sends in WINDOW_UPDATE.
    const wire = await H2Wire.connect(server!.port)
    await wire.start()
    const block = headerBlock([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':authority', 'localhost'],
      [':path', '/upload'],
    ])
    await wire.write(headers(1, block, false))
    // The whole initial window (65,535 bytes), in frames of at most 16,384.
    const window = 65_535
    const data: Buffer[] = []
    for (let sent = 0; sent < window; sent += 16_384)
      data.push(frame(FrameType.DATA, 0, 1, Buffer.alloc(Math.min(16_384, window - sent), 0x61)))
    await wire.write(...data)
    const streamUpdates = (f: Frame) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 1
    // A PING answered means every DATA before it was processed.
    const ping = Buffer.from('pingpong')
    await wire.write(frame(FrameType.PING, 0, 0, ping))
    await wire.waitFor((f) => f.type === FrameType.PING && (f.flags & 1) === 1, 'PING ACK')
    expect(wire.frames.filter(streamUpdates)).toEqual([])
    open()
    await wire.waitFor(streamUpdates, 'a WINDOW_UPDATE for stream 1')
    await wire.write(frame(FrameType.DATA, 1, 1, Buffer.from('end')))
    await wire.waitFor((f) => f.type === FrameType.DATA && (f.flags & 1) === 1 && f.streamId === 1)
    wire.close()
    expect(received).toBe(window + 3)
  })

  test('send() waits while the client does not read (its window is exhausted)', async () => {
    let sent = 0
    let done = false
    await serveWith(async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 })
      const chunk = new Uint8Array(16 * 1024)
      for (let i = 0; i < 64; i++) {
        await send({ type: 'http.response.body', body: chunk, moreBody: true })
        sent++
      }
      await send({ type: 'http.response.body', body: new Uint8Array(0) })
      done = true
    })
    const session = sessions.open(server!.url, { settings: { initialWindowSize: 16 * 1024 } })
    const stream = session.request({ ':path': '/download' })
    stream.pause()
    stream.end()
    await until(() => sent > 0)
    await settle(session)
    const stalled = sent
    expect(stalled).toBeLessThan(64)
    await settle(session)
    expect(sent).toBe(stalled)
    expect(done).toBe(false)
    let bytes = 0
    stream.on('data', (c: Buffer) => {
      bytes += c.byteLength
    })
    stream.resume()
    await new Promise((resolve) => stream.on('end', resolve))
    expect(bytes).toBe(64 * 16 * 1024)
    expect(done).toBe(true)
  })
})

describe('Expect: 100-continue on h2', () => {
  test('100 Continue only once the app calls receive(), never for an app that does not read', async () => {
    await serveWith(async (scope, receive, send) => {
      let body = ''
      if (scope.path === '/read') {
        const event = await receive()
        if (event.type === 'http.request') body = Buffer.from(event.body).toString()
      }
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: text(`got ${body}`) })
    })
    const session = h2()
    const ask = (path: string) =>
      new Promise<{ continued: boolean; body: string }>((resolve) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': path,
          expect: '100-continue',
          'content-length': '2',
        })
        let continued = false
        let body = ''
        stream.on('error', () => {})
        // node's client: 'continue' is the 100, after which the body is sent.
        stream.on('continue', () => {
          continued = true
          stream.end('hi')
        })
        stream.on('data', (c: Buffer) => {
          body += c
        })
        stream.on('close', () => resolve({ continued, body }))
      })
    expect(await ask('/read')).toEqual({ continued: true, body: 'got hi' })
    expect(await ask('/ignore')).toEqual({ continued: false, body: 'got ' })
  })
})

describe('a response that completes before the request body', () => {
  // node:http2 itself sends the RST_STREAM NO_ERROR once the response has ended (the
  // exchange relies on it); this holds it to that, as an unread upload would else stay open.
  test('the unread rest is refused with RST_STREAM NO_ERROR: the stream closes, the answer is whole', async () => {
    await serveWith(async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: text('not reading that') })
    })
    const session = h2()
    const stream = session.request({ ':method': 'POST', ':path': '/ignore' })
    stream.on('error', () => {})
    // More than the stream window: without the reset the upload could never finish.
    stream.write(Buffer.alloc(1024 * 1024))
    let body = ''
    stream.on('data', (c: Buffer) => {
      body += c
    })
    const ended = new Promise((resolve) => stream.on('end', resolve))
    await new Promise((resolve) => stream.on('close', resolve))
    await ended
    expect(stream.rstCode).toBe(0)
    expect(body).toBe('not reading that')
    // Nothing is left in flight: shutdown does not wait for the (default 25 s) deadline.
    const began = Date.now()
    await server!.close()
    server = undefined
    expect(Date.now() - began).toBeLessThan(5_000)
  })
})
