/**
 * A realistic framework app over HTTP/2 (issue 15): it passes `checkApp` driven with HTTP/2
 * streams, and the reference server serves it over h2c (prior knowledge) and over TLS h2
 * (ALPN) with the same answers as over HTTP/1.1 — routes with params, a validated JSON POST, a
 * streamed response, HEAD, 404/405 problem+json, middleware, a web Response — while the handler
 * sees `scope.httpVersion` '2', and a client's RST_STREAM mid-stream reaches the handler as a
 * disconnect with the session serving on.
 */
import { readFileSync } from 'node:fs'
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { type ClientHttp2Session, connect, constants } from 'node:http2'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { Application } from '@tsgi/protocol'
import { checkApp } from '@tsgi/protocol/conformance'
import { type ServerHandle, serve } from '@tsgi/server'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { z } from 'zod'
import { createApp, json, stream } from '../src/index.ts'

const keyfile = new URL('./fixtures/tls/key.pem', import.meta.url).pathname
const certfile = new URL('./fixtures/tls/cert.pem', import.meta.url).pathname
const ca = readFileSync(certfile)

/** The handler's view of each `/forever` stream the client abandoned. */
const abandoned: Array<{ aborted: Promise<void>; finished: Promise<void> }> = []

/** Chunks a macrotask apart, so the body is streamed, never complete at once. */
async function* chunks(parts: string[]) {
  for (const part of parts) {
    await new Promise((resolve) => setImmediate(resolve))
    yield part
  }
}

const User = z.object({ name: z.string().min(1), age: z.number().int().min(0) })

function makeApp(): Application {
  const app = createApp()
  app.use(async (req, next) => {
    const res = await next()
    res.headers.set('x-seen-by', `middleware over HTTP/${req.scope.httpVersion}`)
    return res
  })
  app.get('/', () => ({ name: 'h2 app' }))
  app.get('/version', (req) => ({
    httpVersion: req.scope.httpVersion,
    host: req.headers.get('host'),
  }))
  app.get('/users/:id', { params: z.object({ id: z.number().int() }) }, (req) => ({
    id: req.params.id,
  }))
  app.post('/users', { body: User }, (req) =>
    json(req.body, { status: 201, headers: { location: `/users/${req.body.name}` } }),
  )
  app.get('/stream', () =>
    stream(chunks(['one ', 'two ', 'three']), { headers: { 'content-type': 'text/plain' } }),
  )
  app.get('/web', () => new Response('a web body', { status: 203, headers: { 'x-web': 'kept' } }))
  app.get('/forever', (req) => {
    const signal = req.signal
    let finish = (): void => {}
    const finished = new Promise<void>((resolve) => {
      finish = resolve
    })
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    )
    abandoned.push({ aborted, finished })
    return stream(
      (async function* () {
        try {
          // One chunk the client sees, then more until it leaves: no fixed end.
          while (!signal.aborted) {
            yield 'tick\n'
            await new Promise((resolve) => setImmediate(resolve))
          }
        } finally {
          finish()
        }
      })(),
    )
  })
  return app
}

/** What a request got, whatever the transport. */
interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

interface Transport {
  name: string
  httpVersion: '1.1' | '2'
  request(
    method: string,
    path: string,
    body?: string,
    headers?: Record<string, string>,
  ): Promise<Answer>
  /** h2 only: the session every request of this transport goes over. */
  session?: ClientHttp2Session
}

function h1Transport(name: string, url: string, secure: boolean): Transport & { close(): void } {
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, ca })
    : new HttpAgent({ keepAlive: true })
  const send = secure ? httpsRequest : httpRequest
  return {
    name,
    httpVersion: '1.1',
    request: (method, path, body, headers = {}) =>
      new Promise((resolve, reject) => {
        const req = send(`${url}${path}`, { method, headers, agent }, (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (c: string) => {
            text += c
          })
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
          )
          res.on('error', reject)
        })
        req.on('error', reject)
        req.end(body)
      }),
    close: () => agent.destroy(),
  }
}

