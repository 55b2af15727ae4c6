import type { Application, Send, SendEvent } from '@tsgi/protocol'
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { rawRequest, startServer, type TestServer, text, tracked } from './helpers.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const get = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n'
const then = 'GET /next HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'

/** Runs `body(send)`, recording what its sends reject with; `/next` answers 200 "next". */
function appWith(body: (send: Send) => Promise<void>) {
  const rejections: Array<{ code?: string; message: string }> = []
  const app: Application = async (scope, _r, send) => {
    if (scope.type === 'http' && scope.path === '/next') {
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '4']] })
      await send({ type: 'http.response.body', body: text('next') })
      return
    }
    const recording: Send = (e) =>
      send(e).catch((error: { code?: string; message: string }) => {
        rejections.push(error)
        throw error
      })
    await body(recording)
  }
  return { app, rejections }
}

describe('application failures', () => {
  test('throw before start: 500 with connection close, error logged with stack', async () => {
    server = await startServer(async () => {
      throw new Error('kaboom')
    })
    const raw = await rawRequest(server.port, get)
    expect(raw).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/)
    expect(raw.toLowerCase()).toContain('connection: close')
    const [line] = server.logger.lines.filter((l) => l.level === 'error')
    expect(line?.message).toBe('exception in application: GET /')
    expect((line?.error as Error | undefined)?.message).toBe('kaboom')
  })

  test('throw after the first body chunk: no 500, the response is cut short', async () => {
    server = await startServer(async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: text('partial'), moreBody: true })
      throw new Error('late')
    })
    const raw = await rawRequest(server.port, get)
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK/)
    expect(raw).toContain('partial')
    expect(raw).not.toContain('0\r\n\r\n')
    expect(raw).not.toContain('500')
  })

  test('a held start is replaced by a 500 when the app throws before any body', async () => {
    server = await startServer(async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200 })
      throw new Error('before body')
    })
    expect((await request(server.url)).statusCode).toBe(500)
  })

  test('return without a response: 500 and the reason logged', async () => {
    server = await startServer(async () => {})
    expect((await request(server.url)).statusCode).toBe(500)
    expect(server.logger.of('error')).toEqual([
      'the application returned without sending http.response.start: GET /',
    ])
  })

  test('return mid-body: the connection is aborted, never a clean end', async () => {
    server = await startServer(async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: text('half'), moreBody: true })
    })
    const raw = await rawRequest(server.port, get)
    expect(raw).toContain('half')
    expect(raw).not.toContain('0\r\n\r\n')
    expect(server.logger.of('error')).toEqual([
      'the application returned before the response body was complete: GET /',
    ])
  })
})

describe('contract violations: send rejects, the server stays sane', () => {
  const cases: Array<[string, SendEvent[], string, RegExp]> = [
    [
      'body before start',
      [{ type: 'http.response.body', body: text('x') }],
      'TSGI_PROTOCOL_ERR_UNEXPECTED_EVENT',
      /^HTTP\/1\.1 500/,
    ],
    [
      'a second start',
      [
        { type: 'http.response.start', status: 200 },
        { type: 'http.response.start', status: 201 },
      ],
      'TSGI_PROTOCOL_ERR_UNEXPECTED_EVENT',
      /^HTTP\/1\.1 500/,
    ],
    [
      'an unknown event type',
      [{ type: 'http.response.push' } as unknown as SendEvent],
      'TSGI_PROTOCOL_ERR_INVALID_EVENT',
      /^HTTP\/1\.1 500/,
    ],
    [
      'a status as a string',
      [{ type: 'http.response.start', status: '200' as unknown as number }],
      'TSGI_PROTOCOL_ERR_INVALID_EVENT',
      /^HTTP\/1\.1 500/,
    ],
    [
      'a 1xx status',
      [{ type: 'http.response.start', status: 103 }],
      'TSGI_PROTOCOL_ERR_INVALID_EVENT',
      /^HTTP\/1\.1 500/,
    ],
    [
      'a header value with CRLF',
      [{ type: 'http.response.start', status: 200, headers: [['x-a', 'v\r\nX-Evil: 1']] }],
      'TSGI_PROTOCOL_ERR_INVALID_EVENT',
      /^HTTP\/1\.1 500/,
    ],
    [
      'a header name with a space',
      [{ type: 'http.response.start', status: 200, headers: [['x a', 'v']] }],
      'TSGI_PROTOCOL_ERR_INVALID_EVENT',
      /^HTTP\/1\.1 500/,
    ],
    [
      'headers given as a string',
      [{ type: 'http.response.start', status: 200, headers: 'x: y' as unknown as [] }],
      'TSGI_PROTOCOL_ERR_INVALID_EVENT',
      /^HTTP\/1\.1 500/,
    ],
    [
      'more bytes than content-length',
      [
        { type: 'http.response.start', status: 200, headers: [['content-length', '2']] },
        { type: 'http.response.body', body: text('abc') },
      ],
      'TSGI_PROTOCOL_ERR_CONTENT_LENGTH',
      /^HTTP\/1\.1 500/,
    ],
  ]

  test.each(cases)('%s', async (_name, events, code, answer) => {
    const { app, rejections } = appWith(async (send) => {
      for (const e of events) await send(e)
    })
    server = await startServer(app)
    const raw = await rawRequest(server.port, get + then)
    expect(raw).toMatch(answer)
    expect(raw).not.toContain('X-Evil')
    expect(raw).not.toContain('abc')
    expect(rejections.map((r) => r.code)).toEqual([code])
    // The server keeps serving: a new connection works.
    expect(await (await request(`${server.url}/next`)).body.text()).toBe('next')
  })

  test('more bytes than content-length after the head went out: aborted, nothing past the length', async () => {
    const { app, rejections } = appWith(async (send) => {
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '4']] })
      await send({ type: 'http.response.body', body: text('ab'), moreBody: true })
      await send({ type: 'http.response.body', body: text('cdef') })
    })
    server = await startServer(app)
    const raw = await rawRequest(server.port, get)
    expect(raw.endsWith('\r\n\r\nab')).toBe(true)
    expect(rejections.map((r) => r.code)).toEqual(['TSGI_PROTOCOL_ERR_CONTENT_LENGTH'])
  })

  test('fewer bytes than content-length: sent, then the connection closes', async () => {
    const { app, rejections } = appWith(async (send) => {
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '10']] })
      await send({ type: 'http.response.body', body: text('short') })
    })
    server = await startServer(app)
    const raw = await rawRequest(server.port, get + then)
    expect(raw.endsWith('\r\n\r\nshort')).toBe(true)
    expect(rejections.map((r) => r.code)).toEqual(['TSGI_PROTOCOL_ERR_CONTENT_LENGTH'])
  })

  test('events after the final body are rejected; the bytes already sent are intact', async () => {
    const { app, rejections } = appWith(async (send) => {
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '2']] })
      await send({ type: 'http.response.body', body: text('ok') })
      await send({ type: 'http.response.body', body: text('more') })
    })
    server = await startServer(app)
    const raw = await rawRequest(server.port, get + then)
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*\r\n\r\nokHTTP\/1\.1 200 OK/)
    expect(rejections.map((r) => r.code)).toEqual(['TSGI_PROTOCOL_ERR_UNEXPECTED_EVENT'])
  })

  test('a violation is logged once, even if the app rethrows it', async () => {
    const app = tracked(async (_s, _r, send) => {
      await send({ type: 'http.response.body' })
    })
    server = await startServer(app)
    await request(server.url)
    await app.settled()
    expect(server.logger.of('error')).toEqual(['application broke the TSGI contract: GET /'])
  })
})
