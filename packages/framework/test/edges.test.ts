/** Startup failures, registration errors, the route table, disconnect signals, WebSocket denial and closing. */
import { type HTTPScope, TSGI_VERSION } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import { describe, expect, test } from 'vitest'
import {
  createApp,
  DuplicateRouteError,
  type Response as FrameworkResponse,
  json,
  RoutePatternError,
  text,
} from '../src/index.ts'
import { waitFor } from './middleware-helpers.ts'

describe('lifespan failures', () => {
  test('a failing startup hook fails the startup with its message; shutdown hooks run in reverse', async () => {
    const app = createApp()
    app.onStartup(() => {
      throw new Error('database unreachable')
    })
    await expect(createTestClient(app).startup()).rejects.toThrow(/database unreachable/)

    const order: string[] = []
    const ok = createApp()
    ok.onShutdown(() => void order.push('first registered'))
    ok.onShutdown(() => void order.push('last registered'))
    const client = createTestClient(ok)
    await client.startup()
    await client.shutdown()
    expect(order).toEqual(['last registered', 'first registered'])
  })

  test('a failing shutdown hook reports lifespan.shutdown.failed', async () => {
    const app = createApp()
    app.onShutdown(() => {
      throw new Error('flush failed')
    })
    const client = createTestClient(app)
    await client.startup()
    await expect(client.shutdown()).rejects.toThrow(/flush failed/)
  })
})

describe('registration', () => {
  test('the same method and path twice is an error at registration', () => {
    const app = createApp()
    app.get('/a/:id', () => 'one')
    expect(() => app.get('/a/:id', () => 'two')).toThrow(DuplicateRouteError)
    // A different parameter name at the same place would make the tree ambiguous: refused too.
    expect(() => app.get('/a/:other', () => 'three')).toThrow(RoutePatternError)
  })

  test.each([
    ['/a//b', /empty segment/],
    ['/a/:x/:x', /appears twice/],
    ['/a/*rest/b', /must be the last segment/],
  ])('pattern %s is refused', (pattern, message) => {
    expect(() => createApp().get(pattern, () => 'x')).toThrow(RoutePatternError)
    expect(() => createApp().get(pattern, () => 'x')).toThrow(message)
  })

  test('the route table lists methods and paths', () => {
    const app = createApp()
    app.get('/b', () => 'b')
    app.post('/a', () => 'a')
    app.on(['PUT', 'PATCH'], '/a', () => 'x')
    const lines = app.routes().map((l) => l.replace(/\s+/g, ' '))
    expect(lines).toEqual(expect.arrayContaining(['GET /b', 'POST /a', 'PUT /a', 'PATCH /a']))
  })
})

describe('the app as a TSGI application', () => {
  const scope = (path: string): HTTPScope => ({
    type: 'http',
    tsgi: TSGI_VERSION,
    httpVersion: '1.1',
    method: 'GET',
    scheme: 'http',
    path,
    rawPath: path,
    queryString: '',
    rootPath: '',
    headers: [],
    client: null,
    server: null,
    state: {},
    extensions: {},
  })
  const receive = () => Promise.resolve({ type: 'http.disconnect' as const })

  test('a synchronous handler answers within the call: start and body sent before it returns', () => {
    const app = createApp()
    app.get('/now', () => ({ now: true }))
    const sent: string[] = []
    const call = app(scope('/now'), receive, (event) => {
      sent.push(event.type)
      return Promise.resolve()
    })
    expect(sent).toEqual(['http.response.start', 'http.response.body'])
    return expect(call).resolves.toBeUndefined()
  })

  test('a middleware that forgets to return: a logged 500, not a crash', async () => {
    const logged: unknown[] = []
    const app = createApp({ logger: { error: (_m, e) => logged.push(e) } })
    app.use(async (_req, next) => {
      await next()
      return undefined as unknown as FrameworkResponse
    })
    app.get('/now', () => 'now')
    const res = await app.request('/now')
    expect(res.status).toBe(500)
    expect(String(logged[0])).toMatch(/resolved with undefined instead of a Response/)
  })

  test("a send() that throws instead of rejecting still makes the app's call reject, never throw", async () => {
    const app = createApp()
    app.get('/now', () => 'now')
    let call: Promise<void> | undefined
    expect(() => {
      call = app(scope('/now'), receive, () => {
        throw new Error('broken server')
      })
    }).not.toThrow()
    await expect(call).rejects.toThrow('broken server')
  })

  test('a failed start is the error reported, and the body send after it is handled too', async () => {
    const app = createApp()
    app.get('/now', () => 'now')
    const failure = new Error('start refused')
    const call = app(scope('/now'), receive, (event) =>
      event.type === 'http.response.start'
        ? Promise.reject(failure)
        : Promise.reject(new Error('body after a failed start')),
    )
    await expect(call).rejects.toBe(failure)
  })
})

describe('disconnects', () => {
  test('req.signal aborts when the client goes', async () => {
    let reached = false
    let aborted = false
    const app = createApp()
    app.get('/wait', async (req) => {
      reached = true
      await new Promise<void>((resolve) => req.signal.addEventListener('abort', () => resolve()))
      aborted = true
      return text('too late')
    })
    const client = createTestClient(app)
    // Disconnect before any response: the test client's request is aborted through its signal.
    const controller = new AbortController()
    const pending = client.request('/wait', { signal: controller.signal }).catch(() => undefined)
    await waitFor(() => reached)
    controller.abort()
    await pending
    await waitFor(() => aborted)
    expect(aborted).toBe(true)
  })
})

describe('websocket routes', () => {
  test('deny() sends an HTTP response when the server offers the extension', async () => {
    const app = createApp()
    app.ws('/private', async (socket) => {
      await socket.deny(json({ error: 'log in first' }, { status: 401 }))
    })
    const client = createTestClient(app, { extensions: { 'websocket.http.response': {} } })
    const error = await client.websocket('/private').catch((e) => e)
    expect(error.status).toBe(401)
    expect(Buffer.from(error.body).toString()).toBe('{"error":"log in first"}')
  })

  test('close() with a code; the peer’s close code is seen by the handler', async () => {
    let seen: number | undefined
    const app = createApp()
    app.ws('/chat', async (socket) => {
      await socket.accept({ subprotocol: 'v1' })
      const first = await socket.receive()
      if (first === 'bye') return socket.close(4000, 'asked')
      await socket.receive()
      seen = socket.closeCode ?? undefined
    })
    const client = createTestClient(app)
    const a = await client.websocket('/chat', { subprotocols: ['v1'] })
    expect(a.subprotocol).toBe('v1')
    a.send('bye')
    expect(await a.closed).toMatchObject({ code: 4000, reason: 'asked' })
    const b = await client.websocket('/chat', { subprotocols: ['v1'] })
    b.send('stay')
    b.close(4001)
    await b.done()
    expect(seen).toBe(4001)
  })

  test('a plain HTTP request to a WebSocket-only path is 426', async () => {
    const app = createApp()
    app.ws('/only-ws', async (socket) => socket.accept())
    const res = await app.request('/only-ws')
    expect(res.status).toBe(426)
  })
})