function h2Transport(name: string, url: string): Transport & { close(): void } {
  const session = url.startsWith('https:') ? connect(url, { ca }) : connect(url)
  session.on('error', () => {})
  return {
    name,
    httpVersion: '2',
    session,
    // No content-length: HTTP/2 frames the body itself, and node:http2's client sends none.
    request: (method, path, body, headers = {}) =>
      new Promise((resolve, reject) => {
        const stream = session.request({ ':method': method, ':path': path, ...headers })
        let text = ''
        let answer: Omit<Answer, 'body'> = { status: 0, headers: {} }
        stream.setEncoding('utf8')
        stream.on('response', (h) => {
          answer = { status: Number(h[':status']), headers: h }
        })
        stream.on('data', (c: string) => {
          text += c
        })
        stream.on('end', () => resolve({ ...answer, body: text }))
        stream.on('error', reject)
        stream.end(body)
      }),
    close: () => session.destroy(),
  }
}

const quiet = { enabled: () => false, error() {}, warn() {}, info() {}, debug() {}, access() {} }
const servers: ServerHandle[] = []
const transports: Array<Transport & { close(): void }> = []

beforeAll(async () => {
  const common = {
    port: 0,
    host: '127.0.0.1',
    http2: true,
    logger: quiet,
    lifespan: 'auto',
  } as const
  const plain = await serve(makeApp(), common)
  const tls = await serve(makeApp(), { ...common, sslKeyfile: keyfile, sslCertfile: certfile })
  servers.push(plain, tls)
  transports.push(
    h1Transport('HTTP/1.1', plain.url, false),
    h2Transport('h2c (prior knowledge)', plain.url),
    h1Transport('HTTP/1.1 over TLS', tls.url, true),
    h2Transport('h2 over TLS (ALPN)', tls.url),
  )
})
afterAll(async () => {
  for (const t of transports) t.close()
  await Promise.all(servers.map((s) => s.close()))
})

const byName = (name: string): Transport => transports.find((t) => t.name === name)!

describe('checkApp over HTTP/2 streams', () => {
  test('the app passes, with the default exchanges and its own routes', async () => {
    const requests = [
      { path: '/users/7' },
      { path: '/users/x' },
      {
        method: 'POST',
        path: '/users',
        headers: [['content-type', 'application/json']] as Array<[string, string]>,
        body: '{"name":"ada","age":36}',
      },
      { path: '/stream' },
      { method: 'HEAD', path: '/stream' },
      { path: '/web' },
      { method: 'PUT', path: '/users' },
      { path: '/nope' },
    ]
    for (const httpVersion of ['1.1', '2'] as const) {
      expect((await checkApp(makeApp(), { settleMs: 1000, httpVersion })).violations).toEqual([])
      const own = await checkApp(makeApp(), { settleMs: 1000, httpVersion, requests })
      expect(own.violations).toEqual([])
    }
  })
})

