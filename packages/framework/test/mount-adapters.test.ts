/**
 * Foreign apps mounted in a framework app through @tsgi/adapters: an Express app
 * (`fromNodeListener`) and hono apps (`fromFetch`). The mount sets `scope.rootPath`: Express
 * reads it as its mount path (`req.url` below it, `req.originalUrl` full, `req.baseUrl`), while a
 * fetch handler gets the full URL, so a hono app routes under the mount with `basePath()` or
 * `route()`. Streaming, bodies, errors and 404s inside and outside the mount, both transports.
 */
import { fromFetch } from '@tsgi/adapters/fetch'
import { fromNodeListener } from '@tsgi/adapters/node'
import { createTestClient } from '@tsgi/protocol/testing'
import { serve } from '@tsgi/server'
import express, { type Express } from 'express'
import { Hono } from 'hono'
import { stream } from 'hono/streaming'
import { request } from 'undici'
import { describe, expect, test } from 'vitest'
import { createApp } from '../src/index.ts'
import { describeBoth } from './both.ts'

/** A promise the test opens: the app's second chunk waits on it, so it cannot be buffered. */
class Gate {
  open!: () => void
  readonly opened = new Promise<void>((resolve) => {
    this.open = resolve
  })
}
/** The gate of the streaming request in flight (one at a time per app). */
interface Gates {
  current: Gate
}

function legacyExpress(gates: Gates): Express {
  const legacy = express()
  legacy.use(express.json())
  legacy.get('/who', (req, res) => {
    res.json({ url: req.url, originalUrl: req.originalUrl, baseUrl: req.baseUrl, path: req.path })
  })
  const admin = express.Router()
  admin.get('/users', (req, res) => {
    res.json({ baseUrl: req.baseUrl, originalUrl: req.originalUrl })
  })
  legacy.use('/admin', admin)
  legacy.post('/echo', (req, res) => {
    res.json({ echoed: req.body })
  })
  legacy.get('/stream', async (_req, res) => {
    res.setHeader('content-type', 'text/plain')
    res.write('first\n')
    await gates.current.opened
    res.end('second\n')
  })
  legacy.get('/boom', () => {
    throw new Error('kaput')
  })
  return legacy
}

/** Routes written relative to the mount; mounted as is, they do not match (the URL is full). */
function honoRoutes(gates: Gates): Hono {
  const sub = new Hono()
  sub.get('/hello', (c) => c.json({ hello: 'hono', path: c.req.path, url: c.req.url }))
  sub.post('/echo', async (c) => c.text(`echo: ${await c.req.text()}`))
  sub.get('/stream', (c) =>
    stream(c, async (s) => {
      await s.write('first\n')
      await gates.current.opened
      await s.write('second\n')
    }),
  )
  sub.get('/boom', () => {
    throw new Error('kaput')
  })
  sub.onError((error, c) => c.json({ error: error.message }, 500))
  return sub
}

function makeApp(gates: Gates) {
  const app = createApp()
  app.get('/own', () => ({ own: true }))
  app.mount('/legacy', fromNodeListener(legacyExpress(gates)))
  // The two documented ways: a basePath equal to the mount, or route() under it.
  app.mount('/hono', fromFetch(new Hono().basePath('/hono').route('/', honoRoutes(gates))))
  app.mount('/routed', fromFetch(new Hono().route('/routed', honoRoutes(gates))))
  // The pitfall: a hono app with relative routes sees /naive/hello, which it has no route for.
  app.mount('/naive', fromFetch(honoRoutes(gates)))
  app.mount(
    '/raw',
    fromNodeListener(() => {
      throw new Error('a listener that throws')
    }),
  )
  return app
}

