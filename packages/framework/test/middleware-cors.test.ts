import { expect, test } from 'vitest'
import { createApp, HTTPError, text } from '../src/index.ts'
import { cors } from '../src/middleware/index.ts'
import { describeBoth } from './both.ts'
import { varyOf } from './middleware-helpers.ts'

const APP = 'https://app.example'
const preflight = (origin: string, extra: Record<string, string> = {}) => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'PUT', ...extra },
})

function routes(app: ReturnType<typeof createApp>) {
  app.get('/items', () => 'items')
  app.post('/items', () => 'created')
  app.get('/varied', () => text('hi', { headers: { vary: 'accept-language' } }))
  app.get('/boom', () => {
    throw new Error('boom')
  })
  app.get('/teapot', () => {
    throw new HTTPError(418)
  })
  app.get('/own', () =>
    text('own', { headers: { 'access-control-allow-origin': 'https://own.example' } }),
  )
  return app
}

describeBoth(
  'cors: defaults (any origin)',
  () => {
    const app = createApp({ logger: { error() {} } })
    app.use(cors())
    return routes(app)
  },
  (client) => {
    test('simple requests get `*`, without vary: origin', async () => {
      const res = await client().request('/items', { headers: { origin: APP } })
      expect([res.status, res.text()]).toEqual([200, 'items'])
      expect(res.header('access-control-allow-origin')).toBe('*')
      expect(res.header('access-control-allow-credentials')).toBeUndefined()
      expect(varyOf(res.headers)).not.toContain('origin')
      const plain = await client().request('/items')
      expect(plain.header('access-control-allow-origin')).toBe('*')
    })

    test('preflight is answered 204 by the middleware, on a path without OPTIONS route', async () => {
      const res = await client().request(
        '/items',
        preflight(APP, { 'access-control-request-headers': 'x-token, content-type' }),
      )
      expect(res.status).toBe(204)
      expect(res.body.byteLength).toBe(0)
      expect(res.header('allow')).toBeUndefined() // routing's automatic OPTIONS did not run
      expect(res.header('access-control-allow-origin')).toBe('*')
      expect(res.header('access-control-allow-methods')).toBe('GET, HEAD, PUT, PATCH, POST, DELETE')
      expect(res.header('access-control-allow-headers')).toBe('x-token, content-type')
      expect(varyOf(res.headers)).toContain('access-control-request-headers')
      expect(res.header('access-control-max-age')).toBeUndefined()
    })

    test('preflight is answered for a path with no route at all (404 otherwise)', async () => {
      const res = await client().request('/nowhere', preflight(APP))
      expect(res.status).toBe(204)
      expect(res.header('access-control-allow-origin')).toBe('*')
    })

    test('an OPTIONS that is no preflight reaches routing', async () => {
      const res = await client().request('/items', { method: 'OPTIONS', headers: { origin: APP } })
      expect([res.status, res.header('allow')]).toEqual([204, 'GET, HEAD, POST, OPTIONS'])
      expect(res.header('access-control-allow-origin')).toBe('*')
    })

    test('error responses carry the CORS headers: 404, 405, 500, thrown HTTPError', async () => {
      for (const [path, method, status] of [
        ['/nowhere', 'GET', 404],
        ['/items', 'DELETE', 405],
        ['/boom', 'GET', 500],
        ['/teapot', 'GET', 418],
      ] as const) {
        const res = await client().request(path, { method, headers: { origin: APP } })
        expect(res.status).toBe(status)
        expect(res.header('access-control-allow-origin')).toBe('*')
      }
    })

    test("a response's own access-control-allow-origin is kept", async () => {
      const res = await client().request('/own', { headers: { origin: APP } })
      expect(res.header('access-control-allow-origin')).toBe('https://own.example')
    })
  },
)

