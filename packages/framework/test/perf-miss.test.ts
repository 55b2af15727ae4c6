/**
 * 404 and 405 without an `Error` per request (router/miss.ts): when the app has no error
 * handler the dispatcher answers directly, and that answer must be exactly the one the default
 * error handler makes of the thrown `NotFoundError` / `MethodNotAllowedError`. A mounted copy
 * of the app with an `onError` that rethrows takes the thrown path, so each request is asked
 * of both and the answers compared. With a handler, the handler still sees the error; the
 * app's middleware still runs around both.
 */
import { expect, test } from 'vitest'
import {
  createApp,
  FrameworkErrorCode,
  HTTPError,
  MethodNotAllowedError,
  NotFoundError,
  Response,
} from '../src/index.ts'
import type { ClientResponse } from './both.ts'
import { describeBoth } from './both.ts'

function routes(app: ReturnType<typeof createApp>) {
  app.get('/items', () => ['lamp'])
  app.post('/items', () => ({ added: true }))
  app.on('PURGE', '/cache', () => 'purged')
  return app
}

function makeApp() {
  const app = routes(createApp())
  // The same routes where the errors are thrown: an error handler that rethrows them hands
  // them to the default error response.
  const thrown = routes(createApp())
  thrown.onError((error) => {
    throw error
  })
  app.mount('/thrown', thrown)
  return app
}

/** What is compared: status, headers but the date, body. */
const answer = (res: ClientResponse) => ({
  status: res.status,
  headers: res.headers.filter(([name]) => name !== 'date'),
  body: res.text(),
})

describeBoth(
  '404 and 405 without an error: the same answer as the thrown error',
  makeApp,
  (client) => {
    const cases: Array<[string, string]> = [
      ['GET', '/nowhere'],
      ['GET', '/items/42/deep'],
      ['POST', '/nowhere'],
      ['GET', '/a%22b%5Cc%20%E2%9C%93'], // a decoded path JSON must escape: quote, backslash, ✓
      ['DELETE', '/items'],
      ['PUT', '/items'],
      ['GET', '/cache'],
    ]
    for (const [method, path] of cases) {
      test(`${method} ${path}`, async () => {
        const fast = await client().request(path, { method })
        const slow = await client().request(`/thrown${path}`, { method })
        expect(answer(fast)).toEqual(answer(slow))
      })
    }

    test('the 404: problem+json with its code and detail', async () => {
      const res = await client().request('/nowhere')
      expect(res.status).toBe(404)
      expect(res.header('content-type')).toBe('application/problem+json')
      expect(res.text()).toBe(
        '{"type":"about:blank","title":"Not Found","status":404,"detail":"no route for GET /nowhere","code":"TSGI_FW_ERR_ROUTE_NOT_FOUND"}',
      )
      expect(res.header('content-length')).toBe(String(res.body.byteLength))
    })

    test('the 405: allow, problem+json, its code; the allow list follows the routes', async () => {
      const res = await client().request('/items', { method: 'DELETE' })
      expect(res.status).toBe(405)
      expect(res.header('allow')).toBe('GET, HEAD, POST, OPTIONS')
      expect(res.header('content-type')).toBe('application/problem+json')
      expect(res.json()).toEqual({
        type: 'about:blank',
        title: 'Method Not Allowed',
        status: 405,
        detail: 'DELETE is not allowed here; allowed: GET, HEAD, POST, OPTIONS',
        code: FrameworkErrorCode.methodNotAllowed,
      })
      const purge = await client().request('/cache', { method: 'GET' })
      expect([purge.status, purge.header('allow')]).toEqual([405, 'OPTIONS, PURGE'])
    })

    test('HEAD of a missing path: the 404 head, no body', async () => {
      const get = await client().request('/nowhere/x', { method: 'GET' })
      const head = await client().request('/nowhere/x', { method: 'HEAD' })
      expect([head.status, head.header('content-type'), head.body.byteLength]).toEqual([
        404,
        'application/problem+json',
        0,
      ])
      expect(get.text()).toContain('no route for GET /nowhere/x')
    })
  },
)