describeBoth(
  'mounted Express and hono apps',
  () => makeApp({ current: new Gate() }),
  (client) => {
    test('Express sees req.url below the mount, originalUrl full, baseUrl the mount', async () => {
      const res = await client().request('/legacy/who?x=1')
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({
        url: '/who?x=1',
        originalUrl: '/legacy/who?x=1',
        baseUrl: '/legacy',
        path: '/who',
      })
      // Express's own mounts stack on top of the framework's.
      expect((await client().request('/legacy/admin/users')).json()).toEqual({
        baseUrl: '/legacy/admin',
        originalUrl: '/legacy/admin/users',
      })
    })

    test('request bodies reach the mounted apps', async () => {
      const json = await client().request('/legacy/echo', { method: 'POST', json: { n: 1 } })
      expect(json.json()).toEqual({ echoed: { n: 1 } })
      const text = await client().request('/hono/echo', { method: 'POST', body: 'abc' })
      expect(text.text()).toBe('echo: abc')
    })

    test('hono gets the full URL: basePath or route() under the mount match', async () => {
      const base = await client().request('/hono/hello?q=1')
      expect(base.status).toBe(200)
      expect(base.json()).toMatchObject({ hello: 'hono', path: '/hono/hello' })
      expect(new URL(base.json<{ url: string }>().url).pathname).toBe('/hono/hello')
      expect((await client().request('/routed/hello')).json()).toMatchObject({
        path: '/routed/hello',
      })
      // Relative routes mounted as is: hono's own 404, not the framework's.
      const naive = await client().request('/naive/hello')
      expect([naive.status, naive.text()]).toEqual([404, '404 Not Found'])
    })

    test('a 404 inside a mount is the mounted app’s, outside it the framework’s', async () => {
      const express404 = await client().request('/legacy/nope')
      expect(express404.status).toBe(404)
      expect(express404.header('content-type')).toMatch(/^text\/html/)
      // Express's final handler names the full path (originalUrl).
      expect(express404.text()).toContain('Cannot GET /legacy/nope')
      const hono404 = await client().request('/hono/nope')
      expect([hono404.status, hono404.text()]).toEqual([404, '404 Not Found'])
      for (const outside of ['/nope', '/legacyx/who', '/honox/hello']) {
        const res = await client().request(outside)
        expect(res.status).toBe(404)
        expect(res.header('content-type')).toBe('application/problem+json')
      }
      expect((await client().request('/own')).json()).toEqual({ own: true })
    })

    test('errors are handled by the mounted app, or are a 500 when it throws', async () => {
      const express500 = await client().request('/legacy/boom')
      expect(express500.status).toBe(500)
      expect(express500.header('content-type')).toMatch(/^text\/html/)
      const hono500 = await client().request('/hono/boom')
      expect([hono500.status, hono500.json()]).toEqual([500, { error: 'kaput' }])
      const raw = await client().request('/raw/anything')
      expect(raw.status).toBe(500)
    })
  },
)

describe('streaming through a mount', () => {
  const paths = ['/legacy/stream', '/hono/stream']

  test.each(paths)('in memory: %s sends its first chunk before the second exists', async (path) => {
    const gates: Gates = { current: new Gate() }
    const client = createTestClient(makeApp(gates))
    await client.startup()
    try {
      const res = await client.stream(path)
      expect(res.status).toBe(200)
      expect(new TextDecoder().decode((await res.read())!)).toBe('first\n')
      gates.current.open()
      expect(await res.text()).toBe('second\n')
      await res.done()
    } finally {
      await client.shutdown()
    }
  })

  test.each(paths)('over a socket: %s is chunked and read as it is sent', async (path) => {
    const gates: Gates = { current: new Gate() }
    const server = await serve(makeApp(gates), { port: 0, accessLog: false, logLevel: 'warn' })
    try {
      const res = await request(`${server.url}${path}`)
      expect(res.statusCode).toBe(200)
      expect(res.headers['transfer-encoding']).toBe('chunked')
      const chunks: string[] = []
      for await (const chunk of res.body) {
        chunks.push(String(chunk))
        if (chunks.length === 1) {
          expect(chunks[0]).toBe('first\n')
          gates.current.open()
        }
      }
      expect(chunks.join('')).toBe('first\nsecond\n')
    } finally {
      await server.close()
    }
  })
})
