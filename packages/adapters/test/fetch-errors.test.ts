/**
 * fromFetch with a plain `(req) => Response` handler: errors before and after the response
 * began, bodyless responses (HEAD, 204, 304), bad handlers and responses, rootPath in the URL,
 * the context, lifespan and waitUntil(). In memory and over a socket.
 */
import type { Application, HTTPScope, LifespanScope } from '@tsgi/protocol'
import { TSGI_VERSION } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { FetchAdapterError, type FetchContext, fromFetch } from '../src/fetch/index.ts'
import { deferred, startServer, until } from './fetch-helpers.ts'

const utf8 = new TextEncoder()

/** Opened by a test once it saw the response start. */
let breakNow = deferred()

/** One chunk, then (once `gate` resolves) an error. */
function failingAfter(gate: Promise<void> | undefined): ReadableStream<Uint8Array> {
  let sent = false
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!sent) {
          sent = true
          return controller.enqueue(utf8.encode('partial'))
        }
        await gate
        controller.error(new Error('stream broke'))
      },
    },
    { highWaterMark: 0 },
  )
}

const plain = fromFetch((req: Request) => {
  const path = new URL(req.url).pathname
  if (path === '/throw') throw new Error('handler broke')
  if (path === '/broken-stream') return new Response(failingAfter(breakNow.promise))
  if (path === '/broken-at-once') return new Response(failingAfter(undefined))
  if (path === '/204') return new Response(null, { status: 204 })
  if (path === '/304') return new Response(null, { status: 304, headers: { etag: '"x"' } })
  return new Response(`hello ${req.method} ${req.url}`, { headers: { 'x-kind': 'plain' } })
})

describe('fromFetch errors', () => {
  it('in memory: a handler throwing before a Response rejects the app', async () => {
    await expect(createTestClient(plain).request('/throw')).rejects.toThrow('handler broke')
    const res = await createTestClient(plain, { rethrow: false }).request('/throw')
    expect(res.status).toBe(500)
  })

  it('over a socket: a handler throwing before a Response is a 500', async () => {
    const server = await startServer(plain, { lifespan: 'off' })
    try {
      const res = await request(`${server.url}/throw`)
      expect(res.statusCode).toBe(500)
      await res.body.text()
      expect(server.logger.errors.some((e) => String(e.error).includes('handler broke'))).toBe(true)
    } finally {
      await server.close()
    }
  })

  it('in memory: a body stream erroring after the start rejects the app (truncated)', async () => {
    breakNow = deferred()
    const strict = await createTestClient(plain).stream('/broken-stream')
    breakNow.resolve()
    await expect(strict.done()).rejects.toThrow('stream broke')
    breakNow = deferred()
    const res = await createTestClient(plain, { rethrow: false }).stream('/broken-stream')
    expect(res.status).toBe(200)
    breakNow.resolve()
    expect(new TextDecoder().decode(await res.bytes())).toBe('partial')
    expect(res.truncated).toBe(true)
  })

  it('over a socket: a body stream erroring after the start aborts the connection', async () => {
    const server = await startServer(plain, { lifespan: 'off' })
    try {
      breakNow = deferred()
      const res = await request(`${server.url}/broken-stream`)
      expect(res.statusCode).toBe(200)
      breakNow.resolve()
      await expect(res.body.text()).rejects.toThrow()
    } finally {
      await server.close()
    }
  })

  it('a body stream erroring before the start could be written is still a 500', async () => {
    const res = await createTestClient(plain, { rethrow: false }).request('/broken-at-once')
    expect(res.status).toBe(500)
    const server = await startServer(plain, { lifespan: 'off' })
    try {
      const wire = await request(`${server.url}/broken-at-once`)
      expect(wire.statusCode).toBe(500)
      await wire.body.text()
    } finally {
      await server.close()
    }
  })

  it('rejects a handler that resolves with something else than a Response', async () => {
    const app = fromFetch(() => ({ status: 200 }) as unknown as Response)
    const error = await createTestClient(app)
      .request('/')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FetchAdapterError)
    expect((error as FetchAdapterError).code).toBe('TSGI_ADAPTERS_ERR_FETCH_RESPONSE')
    const errored = fromFetch(() => Response.error())
    await expect(createTestClient(errored).request('/')).rejects.toThrow(/Response\.error/)
  })

  it('rejects what is not a handler at once, with a code', () => {
    expect(() => fromFetch({} as unknown as () => Response)).toThrow(FetchAdapterError)
  })

  it('refuses websocket scopes (UnsupportedScopeError)', async () => {
    const scope = { type: 'websocket' } as unknown as HTTPScope
    await expect(
      plain(
        scope,
        async () => ({ type: 'http.disconnect' }),
        async () => {},
      ),
    ).rejects.toMatchObject({
      code: 'TSGI_PROTOCOL_ERR_UNSUPPORTED_SCOPE',
    })
  })
})

