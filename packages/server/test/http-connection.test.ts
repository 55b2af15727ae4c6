import { connect } from 'node:net'
import type { Application } from '@tsgi/protocol'
import { Agent, request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import {
  rawRequest,
  sleep,
  startServer,
  statusLines,
  type TestServer,
  text,
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
    server = await startServer(async (_s, receive) => {
      for (;;) {
        const e = await receive()
        seen.push(e.type)
        if (e.type === 'http.disconnect') return
      }
    })
    const socket = connect(server.port, '127.0.0.1')
    socket.write('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nfirst part')
    await until(() => seen.length === 1)
    socket.destroy()
    await until(() => seen.includes('http.disconnect'))
    expect(seen).toEqual(['http.request', 'http.disconnect'])
    await sleep(20)
    expect(server.logger.of('error')).toEqual([])
    expect(server.logger.of('access').at(-1)).toContain('(client disconnected)')
  })

  test('mid-stream: send() rejects with ClientDisconnectedError, later receive() yields disconnect, nothing logged', async () => {
    const outcome: string[] = []
    server = await startServer(async (_s, receive, send) => {
      await send({ type: 'http.response.start', status: 200 })
      try {
        for (let i = 0; ; i++) {
          await send({ type: 'http.response.body', body: text(`chunk ${i}\n`), moreBody: true })
          await sleep(5)
        }
      } catch (error) {
        outcome.push((error as { code: string }).code)
        outcome.push((await receive()).type, (await receive()).type)
        throw error
      }
    })
    const res = await request(server.url)
    for await (const chunk of res.body) {
      expect(Buffer.from(chunk).toString()).toContain('chunk')
      res.body.destroy()
      break
    }
    await until(() => outcome.length === 3)
    expect(outcome).toEqual(['TSGI_ERR_CLIENT_DISCONNECTED', 'http.disconnect', 'http.disconnect'])
    await sleep(20)
    expect(server.logger.of('error')).toEqual([])
  })

  test('an app that returns quietly after a disconnect is not reported as returning without a response', async () => {
    let done = false
    server = await startServer(async (_s, receive) => {
      while ((await receive()).type !== 'http.disconnect') {}
      done = true
    })
    const socket = connect(server.port, '127.0.0.1')
    socket.write('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n12')
    await sleep(50)
    socket.destroy()
    await until(() => done)
    await sleep(20)
    expect(server.logger.of('error')).toEqual([])
  })

  test('a slow client: send() waits on backpressure instead of buffering without bound', async () => {
    let sent = 0
    server = await startServer(async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200 })
      const chunk = Buffer.alloc(64 * 1024)
      for (let i = 0; i < 400; i++) {
        await send({ type: 'http.response.body', body: chunk, moreBody: true })
        sent++
      }
      await send({ type: 'http.response.body' })
    })
    const socket = connect(server.port, '127.0.0.1')
    // Listen for close up front: on a fast machine the whole body drains before we would attach it.
    const closed = new Promise((r) => socket.once('close', r))
    socket.write('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')
    socket.pause()
    await sleep(300)
    // 400 × 64 KiB = 25 MiB; with the client not reading, the app is held back after a few.
    expect(sent).toBeGreaterThan(0)
    expect(sent).toBeLessThan(100)
    let received = 0
    socket.on('data', (c: Buffer) => {
      received += c.byteLength
    })
    socket.resume()
    await until(() => sent === 400, 10000)
    await closed
    expect(received).toBeGreaterThan(400 * 64 * 1024)
  })
})

describe('keep-alive and pipelining', () => {
  const slowFirst: Application = async (scope, _r, send) => {
    if (scope.type !== 'http') return
    if (scope.path === '/slow') await sleep(100)
    const body = text(scope.path)
    await send({
      type: 'http.response.start',
      status: 200,
      headers: [['content-length', String(body.byteLength)]],
    })
    await send({ type: 'http.response.body', body })
  }

  test('two requests on one connection are both answered and it stays open', async () => {
    server = await startServer(slowFirst)
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
    server = await startServer(async (scope, receive, send) => {
      if (scope.type !== 'http') return
      log.push(`start ${scope.path}`)
      await slowFirst(scope, receive, send)
      log.push(`end ${scope.path}`)
    })
    const raw = await rawRequest(
      server.port,
      'GET /slow HTTP/1.1\r\nHost: h\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\n\r\nGET /three HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
    )
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
    server = await startServer(slowFirst)
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
      { timeout: 1000 },
    )
    expect(statusLines(raw)).toHaveLength(1)
  })

  test('an idle connection is closed after the keep-alive timeout', async () => {
    server = await startServer(slowFirst, { timeoutKeepAlive: 0.2 })
    const started = Date.now()
    const raw = await rawRequest(server.port, 'GET /a HTTP/1.1\r\nHost: h\r\n\r\n', {
      timeout: 3000,
    })
    expect(statusLines(raw)).toHaveLength(1)
    expect(Date.now() - started).toBeLessThan(2500)
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
  })
})
