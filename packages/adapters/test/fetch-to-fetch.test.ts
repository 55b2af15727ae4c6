/**
 * toFetch(app): lifespan once before the first request, the scope built from the Request,
 * receive() reading request.body, a pull-based response stream with backpressure, disconnects,
 * errors; by direct calls of handler.fetch() and in a round trip fromFetch(toFetch(app))
 * through serve().
 */
import type { Application, HTTPScope, Receive, Send } from '@tsgi/protocol'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { fromFetch, toFetch } from '../src/fetch/index.ts'
import { deferred, startServer, until } from './fetch-helpers.ts'

const utf8 = new TextEncoder()

async function readAll(receive: Receive): Promise<string> {
  let text = ''
  const decoder = new TextDecoder()
  for (;;) {
    const event = await receive()
    if (event.type !== 'http.request') return text
    text += decoder.decode(event.body, { stream: true })
    if (!event.moreBody) return text
  }
}

interface Stats {
  startups: number
  shutdowns: number
  sent: number
  disconnected: boolean
  scope?: HTTPScope
}

function tsgiApp(stats: Stats, gate?: Promise<void>): Application {
  return async (scope, receive: Receive, send: Send) => {
    if (scope.type === 'lifespan') {
      for (;;) {
        const event = await receive()
        if (event.type === 'lifespan.startup') {
          stats.startups++
          scope.state.greeting = 'hi'
          await send({ type: 'lifespan.startup.complete' })
        } else {
          stats.shutdowns++
          await send({ type: 'lifespan.shutdown.complete' })
          return
        }
      }
    }
    if (scope.type !== 'http') throw new Error('unsupported')
    stats.scope = scope
    if (scope.path === '/echo') {
      const body = await readAll(receive)
      await send({ type: 'http.response.start', status: 201, headers: [['x-echo', 'yes']] })
      await send({ type: 'http.response.body', body: utf8.encode(`${scope.method}:${body}`) })
      return
    }
    if (scope.path === '/cookies') {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [
          ['set-cookie', 'a=1'],
          ['set-cookie', 'b=2'],
        ],
      })
      await send({ type: 'http.response.body', body: utf8.encode(String(scope.state.greeting)) })
      return
    }
    if (scope.path === '/stream') {
      await send({ type: 'http.response.start', status: 200 })
      try {
        for (let i = 0; i < 10_000; i++) {
          await send({
            type: 'http.response.body',
            body: new Uint8Array(16 * 1024),
            moreBody: true,
          })
          stats.sent++
          if (gate && i === 2) await gate
        }
        await send({ type: 'http.response.body' })
      } catch (error) {
        if ((error as { code?: string }).code !== 'TSGI_PROTOCOL_ERR_CLIENT_DISCONNECTED')
          throw error
        stats.disconnected = (await receive()).type === 'http.disconnect'
      }
      return
    }
    if (scope.path === '/throw') throw new Error('app broke')
    await send({ type: 'http.response.start', status: 404 })
    await send({ type: 'http.response.body', body: utf8.encode('no') })
  }
}

const fresh = (): Stats => ({ startups: 0, shutdowns: 0, sent: 0, disconnected: false })

describe('toFetch by direct calls', () => {
  it('runs startup once before the first request, builds the scope and echoes the body', async () => {
    const stats = fresh()
    const handler = toFetch(tsgiApp(stats), { client: { host: '192.0.2.1', port: 1234 } })
    const [a, b] = await Promise.all([
      handler.fetch(
        new Request('https://example.test:8443/echo?x=%20y', { method: 'POST', body: 'payload' }),
      ),
      handler.fetch(new Request('http://example.test/cookies')),
    ])
    expect(stats.startups).toBe(1)
    expect(a.status).toBe(201)
    expect(a.headers.get('x-echo')).toBe('yes')
    expect(await a.text()).toBe('POST:payload')
    expect(b.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(await b.text()).toBe('hi')
    await handler.close()
    expect(stats.shutdowns).toBe(1)
  })

  it('fills the scope from the Request', async () => {
    const stats = fresh()
    const handler = toFetch(tsgiApp(stats), {
      client: (req) => ({ host: req.headers.get('x-ip') ?? '', port: 0 }),
    })
    await handler.ready()
    const res = await handler.fetch(
      new Request('https://example.test:8443/a%2Fb/echo?q=%C3%A9', {
        headers: { 'x-ip': '198.51.100.9' },
      }),
    )
    await res.text()
    expect(stats.scope).toMatchObject({
      scheme: 'https',
      method: 'GET',
      rawPath: '/a%2Fb/echo',
      path: '/a/b/echo',
      queryString: 'q=%C3%A9',
      client: { host: '198.51.100.9', port: 0 },
      server: { host: 'example.test', port: 8443 },
      state: { greeting: 'hi' },
    })
    expect(stats.scope?.headers[0]).toEqual(['host', 'example.test:8443'])
    await handler.close()
  })

  it('answers 500 when the app throws before the response, and reports the error', async () => {
    const errors: unknown[] = []
    const handler = toFetch(tsgiApp(fresh()), { onError: (e) => errors.push(e) })
    const res = await handler.fetch(new Request('http://x/throw'))
    expect(res.status).toBe(500)
    expect(String(errors[0])).toContain('app broke')
  })

  it('streams with backpressure and yields http.disconnect when the client leaves', async () => {
    const stats = fresh()
    const handler = toFetch(tsgiApp(stats))
    const controller = new AbortController()
    const res = await handler.fetch(new Request('http://x/stream', { signal: controller.signal }))
    const reader = res.body!.getReader()
    await reader.read()
    // Nobody reads: the app waits in send() once the stream holds its high-water mark (64 KiB).
    await until(() => stats.sent >= 4, 'the stream to fill')
    const before = stats.sent
    await new Promise((r) => setImmediate(r))
    expect(stats.sent).toBe(before)
    expect(before).toBeLessThanOrEqual(8)
    controller.abort()
    await until(() => stats.disconnected, 'http.disconnect')
  })
})

describe('toFetch round trip: fromFetch(toFetch(app)) through serve()', () => {
  it('serves echo, cookies, 404 and a streamed body', async () => {
    const stats = fresh()
    const handler = toFetch(tsgiApp(stats))
    const server = await startServer(fromFetch(handler), { lifespan: 'off' })
    try {
      const echo = await request(`${server.url}/echo`, { method: 'PUT', body: 'round trip' })
      expect(echo.statusCode).toBe(201)
      expect(await echo.body.text()).toBe('PUT:round trip')
      const cookies = await request(`${server.url}/cookies`)
      expect(cookies.headers['set-cookie']).toEqual(['a=1', 'b=2'])
      await cookies.body.text()
      const missing = await request(`${server.url}/missing`)
      expect(missing.statusCode).toBe(404)
      await missing.body.text()
    } finally {
      await server.close()
      await handler.close()
    }
  })

  it('a client leaving the outer server reaches the inner app as http.disconnect', async () => {
    const stats = fresh()
    const gate = deferred()
    const handler = toFetch(tsgiApp(stats, gate.promise))
    const server = await startServer(fromFetch(handler), { lifespan: 'off' })
    try {
      const controller = new AbortController()
      const res = await request(`${server.url}/stream`, { signal: controller.signal })
      await until(() => stats.sent >= 3, 'the first chunks')
      controller.abort()
      res.body.on('error', () => {})
      gate.resolve()
      await until(() => stats.disconnected, 'http.disconnect in the inner app')
    } finally {
      await server.close()
      await handler.close()
    }
  })
})
