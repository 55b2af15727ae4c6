/**
 * One pipeline for HTTP and WebSocket routes: router- and app-level error handlers, and the
 * error boundary that middleware around a route sees, are the same for both. Each WebSocket
 * test runs in memory and over a real socket (the reference server offers the
 * `websocket.http.response` denial extension, so an error handler's response is the
 * handshake's answer).
 */
import { expect, test } from 'vitest'
import { createApp, json, Router, UnauthorizedError } from '../src/index.ts'
import { describeBoth } from './both.ts'
import { describeWsBoth } from './pipeline-ws-helpers.ts'

const quiet = { error() {} }

/** Routes that throw, in a router with an error handler and middleware, and at the app level. */
function makeApp() {
  const app = createApp({ logger: quiet })
  app.onError((error) =>
    json(
      { by: 'app', message: (error as Error).message },
      { status: 409, headers: { 'x-by': 'app' } },
    ),
  )
  // Global middleware is outside the app's boundary: it always sees a response.
  app.use(async (_req, next) => {
    const res = await next()
    res.headers.set('x-global', String(res.status))
    return res
  })
  const admin = new Router({ prefix: '/admin' })
  // Router middleware wraps the router's error boundary: it sees the handler's answer, not a throw.
  admin.use(async (_req, next) => {
    const res = await next()
    res.headers.set('x-seen-by-middleware', String(res.status))
    return res
  })
  admin.onError((error) =>
    json({ by: 'router', message: (error as Error).message }, { status: 401 }),
  )
  admin.get('/http', () => {
    throw new UnauthorizedError('no token')
  })
  admin.ws('/ws', () => {
    throw new UnauthorizedError('no token')
  })
  admin.ws('/late', async (socket) => {
    await socket.accept()
    await socket.send('hello')
    throw new Error('after accept')
  })
  app.include(admin)
  // A middleware may answer early with a web Response, for HTTP and WebSocket routes alike.
  const gate = new Router({ prefix: '/gate' })
  gate.use(() => new globalThis.Response('closed', { status: 403, headers: { 'x-gate': '1' } }))
  gate.get('/http', () => 'never')
  gate.ws('/ws', (socket) => socket.accept())
  app.include(gate)
  app.get('/plain', () => {
    throw new Error('app level')
  })
  app.ws('/plain-ws', () => {
    throw new Error('app level')
  })
  return app
}

describeBoth('HTTP routes use router and app error handlers', makeApp, (client) => {
  test('router onError answers, router middleware sees its response', async () => {
    const res = await client().request('/admin/http')
    expect(res.status).toBe(401)
    expect(res.json()).toEqual({ by: 'router', message: 'no token' })
    expect(res.header('x-seen-by-middleware')).toBe('401')
  })

  test('a middleware answering with a web Response is sent as it is', async () => {
    const res = await client().request('/gate/http')
    expect(res.status).toBe(403)
    expect(res.text()).toBe('closed')
    expect(res.header('x-gate')).toBe('1')
  })

  test('app onError answers a route outside routers', async () => {
    const res = await client().request('/plain')
    expect(res.status).toBe(409)
    expect(res.json()).toEqual({ by: 'app', message: 'app level' })
    expect(res.header('x-global')).toBe('409')
  })
})

describeWsBoth('WebSocket routes use the same error handlers', makeApp, (client) => {
  test('a WebSocket route that throws is denied with its router onError response', async () => {
    const hs = await client().connect('/admin/ws')
    expect(hs.denied).toBe(true)
    if (!hs.denied) return
    expect(hs.status).toBe(401)
    expect(JSON.parse(hs.text)).toEqual({ by: 'router', message: 'no token' })
    // The router's middleware is outside its boundary, as for HTTP.
    expect(hs.header('x-seen-by-middleware')).toBe('401')
  })

  test("a WebSocket route outside routers gets the app's onError response", async () => {
    const hs = await client().connect('/plain-ws')
    expect(hs.denied).toBe(true)
    if (!hs.denied) return
    expect(hs.status).toBe(409)
    expect(hs.header('x-by')).toBe('app')
    expect(hs.header('x-global')).toBe('409')
    expect(JSON.parse(hs.text)).toEqual({ by: 'app', message: 'app level' })
  })

  test('a middleware answering with a web Response denies the handshake with it', async () => {
    const hs = await client().connect('/gate/ws')
    expect(hs.denied).toBe(true)
    if (!hs.denied) return
    expect(hs.status).toBe(403)
    expect(hs.text).toBe('closed')
    expect(hs.header('x-gate')).toBe('1')
  })

  test("no WebSocket route: a 404 through the app's onError", async () => {
    const hs = await client().connect('/nowhere')
    expect(hs.denied).toBe(true)
    if (!hs.denied) return
    expect(hs.status).toBe(409)
    expect(JSON.parse(hs.text)).toMatchObject({ by: 'app' })
  })

  test('a throw after accept closes the session with 1011', async () => {
    const hs = await client().connect('/admin/late')
    expect(hs.denied).toBe(false)
    if (hs.denied) return
    expect(await hs.message()).toBe('hello')
    expect(await hs.closed).toBe(1011)
  })
})

describeWsBoth(
  'an onError that rethrows falls back to the default denial',
  () => {
    const app = createApp({ logger: quiet })
    app.onError((error) => {
      throw error
    })
    app.ws('/ws', () => {
      throw new Error('boom')
    })
    return app
  },
  (client) => {
    test('500 problem+json, no internal detail', async () => {
      const hs = await client().connect('/ws')
      expect(hs.denied).toBe(true)
      if (!hs.denied) return
      expect(hs.status).toBe(500)
      expect(hs.header('content-type')).toBe('application/problem+json')
      expect(hs.text).not.toContain('boom')
    })
  },
)
