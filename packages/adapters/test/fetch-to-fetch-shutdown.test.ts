/**
 * toFetch(app).close() with `timeoutGracefulShutdown`: requests that finish in time are waited
 * for; past the deadline an unanswered request gets a 503 (connection: close), a streamed one
 * is errored, their apps see `http.disconnect` and `send()` rejects, WebSocket apps that never
 * return are not waited for, and lifespan shutdown still runs; bad values are refused. In
 * memory here, over real sockets in test/runtime-to-fetch-limits.test.ts (Bun and Deno) and
 * through serve() below.
 */
import {
  type Application,
  isClientDisconnected,
  type ReceiveEvent,
  type Send,
} from '@tsgi/protocol'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { FetchAdapterErrorCode, fromFetch, toFetch } from '../src/fetch/index.ts'
import { deferred, startServer, until } from './fetch-helpers.ts'

const utf8 = new TextEncoder()

interface Seen {
  events: ReceiveEvent[]
  errors: unknown[]
  lifespan: string[]
}

const start = (send: Send) => send({ type: 'http.response.start', status: 200, headers: [] })

/**
 * `/hang`: never answers; `/stream`: one chunk, then waits; `/quick`: answers after `gate`.
 * The first two wait for `http.disconnect`, try one more send, then never return.
 */
function app(seen: Seen, gate: Promise<void>): Application {
  return async (scope, receive, send) => {
    if (scope.type === 'lifespan') {
      await receive()
      await send({ type: 'lifespan.startup.complete' })
      await receive()
      seen.lifespan.push('shutdown')
      await send({ type: 'lifespan.shutdown.complete' })
      return
    }
    if (scope.type !== 'http') return
    if (scope.path === '/quick') {
      await gate
      await start(send)
      await send({ type: 'http.response.body', body: utf8.encode('in time') })
      return
    }
    if (scope.path === '/stream') {
      await start(send)
      await send({ type: 'http.response.body', body: utf8.encode('first'), moreBody: true })
    }
    seen.events.push(await receive())
    seen.events.push(await receive())
    try {
      await send({ type: 'http.response.body', body: utf8.encode('late'), moreBody: true })
    } catch (error) {
      seen.errors.push(error)
    }
    await new Promise(() => {})
  }
}

describe('toFetch close() deadline', () => {
  it('cuts what runs past it: 503 unanswered, a streamed body errored, the apps told; lifespan runs', async () => {
    const seen: Seen = { events: [], errors: [], lifespan: [] }
    const logged: unknown[] = []
    const handler = toFetch(app(seen, new Promise(() => {})), {
      timeoutGracefulShutdown: 0.05,
      onError: (e) => logged.push(e),
    })
    await handler.ready()
    const hung = handler.fetch(new Request('http://h/hang'))
    const streamed = await handler.fetch(new Request('http://h/stream'))
    const reader = (streamed.body as ReadableStream<Uint8Array>).getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first')
    await handler.close()
    const answer = await hung
    expect(answer.status).toBe(503)
    expect(answer.headers.get('connection')).toBe('close')
    await expect(reader.read()).rejects.toThrow(/shut down/)
    expect(seen.lifespan).toEqual(['shutdown'])
    // Each app: the body event (a GET's empty one), then the disconnect; its send rejects.
    expect(seen.events.filter((e) => e.type === 'http.disconnect')).toHaveLength(2)
    expect(seen.errors.map(isClientDisconnected)).toEqual([true, true])
    expect(logged).toEqual([])
  })

  it('waits for a request that finishes in time, and does not cut it', async () => {
    const seen: Seen = { events: [], errors: [], lifespan: [] }
    const gate = deferred()
    const handler = toFetch(app(seen, gate.promise), { timeoutGracefulShutdown: 30 })
    await handler.ready()
    const quick = handler.fetch(new Request('http://h/quick'))
    const closing = handler.close()
    gate.resolve()
    await closing
    expect(await (await quick).text()).toBe('in time')
    expect(seen.lifespan).toEqual(['shutdown'])
  })

  it('does not wait past it for a WebSocket app that never returns', async () => {
    const lifespan: string[] = []
    const ws: Application = async (scope, receive, send) => {
      if (scope.type === 'lifespan') {
        await receive()
        await send({ type: 'lifespan.startup.complete' })
        await receive()
        lifespan.push('shutdown')
        await send({ type: 'lifespan.shutdown.complete' })
        return
      }
      await receive()
      await send({ type: 'websocket.accept' })
      await new Promise(() => {})
    }
    let closed: { code: number; reason: string } | null = null
    const handler = toFetch(ws, {
      timeoutGracefulShutdown: 0.05,
      websocket: (_request, _accept, connection) => {
        connection.open({
          send: () => true,
          close: (code, reason) => {
            closed = { code, reason }
          },
        })
        return new Response(null)
      },
    })
    await handler.fetch(
      new Request('http://h/ws', {
        headers: { upgrade: 'websocket', connection: 'upgrade', 'sec-websocket-version': '13' },
      }),
    )
    await handler.close()
    expect(closed).toEqual({ code: 1012, reason: 'server shutting down' })
    expect(lifespan).toEqual(['shutdown'])
  })

  it('is idempotent: a second close() is the same shutdown', async () => {
    const seen: Seen = { events: [], errors: [], lifespan: [] }
    const handler = toFetch(app(seen, Promise.resolve()))
    await handler.ready()
    const a = handler.close()
    const b = handler.close()
    expect(a).toBe(b)
    await a
    expect(seen.lifespan).toEqual(['shutdown'])
  })

  it('refuses a bad timeoutGracefulShutdown with a precise error', () => {
    for (const bad of [-1, Number.NaN, '5', null]) {
      expect(() =>
        toFetch(app({ events: [], errors: [], lifespan: [] }, Promise.resolve()), {
          timeoutGracefulShutdown: bad as number,
        }),
      ).toThrow(
        expect.objectContaining({
          code: FetchAdapterErrorCode.option,
          message: expect.stringMatching(/timeoutGracefulShutdown must be a number of seconds/),
        }),
      )
    }
  })

  it('through serve(): the cut request reaches the client as a 503', async () => {
    const seen: Seen = { events: [], errors: [], lifespan: [] }
    const handler = toFetch(app(seen, new Promise(() => {})), { timeoutGracefulShutdown: 0.05 })
    await handler.ready()
    const server = await startServer(fromFetch(handler), { lifespan: 'off' })
    try {
      const hung = request(`${server.url}/hang`)
      // The app is running once its first receive() returned.
      await until(() => seen.events.length > 0, 'the app to run')
      await handler.close()
      const res = await hung
      expect(res.statusCode).toBe(503)
      expect(await res.body.text()).toBe('Service Unavailable')
    } finally {
      await server.close()
    }
  })
})
