/**
 * fromFetch(honoApp): routes, JSON, text, streaming, cookies, body echo, notFound, HEAD and
 * checkApp, each in memory (the protocol's test client) and over a socket (serve() + undici).
 */
import { checkApp } from '@tsgi/protocol/conformance'
import { createTestClient } from '@tsgi/protocol/testing'
import { Hono } from 'hono'
import { setCookie } from 'hono/cookie'
import { stream } from 'hono/streaming'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromFetch } from '../src/fetch/index.ts'
import { startServer, type TestServer } from './fetch-helpers.ts'

function honoApp() {
  const app = new Hono()
  app.get('/users/:id', (c) => c.json({ id: c.req.param('id'), q: c.req.query('q') ?? null }))
  app.get('/text', (c) => c.text('plain text'))
  app.get('/cookies', (c) => {
    setCookie(c, 'a', '1', { path: '/' })
    setCookie(c, 'b', '2', { httpOnly: true })
    return c.text('ok')
  })
  app.get('/echo-cookie', (c) => c.text(c.req.header('cookie') ?? ''))
  app.post('/echo', async (c) =>
    c.json({ got: await c.req.json(), type: c.req.header('content-type') }),
  )
  app.get('/stream', (c) =>
    stream(c, async (s) => {
      for (let i = 0; i < 3; i++) await s.write(`chunk${i};`)
    }),
  )
  app.get('/url', (c) => c.text(c.req.url))
  app.notFound((c) => c.text('nothing here', 404))
  return app
}

interface Reply {
  status: number
  text: string
  header(name: string): string | undefined
  headerValues(name: string): string[]
  /** In memory: how many body events the app sent. */
  bodyEvents?: number
}

type Call = (
  method: string,
  path: string,
  body?: string,
  headers?: Record<string, string>,
) => Promise<Reply>

const app = fromFetch(honoApp())
let server: TestServer

beforeAll(async () => {
  server = await startServer(app)
})
afterAll(() => server.close())

const memory: Call = async (method, path, body, headers) => {
  // No default host header: the URL then comes from the host given, else from scope.server.
  const res = await createTestClient(app, { headers: {} }).request({ method, path, body, headers })
  return {
    bodyEvents: res.events.filter((e) => e.type === 'http.response.body').length,
    status: res.status,
    text: res.text(),
    header: (n) => res.header(n),
    headerValues: (n) => res.headerValues(n),
  }
}

const wire: Call = async (method, path, body, headers) => {
  const res = await request(`${server.url}${path}`, { method, body, headers })
  const text = await res.body.text()
  const values = (n: string): string[] => {
    const v = res.headers[n]
    return v === undefined ? [] : Array.isArray(v) ? v : [v]
  }
  return {
    status: res.statusCode,
    text,
    header: (n) => values(n).join(', ') || undefined,
    headerValues: values,
  }
}

describe.each([
  ['in memory', memory],
  ['over a socket', wire],
])('fromFetch(hono) %s', (_name, call) => {
  it('routes with params and c.json', async () => {
    const res = await call('GET', '/users/42?q=x%20y')
    expect(res.status).toBe(200)
    expect(res.header('content-type')).toMatch(/^application\/json/)
    expect(JSON.parse(res.text)).toEqual({ id: '42', q: 'x y' })
  })

  it('answers c.text in one body event, framed with a content-length', async () => {
    const res = await call('GET', '/text')
    expect(res.text).toBe('plain text')
    if (res.bodyEvents !== undefined) expect(res.bodyEvents).toBe(1)
    else {
      expect(res.header('content-length')).toBe('10')
      expect(res.header('transfer-encoding')).toBeUndefined()
    }
  })

  it('keeps every set-cookie separate', async () => {
    const res = await call('GET', '/cookies')
    expect(res.headerValues('set-cookie')).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly'])
  })

  it('echoes a JSON body read with c.req.json()', async () => {
    const res = await call('POST', '/echo', '{"hello":[1,2]}', {
      'content-type': 'application/json',
    })
    expect(JSON.parse(res.text)).toEqual({ got: { hello: [1, 2] }, type: 'application/json' })
  })

  it('streams with hono/streaming', async () => {
    const res = await call('GET', '/stream')
    expect(res.status).toBe(200)
    expect(res.text).toBe('chunk0;chunk1;chunk2;')
  })

  it('answers notFound', async () => {
    const res = await call('GET', '/nowhere')
    expect(res.status).toBe(404)
    expect(res.text).toBe('nothing here')
  })

  it('answers HEAD with the GET headers and no body', async () => {
    const res = await call('HEAD', '/text')
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    expect(res.header('content-type')).toMatch(/^text\/plain/)
  })

  it('builds the URL from the host header and the raw target, without re-encoding', async () => {
    const res = await call('GET', '/url?a=%2F&b=c%20d', undefined, { host: 'example.test:8080' })
    expect(res.text).toBe('http://example.test:8080/url?a=%2F&b=c%20d')
  })
})

describe('fromFetch(hono) in memory only', () => {
  // undici always sends one host header (and joins cookies itself): these need a scope by hand.
  it('falls back to the server address without a host header', async () => {
    const res = await memory('GET', '/url')
    expect(res.text).toBe('http://testserver/url')
  })

  it('joins several cookie fields with "; "', async () => {
    const res = await createTestClient(app).request({
      path: '/echo-cookie',
      headers: [
        ['cookie', 'a=1'],
        ['cookie', 'b=2'],
      ],
    })
    expect(res.text()).toBe('a=1; b=2')
  })
})

describe('fromFetch(hono) conformance', () => {
  it('passes checkApp', async () => {
    const report = await checkApp(fromFetch(honoApp()), {
      requests: [
        { path: '/' },
        { method: 'HEAD', path: '/text' },
        { path: '/stream' },
        {
          method: 'POST',
          path: '/echo',
          headers: [['content-type', 'application/json']],
          body: '{"check":true}',
        },
        { path: '/users/1' },
        { path: '/tsgi-conformance-unknown-path' },
      ],
    })
    expect(report.violations).toEqual([])
    expect(report.passed).toBe(true)
  })
})
