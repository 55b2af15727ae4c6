/** Responses, errors and middleware — in memory and over a socket. */
import { expect, test } from 'vitest'
import {
  bytes,
  ConflictError,
  createApp,
  empty,
  HTTPError,
  html,
  json,
  type Middleware,
  NotFoundError,
  Response,
  Router,
  redirect,
  stream,
  TooManyRequestsError,
  text,
} from '../src/index.ts'
import { describeBoth } from './both.ts'
import { waitFor } from './middleware-helpers.ts'

const logged: unknown[] = []
const order: string[] = []
const tag =
  (name: string): Middleware =>
  async (_req, next) => {
    order.push(`${name}>`)
    const res = await next()
    order.push(`${name}<`)
    res.headers.append('x-trail', name)
    return res
  }

function makeApp(debug = false) {
  const app = createApp({ debug, logger: { error: (_m, e) => logged.push(e) } })
  app.use(tag('global'))
  app.get('/json', () => json({ a: 1 }, { status: 201, headers: { 'X-Custom': 'yes' } }))
  app.get('/object', () => ({ plain: true }))
  app.get('/array', () => [1, 2])
  app.get('/string', () => 'just text')
  app.get('/text', () => text('latin é', { charset: 'latin1' }))
  app.get('/html', () => html('<p>hi</p>'))
  app.get('/bytes', () => bytes(new Uint8Array([1, 2, 3])))
  app.get('/redirect', () => redirect('/json'))
  app.get('/empty', () => empty())
  app.get('/cookie', () =>
    new Response('ok')
      .cookie('session', 'a b', { httpOnly: true, path: '/' })
      .cookie('theme', 'dark'),
  )
  app.get('/stream', () =>
    stream(
      (async function* () {
        yield 'a'
        yield new TextEncoder().encode('b')
        yield 'c'
      })(),
    ),
  )
  app.get('/readable', () =>
    stream(
      new ReadableStream({
        start(c) {
          c.enqueue('x')
          c.enqueue('y')
          c.close()
        },
      }),
    ),
  )
  app.get('/not-found', () => {
    throw new NotFoundError('no such thing')
  })
  app.get('/conflict', () => {
    throw new ConflictError('already exists', { code: 'APP_DUPLICATE' })
  })
  app.get('/limited', () => {
    throw new TooManyRequestsError('slow down', { headers: { 'retry-after': '30' } })
  })
  app.get('/crash', () => {
    throw new Error('secret internals')
  })
  app.get(
    '/early',
    { middleware: [async () => text('answered early', { status: 401 })] },
    () => 'never',
  )
  const admin = new Router({ prefix: '/admin' })
  admin.use(tag('admin'))
  admin.onError((error) => json({ adminError: (error as Error).message }, { status: 418 }))
  admin.get('/boom', { middleware: [tag('route')] }, () => {
    throw new Error('admin failure')
  })
  admin.get('/ok', { middleware: [tag('route')] }, () => 'admin ok')
  app.include(admin)
  app.get('/after', (req) => {
    req.after(async () => {
      order.push('after task')
    })
    return 'sent first'
  })
  app.get('/after-fails', (req) => {
    req.after(() => {
      throw new Error('after task broke')
    })
    req.after(async () => {
      order.push('second after task')
    })
    return 'sent anyway'
  })
  return app
}

