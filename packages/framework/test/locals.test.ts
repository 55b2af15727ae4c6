/**
 * Typed middleware state at run time: what a `createMiddleware` middleware puts on
 * `req.locals` reaches the handlers after it (route middleware, a router's `use()`, WebSocket
 * routes), request by request, in memory and over a real socket.
 */
import { expect, test } from 'vitest'
import { createApp, Router, UnauthorizedError } from '../src/index.ts'
import { createMiddleware } from '../src/middleware.ts'
import { describeBoth } from './both.ts'
import { describeWsBoth } from './pipeline-ws-helpers.ts'

interface User {
  id: string
}

const auth = createMiddleware<{ user: User }>((req, next) => {
  const id = req.headers.get('x-user') ?? new URLSearchParams(req.scope.queryString).get('user')
  if (!id) throw new UnauthorizedError('who are you?')
  req.locals.user = { id }
  return next()
})
let counter = 0
const requestNumber = createMiddleware<{ n: number }>((req, next) => {
  req.locals.n = ++counter
  return next()
})

function makeApp() {
  const app = createApp({ logger: { error() {} } })
  app.get('/me', { middleware: [auth] }, (req) => ({ id: req.locals.user.id }))
  const api = new Router({ prefix: '/api' }).use(auth).use(requestNumber)
  api.get('/whoami', (req) => ({ id: req.locals.user.id, n: req.locals.n }))
  app.include(api)
  app.ws('/live', { middleware: [auth] }, async (socket, req) => {
    await socket.accept()
    await socket.send(`hi ${req.locals.user.id}`)
    await socket.close()
  })
  return app
}

test('createMiddleware returns the middleware itself (types only, nothing at run time)', () => {
  const fn: Parameters<typeof createMiddleware>[0] = (_req, next) => next()
  expect(createMiddleware(fn)).toBe(fn)
})

describeBoth('locals added by middleware', makeApp, (client) => {
  test("a route's middleware sets what its handler reads", async () => {
    const res = await client().request('/me', { headers: { 'x-user': 'ada' } })
    expect(res.status).toBe(200)
    expect(res.json()).toEqual({ id: 'ada' })
  })

  test('the middleware can refuse, and the handler never runs', async () => {
    const res = await client().request('/me')
    expect(res.status).toBe(401)
  })

  test("a router's use() chain: each request gets its own locals", async () => {
    const a = await client().request('/api/whoami', { headers: { 'x-user': 'a' } })
    const b = await client().request('/api/whoami', { headers: { 'x-user': 'b' } })
    expect(a.json<{ id: string; n: number }>().id).toBe('a')
    expect(b.json<{ id: string; n: number }>().id).toBe('b')
    expect(b.json<{ n: number }>().n).toBeGreaterThan(a.json<{ n: number }>().n)
  })
})

describeWsBoth('locals on WebSocket routes', makeApp, (client) => {
  test('route middleware sets locals for the WebSocket handler', async () => {
    const hs = await client().connect('/live?user=grace')
    expect(hs.denied).toBe(false)
    if (hs.denied) return
    expect(await hs.message()).toBe('hi grace')
    expect(await hs.closed).toBe(1000)
  })

  test('and can deny the handshake', async () => {
    const hs = await client().connect('/live')
    expect(hs.denied).toBe(true)
    if (hs.denied) expect(hs.status).toBe(401)
  })
})
