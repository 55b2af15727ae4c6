import { connect } from 'node:net'
import type { Application } from '@tsgi/protocol'
import { Agent, request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import {
  acceptedSocket,
  DEADLINE,
  rawRequest,
  serverHasRead,
  startServer,
  statusLines,
  type TestServer,
  text,
  tracked,
  turn,
  until,
} from './helpers.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('disconnects', () => {
  test('mid-request: the pending receive() yields http.disconnect; nothing is logged as an error', async () => {
    const seen: string[] = []
    const app = tracked(async (_s, receive) => {
      for (;;) {
        const e = await receive()
        seen.push(e.type)
        if (e.type === 'http.disconnect') return
      }
    })
    server = await startServer(app)
    const socket = connect(server.port, '127.0.0.1')
    socket.write('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nfirst part')
    await until(() => seen.length === 1)
    socket.destroy()
    await app.settled()
    expect(seen).toEqual(['http.request', 'http.disconnect'])
    expect(server.logger.of('error')).toEqual([])
    expect(server.logger.of('access').at(-1)).toContain('(client disconnected)')
  })

  test('mid-stream: send() rejects with ClientDisconnectedError, later receive() yields disconnect, nothing logged', async () => {
    const outcome: string[] = []
    const app = tracked(async (_s, receive, send) => {
      await send({ type: 'http.response.start', status: 200 })
      try {
        // An endless stream, one chunk per event-loop turn, until the client leaves.
        for (let i = 0; ; i++) {
          await send({ type: 'http.response.body', body: text(`chunk ${i}\n`), moreBody: true })
          await turn()
        }
      } catch (error) {
        outcome.push((error as { code: string }).code)
        outcome.push((await receive()).type, (await receive()).type)
        throw error
      }
    })
    server = await startServer(app)
    const res = await request(server.url)
    for await (const chunk of res.body) {
      expect(Buffer.from(chunk).toString()).toContain('chunk')
      res.body.destroy()
      break
    }
    await app.settled()
    expect(outcome).toEqual([
      'TSGI_PROTOCOL_ERR_CLIENT_DISCONNECTED',
      'http.disconnect',
      'http.disconnect',
    ])
    expect(server.logger.of('error')).toEqual([])
  })

  test('an app that returns quietly after a disconnect is not reported as returning without a response', async () => {
    let received = 0
    const app = tracked(async (_s, receive) => {
      while ((await receive()).type !== 'http.disconnect') received++
    })
    server = await startServer(app)
    const socket = connect(server.port, '127.0.0.1')
    socket.write('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n12')
    // The request is running (its first body bytes reached the app) when the client leaves.
    await until(() => received === 1)
    socket.destroy()
    await app.settled()
    expect(server.logger.of('error')).toEqual([])
  })

  test('a slow client: send() waits on backpressure instead of buffering without bound', async () => {
    let sent = 0
    let sending = false
    server = await startServer(async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200 })
      const chunk = Buffer.alloc(64 * 1024)
      for (let i = 0; i < 400; i++) {
        sending = true
        await send({ type: 'http.response.body', body: chunk, moreBody: true })
        sending = false
        sent++
      }
      await send({ type: 'http.response.body' })
    })
    const socket = connect(server.port, '127.0.0.1')
    // Listen for close up front: on a fast machine the whole body drains before we would attach it.
    const closed = new Promise((r) => socket.once('close', r))
    socket.write('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')
    socket.pause()
    const serverSide = await acceptedSocket(server.port, socket)
    // Held back: the app waits in send() while the server's socket holds bytes the kernel would
    // not take (the client reads nothing). A server buffering without bound lets all 400 through.
    await until(() => sent === 400 || (sent > 0 && sending && serverSide.writableLength > 0))
    // 400 × 64 KiB = 25 MiB; with the client not reading, the app is held back after a few.
    expect(sent).toBeGreaterThan(0)
    expect(sent).toBeLessThan(100)
    let received = 0
    socket.on('data', (c: Buffer) => {
      received += c.byteLength
    })
    socket.resume()
    await until(() => sent === 400)
    await closed
    expect(received).toBeGreaterThan(400 * 64 * 1024)
  })
})