describeBoth(
  'cors: listed origins with credentials',
  () => {
    const app = createApp({ logger: { error() {} } })
    app.use(
      cors({
        origin: [APP, 'https://admin.example'],
        credentials: true,
        maxAge: 600,
        methods: ['GET', 'POST'],
        allowedHeaders: ['content-type'],
        exposedHeaders: ['x-total', 'x-page'],
      }),
    )
    return routes(app)
  },
  (client) => {
    test('an allowed origin is reflected, with credentials, exposed headers and vary', async () => {
      const res = await client().request('/items', { headers: { origin: APP } })
      expect(res.header('access-control-allow-origin')).toBe(APP)
      expect(res.header('access-control-allow-credentials')).toBe('true')
      expect(res.header('access-control-expose-headers')).toBe('x-total, x-page')
      expect(varyOf(res.headers)).toEqual(['origin'])
    })

    test('a refused origin gets no CORS headers, yet the request is served', async () => {
      const res = await client().request('/items', { headers: { origin: 'https://evil.example' } })
      expect([res.status, res.text()]).toEqual([200, 'items'])
      expect(res.headers.filter(([n]) => n.startsWith('access-control-'))).toEqual([])
      expect(varyOf(res.headers)).toEqual(['origin'])
      const none = await client().request('/items')
      expect(none.header('access-control-allow-origin')).toBeUndefined()
      expect(varyOf(none.headers)).toEqual(['origin'])
    })

    test('preflight: configured methods, headers and max-age; refused origin gets none', async () => {
      const res = await client().request('/items', preflight('https://admin.example'))
      expect(res.status).toBe(204)
      expect(res.header('access-control-allow-origin')).toBe('https://admin.example')
      expect(res.header('access-control-allow-credentials')).toBe('true')
      expect(res.header('access-control-allow-methods')).toBe('GET, POST')
      expect(res.header('access-control-allow-headers')).toBe('content-type')
      expect(res.header('access-control-max-age')).toBe('600')
      expect(varyOf(res.headers)).toEqual(['origin'])
      const refused = await client().request('/items', preflight('https://evil.example'))
      expect(refused.status).toBe(204)
      expect(refused.headers.filter(([n]) => n.startsWith('access-control-'))).toEqual([])
    })

    test('vary: origin is appended to an existing vary, never clobbering it', async () => {
      const res = await client().request('/varied', { headers: { origin: APP } })
      expect(varyOf(res.headers)).toEqual(['accept-language', 'origin'])
    })
  },
)

describeBoth(
  'cors: any origin with credentials, patterns and functions',
  () => {
    const app = createApp()
    const star = createApp()
    star.use(cors({ credentials: true }))
    star.get('/', () => 'star')
    const pattern = createApp()
    pattern.use(cors({ origin: /^https:\/\/[a-z]+\.example\.com$/ }))
    pattern.get('/', () => 'pattern')
    const fn = createApp()
    fn.use(
      cors({
        origin: (origin, req) =>
          req.headers.get('x-tenant') === 'acme' ? 'https://acme.example' : origin.endsWith('.ok'),
      }),
    )
    fn.get('/', () => 'fn')
    app.mount('/star', star)
    app.mount('/pattern', pattern)
    app.mount('/fn', fn)
    return app
  },
  (client) => {
    test("with credentials, '*' reflects the origin (but never `null`)", async () => {
      const res = await client().request('/star', { headers: { origin: APP } })
      expect(res.header('access-control-allow-origin')).toBe(APP)
      expect(res.header('access-control-allow-credentials')).toBe('true')
      expect(varyOf(res.headers)).toContain('origin')
      const sandboxed = await client().request('/star', { headers: { origin: 'null' } })
      expect(sandboxed.header('access-control-allow-origin')).toBeUndefined()
    })

    test('a RegExp allows matching origins only', async () => {
      const ok = await client().request('/pattern', {
        headers: { origin: 'https://a.example.com' },
      })
      expect(ok.header('access-control-allow-origin')).toBe('https://a.example.com')
      const no = await client().request('/pattern', {
        headers: { origin: 'https://a.example.com.evil' },
      })
      expect(no.header('access-control-allow-origin')).toBeUndefined()
    })

    test('a function decides per request: true reflects, a string is sent, false refuses', async () => {
      const yes = await client().request('/fn', { headers: { origin: 'https://x.ok' } })
      expect(yes.header('access-control-allow-origin')).toBe('https://x.ok')
      const named = await client().request('/fn', {
        headers: { origin: 'https://x.no', 'x-tenant': 'acme' },
      })
      expect(named.header('access-control-allow-origin')).toBe('https://acme.example')
      const no = await client().request('/fn', { headers: { origin: 'https://x.no' } })
      expect(no.header('access-control-allow-origin')).toBeUndefined()
    })
  },
)