describe.each(['HTTP/1.1', 'h2c (prior knowledge)', 'HTTP/1.1 over TLS', 'h2 over TLS (ALPN)'])(
  'served by the reference server: %s',
  (name) => {
    const t = () => byName(name)
    const jsonOf = (a: Answer) => JSON.parse(a.body) as Record<string, unknown>

    test('the handler sees the HTTP version; host is there; middleware runs', async () => {
      const res = await t().request('GET', '/version')
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('application/json')
      expect(res.headers['x-seen-by']).toBe(`middleware over HTTP/${t().httpVersion}`)
      const port = new URL(servers[name.includes('TLS') ? 1 : 0]!.url).port
      expect(jsonOf(res)).toEqual({ httpVersion: t().httpVersion, host: `127.0.0.1:${port}` })
    })

    test('a route with a validated param; 422 problem+json when it does not validate', async () => {
      const ok = await t().request('GET', '/users/42')
      expect([ok.status, jsonOf(ok)]).toEqual([200, { id: 42 }])
      const bad = await t().request('GET', '/users/abc')
      expect(bad.status).toBe(422)
      expect(bad.headers['content-type']).toBe('application/problem+json')
      expect(jsonOf(bad)).toMatchObject({ status: 422, code: 'TSGI_FW_ERR_VALIDATION' })
      expect(JSON.stringify(jsonOf(bad).errors)).toContain('params.id')
    })

    test('a validated JSON POST: 201 with location; 422 listing the fields; 415 for text', async () => {
      const type = { 'content-type': 'application/json' }
      const created = await t().request('POST', '/users', '{"name":"ada","age":36}', type)
      expect(created.status).toBe(201)
      expect(created.headers.location).toBe('/users/ada')
      expect(jsonOf(created)).toEqual({ name: 'ada', age: 36 })
      const invalid = await t().request('POST', '/users', '{"name":"","age":-1}', type)
      expect(invalid.status).toBe(422)
      const paths = JSON.stringify(jsonOf(invalid).errors)
      expect(paths).toContain('body.name')
      expect(paths).toContain('body.age')
      const text = await t().request('POST', '/users', 'ada', { 'content-type': 'text/plain' })
      expect(text.status).toBe(415)
    })

    test('a streamed response arrives whole, without a length', async () => {
      const res = await t().request('GET', '/stream')
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('text/plain')
      expect(res.headers['content-length']).toBeUndefined()
      expect(res.body).toBe('one two three')
    })

    test('HEAD: the GET headers, no body', async () => {
      const get = await t().request('GET', '/')
      const head = await t().request('HEAD', '/')
      expect(head.status).toBe(200)
      expect(head.body).toBe('')
      expect(head.headers['content-length']).toBe(get.headers['content-length'])
      expect(head.headers['content-type']).toBe('application/json')
      const streamed = await t().request('HEAD', '/stream')
      expect([streamed.status, streamed.body, streamed.headers['content-length']]).toEqual([
        200,
        '',
        undefined,
      ])
    })

    test('404 and 405 are problem+json; middleware sees them too', async () => {
      const missing = await t().request('GET', '/nope')
      expect(missing.status).toBe(404)
      expect(missing.headers['content-type']).toBe('application/problem+json')
      expect(missing.headers['x-seen-by']).toBe(`middleware over HTTP/${t().httpVersion}`)
      expect(jsonOf(missing)).toMatchObject({ status: 404, code: 'TSGI_FW_ERR_ROUTE_NOT_FOUND' })
      const wrong = await t().request('PUT', '/users')
      expect(wrong.status).toBe(405)
      expect(wrong.headers.allow).toBe('POST, OPTIONS')
      expect(jsonOf(wrong)).toMatchObject({ status: 405, code: 'TSGI_FW_ERR_METHOD_NOT_ALLOWED' })
    })

    test('a web Response keeps its status, headers and body', async () => {
      const res = await t().request('GET', '/web')
      expect([res.status, res.headers['x-web'], res.body]).toEqual([203, 'kept', 'a web body'])
    })
  },
)

describe.each(['h2c (prior knowledge)', 'h2 over TLS (ALPN)'])('RST_STREAM: %s', (name) => {
  test('a reset mid-stream is a disconnect for the handler; the session serves on', async () => {
    const t = byName(name)
    const session = t.session!
    const before = abandoned.length
    const stream = session.request({ ':method': 'GET', ':path': '/forever' })
    stream.on('error', () => {})
    // Reset as soon as the first chunk shows the response is streaming.
    await new Promise<void>((resolve) => stream.once('data', () => resolve()))
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()))
    stream.close(constants.NGHTTP2_CANCEL)
    await closed
    const handler = abandoned[before]!
    await handler.aborted
    await handler.finished
    // The same session, not a new one, answers the next requests.
    expect(session.closed || session.destroyed).toBe(false)
    const [a, b] = await Promise.all([t.request('GET', '/users/1'), t.request('GET', '/web')])
    expect([a.status, b.status]).toEqual([200, 203])
    expect(t.session).toBe(session)
  })
})