describe('fromFetch bodyless responses', () => {
  it('in memory: HEAD sends no body and cancels the body stream; 204 and 304 send none', async () => {
    let cancelled = false
    const app = fromFetch(
      () =>
        new Response(
          new ReadableStream({
            cancel() {
              cancelled = true
            },
          }),
        ),
    )
    const head = await createTestClient(app).request({ method: 'HEAD', path: '/' })
    expect(head.status).toBe(200)
    expect(head.body.byteLength).toBe(0)
    expect(cancelled).toBe(true)
    const client = createTestClient(plain)
    expect((await client.request('/204')).status).toBe(204)
    const notModified = await client.request('/304')
    expect(notModified.status).toBe(304)
    expect(notModified.header('etag')).toBe('"x"')
    expect(notModified.body.byteLength).toBe(0)
  })

  it('over a socket: HEAD, 204 and 304 carry no body and no added content-length', async () => {
    const server = await startServer(plain, { lifespan: 'off' })
    try {
      const head = await request(`${server.url}/x`, { method: 'HEAD' })
      expect(head.statusCode).toBe(200)
      expect(head.headers['x-kind']).toBe('plain')
      expect(await head.body.text()).toBe('')
      for (const status of [204, 304]) {
        const res = await request(`${server.url}/${status}`)
        expect(res.statusCode).toBe(status)
        expect(res.headers['content-length']).toBeUndefined()
        expect(await res.body.text()).toBe('')
      }
    } finally {
      await server.close()
    }
  })
})

describe('fromFetch request and context', () => {
  it('keeps rootPath in the URL and passes the client, scope and state as the context', async () => {
    let seen: FetchContext | undefined
    let third: FetchContext | undefined
    const app = fromFetch({
      fetch(req: Request, env: FetchContext, ctx: FetchContext) {
        seen = env
        third = ctx
        return new Response(req.url)
      },
    })
    const client = createTestClient(app, {
      rootPath: '/mnt',
      client: { host: '10.0.0.7', port: 4000 },
    })
    const res = await client.request('/a%20b/c?x=%C3%A9')
    expect(res.text()).toBe('http://testserver/mnt/a%20b/c?x=%C3%A9')
    expect(seen?.client).toEqual({ host: '10.0.0.7', port: 4000 })
    expect(seen?.scope.rootPath).toBe('/mnt')
    expect(seen?.state).toBe(seen?.scope.state)
    expect(third).toBe(seen)
  })
})

describe('fromFetch lifespan and waitUntil', () => {
  function app(work: Promise<void>, log: string[]): Application {
    return fromFetch(
      (_req, ctx) => {
        ctx.waitUntil(work.then(() => void log.push('work done')))
        return new Response('ok')
      },
      {
        onStartup: (state) => {
          state.started = true
        },
        onShutdown: () => void log.push('shutdown hook'),
      },
    )
  }

  /** Wraps `inner` to note when the lifespan shutdown event reached it. */
  function noting(inner: Application, log: string[]): Application {
    return (scope, receive, send) =>
      inner(
        scope,
        async () => {
          const event = await receive()
          if (event.type === 'lifespan.shutdown') log.push('shutdown delivered')
          return event
        },
        send,
      )
  }

  it('in memory: startup completes; shutdown waits for pending waitUntil promises', async () => {
    const log: string[] = []
    const work = deferred()
    const client = createTestClient(noting(app(work.promise, log), log))
    expect(await client.startup()).toEqual({ started: true })
    expect((await client.request('/')).text()).toBe('ok')
    let shutDown = false
    const shutdown = client.shutdown().then(() => {
      shutDown = true
    })
    await until(() => log.includes('shutdown delivered'), 'the shutdown event')
    await new Promise((r) => setImmediate(r))
    expect(shutDown).toBe(false)
    work.resolve()
    await shutdown
    expect(log).toEqual(['shutdown delivered', 'work done', 'shutdown hook'])
  })

  it('over a socket: server.close() waits for pending waitUntil promises', async () => {
    const log: string[] = []
    const work = deferred()
    const server = await startServer(noting(app(work.promise, log), log), { lifespan: 'on' })
    const res = await request(server.url)
    expect(await res.body.text()).toBe('ok')
    const closed = server.close()
    await until(() => log.includes('shutdown delivered'), 'the shutdown event')
    expect(log).not.toContain('shutdown hook')
    work.resolve()
    await closed
    expect(log).toEqual(['shutdown delivered', 'work done', 'shutdown hook'])
  })

  it('reports a rejected waitUntil promise to onWaitUntilError, never as unhandled', async () => {
    const errors: unknown[] = []
    const failing = fromFetch(
      (_req, ctx) => {
        ctx.waitUntil(Promise.reject(new Error('background failed')))
        return new Response('ok')
      },
      { onWaitUntilError: (error) => errors.push(error) },
    )
    const client = createTestClient(failing)
    await client.startup()
    await client.request('/')
    await client.shutdown()
    expect(errors).toHaveLength(1)
    expect(String(errors[0])).toContain('background failed')
  })

  it('answers startup.failed when onStartup throws', async () => {
    const failing = fromFetch(() => new Response(''), {
      onStartup: () => {
        throw new Error('no database')
      },
    })
    const sent: unknown[] = []
    const scope: LifespanScope = { type: 'lifespan', tsgi: TSGI_VERSION, state: {} }
    await failing(
      scope,
      async () => ({ type: 'lifespan.startup' }),
      async (event) => void sent.push(event),
    )
    expect(sent).toEqual([{ type: 'lifespan.startup.failed', message: 'no database' }])
  })
})