function watchedApp(handled: boolean) {
  const app = createApp()
  const seen: unknown[] = []
  const trail: string[] = []
  app.use(async (req, next) => {
    const res = await next()
    trail.push(`${req.method} ${req.path} ${req.route || '-'} ${res.status}`)
    res.headers.set('x-seen', 'yes')
    return res
  })
  app.get('/items', () => ['lamp'])
  if (handled) {
    app.onError((error) => {
      seen.push(error)
      if (error instanceof HTTPError)
        return new Response(`handled ${error.status} ${error.code}`, {
          status: error.status,
          headers: error.headers,
        })
      throw error
    })
  }
  return Object.assign(app, { seen, trail })
}

for (const handled of [false, true]) {
  let app: ReturnType<typeof watchedApp> | undefined
  describeBoth(
    `404 and 405 ${handled ? 'with' : 'without'} an error handler: the middleware around them`,
    () => {
      app = watchedApp(handled)
      return app
    },
    (client) => {
      test('middleware runs for both and may change them', async () => {
        app!.trail.length = 0
        const missing = await client().request('/nowhere')
        const wrong = await client().request('/items', { method: 'DELETE' })
        expect([missing.status, missing.header('x-seen')]).toEqual([404, 'yes'])
        expect([wrong.status, wrong.header('x-seen'), wrong.header('allow')]).toEqual([
          405,
          'yes',
          'GET, HEAD, OPTIONS',
        ])
        expect(app!.trail).toEqual(['GET /nowhere - 404', 'DELETE /items - 405'])
      })

      test(
        handled ? 'the handler sees the errors, with their stacks' : 'the default problem bodies',
        async () => {
          app!.seen.length = 0
          const missing = await client().request('/nowhere')
          const wrong = await client().request('/items', { method: 'PATCH' })
          if (!handled) {
            expect(missing.json()).toMatchObject({ code: FrameworkErrorCode.routeNotFound })
            expect(wrong.json()).toMatchObject({ code: FrameworkErrorCode.methodNotAllowed })
            expect(app!.seen).toEqual([])
            return
          }
          expect([missing.status, missing.text()]).toEqual([
            404,
            `handled 404 ${FrameworkErrorCode.routeNotFound}`,
          ])
          expect([wrong.status, wrong.text(), wrong.header('allow')]).toEqual([
            405,
            `handled 405 ${FrameworkErrorCode.methodNotAllowed}`,
            'GET, HEAD, OPTIONS',
          ])
          const [notFound, notAllowed] = app!.seen
          expect(notFound).toBeInstanceOf(NotFoundError)
          expect((notFound as InstanceType<typeof NotFoundError>).message).toBe(
            'no route for GET /nowhere',
          )
          expect((notFound as Error).stack).toContain('NotFoundError')
          expect(notAllowed).toBeInstanceOf(MethodNotAllowedError)
          expect((notAllowed as MethodNotAllowedError).allow).toEqual(['GET', 'HEAD', 'OPTIONS'])
        },
      )
    },
  )
}

test('a route added after a 405 was answered changes the next allow list', async () => {
  const app = createApp()
  app.get('/late', () => 'get')
  const before = await app.request('/late', { method: 'DELETE' })
  expect(before.headers.find(([n]) => n === 'allow')?.[1]).toBe('GET, HEAD, OPTIONS')
  app.delete('/late', () => 'deleted')
  app.put('/late', () => 'put')
  const after = await app.request('/late', { method: 'PATCH' })
  expect([after.status, after.headers.find(([n]) => n === 'allow')?.[1]]).toEqual([
    405,
    'GET, HEAD, PUT, DELETE, OPTIONS',
  ])
  expect((await app.request('/late', { method: 'DELETE' })).status).toBe(200)
})
