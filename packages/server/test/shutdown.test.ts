/** Graceful shutdown and the concurrency limit, over real sockets. */
import { connect } from 'node:net'
import type { Application } from '@tsgi/protocol'
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import {
  DEADLINE,
  json,
  rawRequest,
  serverHasRead,
  sleep,
  startServer,
  statusLines,
  type TestServer,
  text,
  until,
} from './helpers.ts'

/** The pace of the endless stream below: it ticks far more often than the 0.3 s grace period. */
const TICK_MS = 20

let server: TestServer | undefined
afterEach(async () => {
  await server?.close().catch(() => {})
  server = undefined
})

/** An app whose `/wait` requests hold until `release()`; everything else answers at once. */
function gated() {
  let release!: () => void
  const gate = new Promise<void>((r) => {
    release = r
  })
  let waiting = 0
  const app: Application = async (scope, _receive, send) => {
    if (scope.type !== 'http') return
    if (scope.path === '/wait') {
      waiting++
      await gate
    }
    await json(send, { path: scope.path })
  }
  return { app, release: () => release(), waiting: () => waiting }
}

describe('graceful shutdown', () => {
  test('idle keep-alive connections are closed at once; close() does not wait for them', async () => {
    server = await startServer(gated().app, { timeoutKeepAlive: 60 })
    const socket = connect(server.port, '127.0.0.1')
    const closed = new Promise((r) => socket.once('close', r))
    socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n')
    await new Promise((r) => socket.once('data', r))
    const started = Date.now()
    await server.close()
    await closed
    // A close() that waited for the idle connection would take the 60 s keep-alive.
    expect(Date.now() - started).toBeLessThan(DEADLINE)
  })

  test('in-flight requests finish, answered with connection: close; new connections are refused', async () => {
    const { app, release, waiting } = gated()
    server = await startServer(app)
    const pending = request(`${server.url}/wait`)
    await until(() => waiting() === 1)
    const closing = server.close()
    await until(() => !server!.server.listening)
    const refused = await request(`${server.url}/new`).catch(
      (e: Error & { code?: string }) => e.code,
    )
    expect(refused).toBe('ECONNREFUSED')
    release()
    const res = await pending
    expect(res.statusCode).toBe(200)
    expect(res.headers.connection).toBe('close')
    expect(await res.body.json()).toEqual({ path: '/wait' })
    await closing
  })

  test('a request still arriving when shutdown begins gets 503 and connection: close', async () => {
    const { app, release, waiting } = gated()
    server = await startServer(app)
    const holder = request(`${server.url}/wait`)
    await until(() => waiting() === 1)
    const late = connect(server.port, '127.0.0.1')
    const chunks: Buffer[] = []
    late.on('data', (c: Buffer) => chunks.push(c))
    late.on('error', () => {})
    const lateClosed = new Promise((r) => late.once('close', r))
    const partial = 'GET /late HTTP/1.1\r\nHost: h\r\n'
    late.write(partial)
    // Accepted and partly read when shutdown begins.
    await serverHasRead(server.port, late, partial.length)
    const closing = server.close()
    late.write('\r\n')
    await lateClosed
    const answer = Buffer.concat(chunks).toString('latin1')
    expect(statusLines(answer)).toEqual(['HTTP/1.1 503 Service Unavailable'])
    expect(answer.toLowerCase()).toContain('connection: close')
    release()
    await (await holder).body.dump()
    await closing
  })

  test('a stream that outlives the graceful timeout is cut; the app sees the disconnect', async () => {
    let sendFailed: string | undefined
    const app: Application = async (scope, _r, send) => {
      if (scope.type !== 'http') return
      await send({ type: 'http.response.start', status: 200 })
      try {
        for (;;) {
          await send({ type: 'http.response.body', body: text('tick\n'), moreBody: true })
          await sleep(TICK_MS)
        }
      } catch (error) {
        sendFailed = (error as { code?: string }).code
      }
    }
    server = await startServer(app, { timeoutGracefulShutdown: 0.3 })
    const socket = connect(server.port, '127.0.0.1')
    const closed = new Promise((r) => socket.once('close', r))
    socket.on('error', () => {})
    socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n')
    await new Promise((r) => socket.once('data', r))
    const started = Date.now()
    await server.close()
    const took = Date.now() - started
    await closed
    expect(took).toBeGreaterThanOrEqual(250)
    // Cut by the grace period, not by the end of an endless stream (the warning below says so).
    expect(took).toBeLessThan(DEADLINE)
    await until(() => sendFailed !== undefined)
    expect(sendFailed).toBe('TSGI_PROTOCOL_ERR_CLIENT_DISCONNECTED')
    expect(server.logger.of('warn').join('\n')).toMatch(/graceful shutdown timed out after 0.3s/)
    expect(server.logger.of('error')).toEqual([])
  })

  test('close() is idempotent', async () => {
    server = await startServer(gated().app)
    const a = server.close()
    const b = server.close()
    expect(a).toBe(b)
    await a
  })
})

describe('limitConcurrency', () => {
  test('requests beyond the limit get 503 at once; the others are served', async () => {
    const { app, release, waiting } = gated()
    server = await startServer(app, { limitConcurrency: 2 })
    const a = request(`${server.url}/wait`)
    const b = request(`${server.url}/wait`)
    await until(() => waiting() === 2)
    const over = await rawRequest(server.port, 'GET /c HTTP/1.1\r\nHost: h\r\n\r\n')
    expect(statusLines(over)[0]).toBe('HTTP/1.1 503 Service Unavailable')
    expect(server.logger.of('warn')).toContain('exceeded concurrency limit: answered 503')
    release()
    expect((await a).statusCode).toBe(200)
    expect((await b).statusCode).toBe(200)
    // Once the slots are free, requests are served again.
    expect((await request(`${server.url}/d`)).statusCode).toBe(200)
  })
})