describe('keep-alive and pipelining', () => {
  /** Answers with the request's path. */
  const pathEcho: Application = async (scope, _r, send) => {
    if (scope.type !== 'http') return
    const body = text(scope.path)
    await send({
      type: 'http.response.start',
      status: 200,
      headers: [['content-length', String(body.byteLength)]],
    })
    await send({ type: 'http.response.body', body })
  }

  test('two requests on one connection are both answered and it stays open', async () => {
    server = await startServer(pathEcho)
    const agent = new Agent({ connections: 1 })
    const a = await request(`${server.url}/a`, { dispatcher: agent })
    const b = await request(`${server.url}/b`, { dispatcher: agent })
    expect([await a.body.text(), await b.body.text()]).toEqual(['/a', '/b'])
    expect(a.headers.connection).toBe('keep-alive')
    expect(a.headers['keep-alive']).toBe('timeout=65')
    await agent.close()
  })

  test('pipelined requests are answered in order, each app starting after the previous response', async () => {
    const log: string[] = []
    let answerSlow!: () => void
    const slowHeld = new Promise<void>((r) => {
      answerSlow = r
    })
    server = await startServer(async (scope, receive, send) => {
      if (scope.type !== 'http') return
      log.push(`start ${scope.path}`)
      if (scope.path === '/slow') await slowHeld
      await pathEcho(scope, receive, send)
      log.push(`end ${scope.path}`)
    })
    const pipeline =
      'GET /slow HTTP/1.1\r\nHost: h\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\n\r\nGET /three HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'
    const socket = connect(server.port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    const closed = new Promise((r) => socket.once('close', r))
    socket.write(pipeline)
    // The server has read all three requests while /slow is unanswered: none other may start.
    await serverHasRead(server.port, socket, pipeline.length)
    await until(() => log.length > 0)
    await turn()
    expect(log).toEqual(['start /slow'])
    answerSlow()
    await closed
    const raw = Buffer.concat(chunks).toString('latin1')
    expect(statusLines(raw)).toHaveLength(3)
    expect(raw.indexOf('/slow')).toBeLessThan(raw.indexOf('/two'))
    expect(raw.indexOf('/two')).toBeLessThan(raw.indexOf('/three'))
    expect(log).toEqual([
      'start /slow',
      'end /slow',
      'start /two',
      'end /two',
      'start /three',
      'end /three',
    ])
  })

  test('Connection: close on the first of a pipelined pair: exactly one response', async () => {
    server = await startServer(pathEcho)
    const raw = await rawRequest(
      server.port,
      'GET /one HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\n\r\n',
    )
    expect(statusLines(raw)).toEqual(['HTTP/1.1 200 OK'])
    expect(raw.toLowerCase()).toContain('connection: close')
  })

  test('the app setting connection: close closes after the response', async () => {
    server = await startServer(async (_s, _r, send) => {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [
          ['connection', 'close'],
          ['content-length', '1'],
        ],
      })
      await send({ type: 'http.response.body', body: text('x') })
    })
    const raw = await rawRequest(
      server.port,
      'GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n',
    )
    expect(statusLines(raw)).toHaveLength(1)
  })

  test('an idle connection is closed after the keep-alive timeout', async () => {
    server = await startServer(pathEcho, { timeoutKeepAlive: 0.2 })
    const started = Date.now()
    // rawRequest fails unless the server closes within DEADLINE: 50 × the 0.2 s configured, and
    // far below the 65 s default that would apply if the option were ignored.
    const raw = await rawRequest(server.port, 'GET /a HTTP/1.1\r\nHost: h\r\n\r\n', {
      timeout: DEADLINE,
    })
    expect(statusLines(raw)).toHaveLength(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
  })
})
