/**
 * fromFetch and a client that leaves: request.signal aborts exactly once at each step (waiting
 * before the response, reading the upload, after the body was read, while the response streams)
 * and never on a normal completion; the response body reader is cancelled. Each case in memory
 * and over a socket.
 */
import { connect } from 'node:net'
import type { Application, ReceiveEvent } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import { Hono } from 'hono'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FetchHandler, fromFetch } from '../src/fetch/index.ts'
import { deferred, startServer, type TestServer, until } from './fetch-helpers.ts'

interface Probe {
  aborts: number
  settled: boolean
  cancelled: boolean
  bodyError: unknown
  entered: ReturnType<typeof deferred<void>>
}

let probe: Probe
const fresh = (): Probe => ({
  aborts: 0,
  settled: false,
  cancelled: false,
  bodyError: undefined,
  entered: deferred(),
})

function watch(req: Request): void {
  req.signal.addEventListener('abort', () => probe.aborts++)
}

const never = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))

const handler: FetchHandler = async (req) => {
  watch(req)
  const path = new URL(req.url).pathname
  if (path === '/wait') {
    probe.entered.resolve()
    return never(req.signal)
  }
  if (path === '/upload') {
    try {
      const reader = req.body!.getReader()
      await reader.read()
      probe.entered.resolve()
      await reader.read()
      await reader.read()
    } catch (error) {
      probe.bodyError = error
    }
    return new Response('late')
  }
  if (path === '/read-then-wait') {
    await req.text()
    probe.entered.resolve()
    return never(req.signal)
  }
  if (path === '/stream') {
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          controller.enqueue(new Uint8Array(1024))
          probe.entered.resolve()
        },
        cancel() {
          probe.cancelled = true
        },
      },
      { highWaterMark: 0 },
    )
    return new Response(body)
  }
  return new Response('done')
}

const app: Application = async (scope, receive, send) => {
  try {
    await fromFetch(handler)(scope, receive, send)
  } finally {
    if (scope.type === 'http') probe.settled = true
  }
}

let server: TestServer
beforeAll(async () => {
  server = await startServer(app, { lifespan: 'off' })
})
afterAll(() => server.close())

/** Starts a request to `path` and leaves once the handler reached its step. */
type Leave = (path: string, method?: string, whole?: boolean) => Promise<void>

const inMemory: Leave = async (path, method = 'GET', whole = false) => {
  const controller = new AbortController()
  async function* body() {
    yield 'first'
    await never(controller.signal)
  }
  const client = createTestClient(app)
  if (path === '/stream') {
    const res = await client.stream(path)
    await res.read()
    res.disconnect()
    await res.done().catch(() => {})
    return
  }
  const pending = client.request({
    method,
    path,
    signal: controller.signal,
    body: method === 'POST' ? (whole ? 'first' : body()) : undefined,
  })
  pending.catch(() => {})
  await probe.entered.promise
  controller.abort()
  await pending.catch(() => {})
}

const overSocket: Leave = async (path, method = 'GET', whole = false) => {
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1')
  socket.on('error', () => {})
  socket.on('data', () => {})
  const head = `${method} ${path} HTTP/1.1\r\nhost: x\r\n`
  socket.write(
    method === 'POST' ? `${head}content-length: ${whole ? 5 : 100}\r\n\r\nfirst` : `${head}\r\n`,
  )
  await probe.entered.promise
  socket.destroy()
}

describe.each([
  ['in memory', inMemory],
  ['over a socket', overSocket],
])('fromFetch disconnects %s', (_name, leave) => {
  it('aborts request.signal once when the client leaves before the response', async () => {
    probe = fresh()
    await leave('/wait')
    await until(() => probe.settled, 'the app to settle')
    expect(probe.aborts).toBe(1)
  })

  it('errors the body stream and aborts once when the client leaves mid-upload', async () => {
    probe = fresh()
    await leave('/upload', 'POST')
    await until(() => probe.settled, 'the app to settle')
    expect(probe.aborts).toBe(1)
    expect((probe.bodyError as { code?: string }).code).toBe(
      'TSGI_PROTOCOL_ERR_CLIENT_DISCONNECTED',
    )
  })

  it('aborts once when the client leaves after the body was read', async () => {
    probe = fresh()
    await leave('/read-then-wait', 'POST', true)
    await until(() => probe.settled, 'the app to settle')
    expect(probe.aborts).toBe(1)
  })

  it('cancels the response reader and aborts once when the client leaves mid-response', async () => {
    probe = fresh()
    await leave('/stream')
    await until(() => probe.settled && probe.cancelled, 'the reader cancelled')
    expect(probe.aborts).toBe(1)
  })
})