describeBoth(
  'responses',
  () => makeApp(),
  (client) => {
    test('json with status and headers; plain objects, arrays and strings', async () => {
      const res = await client().request('/json')
      expect([res.status, res.header('content-type'), res.header('x-custom'), res.json()]).toEqual([
        201,
        'application/json',
        'yes',
        { a: 1 },
      ])
      expect((await client().request('/object')).json()).toEqual({ plain: true })
      expect((await client().request('/array')).json()).toEqual([1, 2])
      const s = await client().request('/string')
      expect([s.header('content-type'), s.text()]).toEqual([
        'text/plain; charset=utf-8',
        'just text',
      ])
    })

    test('text with a charset, html, bytes, redirect, empty', async () => {
      const latin = await client().request('/text')
      expect(latin.header('content-type')).toBe('text/plain; charset=latin1')
      expect([...latin.body]).toEqual([...Buffer.from('latin é', 'latin1')])
      expect((await client().request('/html')).header('content-type')).toBe(
        'text/html; charset=utf-8',
      )
      expect([...(await client().request('/bytes')).body]).toEqual([1, 2, 3])
      const r = await client().request('/redirect')
      expect([r.status, r.header('location')]).toEqual([302, '/json'])
      const e = await client().request('/empty')
      expect([e.status, e.body.byteLength]).toEqual([204, 0])
    })

    test('cookies: one set-cookie line each, with safe defaults (Path=/, HttpOnly, SameSite=Lax)', async () => {
      const res = await client().request('/cookie')
      const cookies = res.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v)
      expect(cookies).toEqual([
        'session=a%20b; Path=/; HttpOnly; SameSite=Lax',
        'theme=dark; Path=/; HttpOnly; SameSite=Lax',
      ])
    })

    test('streamed bodies from async iterables and ReadableStreams', async () => {
      expect((await client().request('/stream')).text()).toBe('abc')
      expect((await client().request('/readable')).text()).toBe('xy')
    })

    test('HTTP errors as problem+json with codes and headers', async () => {
      const nf = await client().request('/not-found')
      expect(nf.status).toBe(404)
      expect(nf.header('content-type')).toBe('application/problem+json')
      expect(nf.json()).toMatchObject({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: 'no such thing',
      })
      expect((await client().request('/conflict')).json()).toMatchObject({
        status: 409,
        code: 'APP_DUPLICATE',
      })
      expect((await client().request('/limited')).header('retry-after')).toBe('30')
    })

    test('an unhandled error: 500 with nothing internal; the error is logged', async () => {
      logged.length = 0
      const res = await client().request('/crash')
      expect(res.status).toBe(500)
      expect(res.text()).not.toContain('secret')
      expect(logged.map((e) => (e as Error).message)).toContain('secret internals')
    })

    test('middleware: onion order global → router → route; global runs for 404 and 405 too', async () => {
      order.length = 0
      await client().request('/admin/ok')
      expect(order).toEqual(['global>', 'admin>', 'route>', 'route<', 'admin<', 'global<'])
      const missing = await client().request('/nowhere')
      expect([missing.status, missing.header('x-trail')]).toEqual([404, 'global'])
      const wrong = await client().request('/json', { method: 'DELETE' })
      expect([wrong.status, wrong.header('x-trail')]).toEqual([405, 'global'])
    })

    test('a middleware can answer early; a router has its own error handler', async () => {
      const early = await client().request('/early')
      expect([early.status, early.text()]).toEqual([401, 'answered early'])
      const boom = await client().request('/admin/boom')
      expect([boom.status, boom.json()]).toEqual([418, { adminError: 'admin failure' }])
    })

    test('after() work runs once the response is sent', async () => {
      order.length = 0
      expect((await client().request('/after')).text()).toBe('sent first')
      await waitFor(() => order.includes('after task'))
      expect(order.at(-1)).toBe('after task')
    })

    test('a failing after() task is logged; the response and the next tasks are unaffected', async () => {
      order.length = 0
      logged.length = 0
      expect((await client().request('/after-fails')).text()).toBe('sent anyway')
      // The tasks run in order: once the second ran, the first has failed and been logged.
      await waitFor(() => order.includes('second after task'))
      expect(order.filter((step) => step.includes('after'))).toEqual(['second after task'])
      expect(logged.map((e) => (e as Error).message)).toEqual(['after task broke'])
    })
  },
)

describeBoth(
  'debug mode',
  () => makeApp(true),
  (client) => {
    test('500 bodies carry the message only in debug mode', async () => {
      const res = await client().request('/crash')
      expect(res.status).toBe(500)
      expect(res.text()).toContain('secret internals')
    })
  },
)

test('HTTPError defaults: title from the status, detail hidden from 500 up', () => {
  const e = new HTTPError(503)
  expect([e.status, e.title, e.expose]).toEqual([503, 'Service Unavailable', false])
  expect(new HTTPError(400, { detail: 'x' }).expose).toBe(true)
})
