/**
 * Graceful shutdown with h2 sessions: GOAWAY at once, the streams in flight finish and are
 * counted in the drain, new streams are not processed, and the deadline cuts what is left;
 * plus the per-stream limits shared with HTTP/1.1 (503 when saturated, the body timeout).
 */
import { connect } from 'node:http2'
import { type Application, ClientDisconnectedError } from '@tsgi/protocol'
import { afterEach, describe, expect, test } from 'vitest'
import { h2Request } from './h2-client.ts'
import {
  ErrorCode,
  errorCodeOf,
  type Frame,
  FrameType,
  getBlock,
  H2Wire,
  headers,
} from './h2-frames.ts'
import { startServer, type TestServer, text, until } from './helpers.ts'

let server: TestServer | undefined
const wires: H2Wire[] = []
afterEach(async () => {
  for (const wire of wires.splice(0)) wire.close()
  await server?.close()
  server = undefined
})

const isGoaway = (f: Frame) => f.type === FrameType.GOAWAY
const headersOn = (id: number) => (f: Frame) => f.type === FrameType.HEADERS && f.streamId === id

/** `/hold` answers once `release()` is called; anything else answers at once. */
function holding() {
  let release!: () => void
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const started: string[] = []
  const app: Application = async (scope, _receive, send) => {
    if (scope.type !== 'http') return
    started.push(scope.path)
    if (scope.path === '/hold') await gate
    await send({ type: 'http.response.start', status: 200 })
    await send({ type: 'http.response.body', body: text(`done ${scope.path}`) })
  }
  return { app, release: () => release(), started }
}

async function wire(port: number): Promise<H2Wire> {
  const w = await H2Wire.connect(port)
  wires.push(w)
  await w.start()
  return w
}

describe('graceful shutdown over h2', () => {
  test('GOAWAY at once; the stream in flight finishes; a new stream is not processed', async () => {
    const { app, release, started } = holding()
    server = await startServer(app, { http2: true })
    const w = await wire(server.port)
    await w.write(headers(1, getBlock('/hold')))
    await until(() => started.length === 1)
    let closed = false
    const closing = server.close().then(() => {
      closed = true
    })
    const goaway = await w.waitFor(isGoaway, 'GOAWAY')
    expect(errorCodeOf(goaway)).toBe(ErrorCode.NO_ERROR)
    // Last-Stream-ID 1: stream 1 is still to be answered.
    expect(goaway.payload.readUInt32BE(0) & 0x7fffffff).toBe(1)
    await w.write(headers(3, getBlock('/late')))
    // A PING round trip: stream 3 was seen (and ignored) before the answer.
    await w.write(
      Buffer.concat([Buffer.from([0, 0, 8, FrameType.PING, 0, 0, 0, 0, 0]), Buffer.alloc(8)]),
    )
    await w.waitFor((f) => f.type === FrameType.PING && (f.flags & 1) === 1, 'PING ACK')
    expect(closed).toBe(false)
    release()
    await w.waitFor(headersOn(1), 'the answer on stream 1')
    await closing
    expect(started).toEqual(['/hold'])
    expect(w.frames.some(headersOn(3))).toBe(false)
  })

  test('the deadline cuts a stream that outlasts it, and close() resolves', async () => {
    const { app, started } = holding()
    server = await startServer(app, { http2: true, timeoutGracefulShutdown: 0.2 })
    const session = connect(server.url)
    session.on('error', () => {})
    const answer = h2Request(session, { ':path': '/hold' })
    await until(() => started.length === 1)
    await server.close()
    server = undefined
    const cut = await answer
    expect(cut.complete).toBe(false)
    session.destroy()
  })

  test('a session without streams closes at shutdown without waiting for the deadline', async () => {
    const { app } = holding()
    server = await startServer(app, { http2: true, timeoutGracefulShutdown: 60 })
    const session = connect(server.url)
    session.on('error', () => {})
    expect((await h2Request(session, { ':path': '/quick' })).status).toBe(200)
    const began = Date.now()
    await server.close()
    server = undefined
    // Far from the 60 s deadline: only the session's GOAWAY linger (1 s) at most.
    expect(Date.now() - began).toBeLessThan(5_000)
    await until(() => session.closed || session.destroyed)
  })
})

describe('limits shared with HTTP/1.1', () => {
  test('--timeout-keep-alive is the idle timeout of a session without streams: GOAWAY', async () => {
    const { app } = holding()
    server = await startServer(app, { http2: true, timeoutKeepAlive: 0.2 })
    const w = await wire(server.port)
    await w.write(headers(1, getBlock('/quick')))
    await w.waitFor(headersOn(1), 'the answer')
    const goaway = await w.waitFor(isGoaway, 'GOAWAY after the idle timeout')
    expect(errorCodeOf(goaway)).toBe(ErrorCode.NO_ERROR)
    await w.closedByServer()
  })

  test('a stream beyond --limit-concurrency gets 503; the one in flight is served', async () => {
    const { app, release, started } = holding()
    server = await startServer(app, { http2: true, limitConcurrency: 1 })
    const session = connect(server.url)
    session.on('error', () => {})
    const first = h2Request(session, { ':path': '/hold' })
    await until(() => started.length === 1)
    const second = await h2Request(session, { ':path': '/other' })
    expect(second.status).toBe(503)
    release()
    expect((await first).status).toBe(200)
    session.destroy()
  })

  test('a body that stalls while the app waits for it gets 408 on that stream', async () => {
    let sendAfter408 = ''
    server = await startServer(
      async (scope, receive, send) => {
        if (scope.type !== 'http') return
        const event = await receive()
        if (event.type === 'http.disconnect') {
          // As on HTTP/1.1: after the 408 the client counts as gone.
          sendAfter408 = await send({ type: 'http.response.start', status: 200 }).then(
            () => 'resolved',
            (error) => (error instanceof ClientDisconnectedError ? 'disconnected' : String(error)),
          )
          return
        }
        await send({ type: 'http.response.start', status: 200 })
        await send({ type: 'http.response.body', body: text('read') })
      },
      { http2: true, timeoutRequestBody: 0.2 },
    )
    const session = connect(server.url)
    session.on('error', () => {})
    const answer = await new Promise<number>((resolve) => {
      const stream = session.request({ ':method': 'POST', ':path': '/slow' })
      stream.on('error', () => {})
      stream.on('response', (h) => resolve(Number(h[':status'])))
    })
    expect(answer).toBe(408)
    await until(() => sendAfter408 !== '')
    expect(sendAfter408).toBe('disconnected')
    expect((await h2Request(session, { ':path': '/next' })).status).toBe(200)
    session.destroy()
  })
})