describe('fromFetch normal completion', () => {
  /** Records whether the adapter was handed the post-completion http.disconnect. */
  function recording(events: ReceiveEvent[]): Application {
    return (scope, receive, send) =>
      app(
        scope,
        async () => {
          const event = await receive()
          events.push(event)
          return event
        },
        send,
      )
  }

  it('in memory: never aborts the signal, even after the final http.disconnect', async () => {
    probe = fresh()
    const events: ReceiveEvent[] = []
    const res = await createTestClient(recording(events)).request('/done')
    expect(res.text()).toBe('done')
    await until(() => events.some((e) => e.type === 'http.disconnect'), 'the final disconnect')
    expect(probe.aborts).toBe(0)
  })

  it('over a socket: never aborts the signal, for a GET and a POST whose body was read', async () => {
    const events: ReceiveEvent[] = []
    const s = await startServer(recording(events), { lifespan: 'off' })
    try {
      probe = fresh()
      const res = await request(`${s.url}/done`)
      expect(await res.body.text()).toBe('done')
      const hono = new Hono().post('/', async (c) => {
        watch(c.req.raw)
        return c.text(await c.req.text())
      })
      const echo = await startServer(fromFetch(hono), { lifespan: 'off' })
      try {
        const posted = await request(echo.url, { method: 'POST', body: 'abc' })
        expect(await posted.body.text()).toBe('abc')
      } finally {
        await echo.close()
      }
      await until(() => events.some((e) => e.type === 'http.disconnect'), 'the final disconnect')
      expect(probe.aborts).toBe(0)
    } finally {
      await s.close()
    }
  })
})

describe('fromFetch with hono and c.req.raw.signal', () => {
  it('aborts c.req.raw.signal when the client leaves (over a socket)', async () => {
    const aborted = deferred()
    const entered = deferred()
    const hono = new Hono().get('/', async (c) => {
      c.req.raw.signal.addEventListener('abort', () => aborted.resolve())
      entered.resolve()
      await aborted.promise
      return c.text('late')
    })
    const s = await startServer(fromFetch(hono), { lifespan: 'off' })
    try {
      const controller = new AbortController()
      const pending = request(s.url, { signal: controller.signal }).catch(() => {})
      await entered.promise
      controller.abort()
      await pending
      await aborted.promise
    } finally {
      await s.close()
    }
  })
})

describe('fromFetch request.signal on copies of the request', () => {
  it('a clone() and a new Request(req, { signal: req.signal }) abort with it (over a socket)', async () => {
    const entered = deferred()
    const aborted = { original: deferred(), clone: deferred(), copy: deferred() }
    const s = await startServer(
      fromFetch(async (req) => {
        // The signal is the adapter's own and stays the same object on every read.
        expect(req.signal).toBe(req.signal)
        const clone = req.clone()
        const copy = new Request(req, { signal: req.signal })
        req.signal.addEventListener('abort', () => aborted.original.resolve())
        clone.signal.addEventListener('abort', () => aborted.clone.resolve())
        copy.signal.addEventListener('abort', () => aborted.copy.resolve())
        entered.resolve()
        await aborted.copy.promise
        return new Response('late')
      }),
      { lifespan: 'off' },
    )
    try {
      const controller = new AbortController()
      const pending = request(s.url, { signal: controller.signal }).catch(() => {})
      await entered.promise
      controller.abort()
      await pending
      await Promise.all([aborted.original.promise, aborted.clone.promise, aborted.copy.promise])
    } finally {
      await s.close()
    }
  })
})
