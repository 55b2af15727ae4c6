/**
 * toFetch's per-request savings keep every behaviour: a small sized body arrives whole as one
 * event (an unsized or large one still streams), `request.signal` is left alone until the app
 * waits on the exchange, and its abort listener goes once the response is complete and the app
 * returned; in memory and in a round trip fromFetch(toFetch(app)) through serve().
 */
import { Readable } from 'node:stream'
import type { Application, Receive, ReceiveEvent } from '@tsgi/protocol'
import { request } from 'undici'
import { describe, expect, it, vi } from 'vitest'
import { fromFetch, toFetch } from '../src/fetch/index.ts'
import { deferred, startServer, until } from './fetch-helpers.ts'

const utf8 = new TextEncoder()

/** Every event until the body ends (or the client left). */
async function events(receive: Receive): Promise<ReceiveEvent[]> {
  const all: ReceiveEvent[] = []
  for (;;) {
    const event = await receive()
    all.push(event)
    if (event.type !== 'http.request' || !event.moreBody) return all
  }
}

/** An app answering how its body arrived: `events:bytes`. */
function bodyShapeApp(): Application {
  return async (scope, receive, send) => {
    if (scope.type !== 'http') return
    const got = await events(receive)
    const bytes = got.reduce((n, e) => n + (e.type === 'http.request' ? e.body.byteLength : 0), 0)
    await send({ type: 'http.response.start', status: 200 })
    await send({ type: 'http.response.body', body: utf8.encode(`${got.length}:${bytes}`) })
  }
}

/** A request body of `chunks` chunks of `size` bytes, unsized. */
function chunked(chunks: number, size: number): ReadableStream<Uint8Array> {
  let left = chunks
  return new ReadableStream({
    pull(c) {
      if (left-- === 0) c.close()
      else c.enqueue(new Uint8Array(size))
    },
  })
}

function post(
  body: NonNullable<RequestInit['body']>,
  headers: Record<string, string> = {},
): Request {
  return new Request('http://x/', { method: 'POST', body, headers, duplex: 'half' } as RequestInit)
}

describe('toFetch request body', () => {
  it('a body with a small Content-Length arrives whole, in one event', async () => {
    const handler = toFetch(bodyShapeApp())
    const res = await handler.fetch(post('x'.repeat(1000), { 'content-length': '1000' }))
    expect(await res.text()).toBe('1:1000')
  })

  it('an unsized body is streamed chunk by chunk', async () => {
    const handler = toFetch(bodyShapeApp())
    const res = await handler.fetch(post(chunked(3, 100)))
    // Three chunks, then the empty last event.
    expect(await res.text()).toBe('4:300')
  })

  it('a body over 64 KiB is streamed even when sized', async () => {
    const handler = toFetch(bodyShapeApp())
    const size = 3 * 32 * 1024
    const res = await handler.fetch(post(chunked(3, 32 * 1024), { 'content-length': String(size) }))
    expect(await res.text()).toBe(`4:${size}`)
  })

  it('through serve(): a sized body whole, an unsized one streamed', async () => {
    const handler = toFetch(bodyShapeApp())
    const server = await startServer(fromFetch(handler), { lifespan: 'off' })
    try {
      const sized = await request(server.url, { method: 'POST', body: 'y'.repeat(5000) })
      expect(await sized.body.text()).toBe('1:5000')
      const unsized = await request(server.url, {
        method: 'POST',
        body: Readable.from(['a'.repeat(10), 'b'.repeat(10)]),
      })
      const [count, bytes] = (await unsized.body.text()).split(':').map(Number)
      expect(bytes).toBe(20)
      expect(count).toBeGreaterThan(1)
    } finally {
      await server.close()
      await handler.close()
    }
  })
})

describe('toFetch scope.headers', () => {
  it('is made on first read, assignable, copied by a spread, in its place among the fields', async () => {
    const seen = deferred<Record<string, unknown>>()
    const app: Application = async (scope, _r, send) => {
      if (scope.type !== 'http') return
      const keys = Object.keys(scope)
      const first = scope.headers
      const again = scope.headers
      const copy = { ...scope }
      scope.headers = [['x-replaced', '1']]
      seen.resolve({ keys, first, same: first === again, copy: copy.headers, now: scope.headers })
      await send({ type: 'http.response.start', status: 204 })
      await send({ type: 'http.response.body' })
    }
    await toFetch(app).fetch(new Request('http://h:81/p', { headers: { 'x-a': '1' } }))
    const got = await seen.promise
    expect(got.keys).toEqual([
      'type',
      'tsgi',
      'httpVersion',
      'method',
      'scheme',
      'path',
      'rawPath',
      'queryString',
      'headers',
      'server',
      'rootPath',
      'client',
      'state',
      'extensions',
    ])
    expect(got.first).toEqual([
      ['host', 'h:81'],
      ['x-a', '1'],
    ])
    expect(got.same).toBe(true)
    expect(got.copy).toEqual(got.first)
    expect(got.now).toEqual([['x-replaced', '1']])
  })
})

describe('toFetch request.signal', () => {
  /** A request whose `signal` is `signal`, counting reads of it. */
  function watched(req: Request, signal: AbortSignal): { req: Request; reads: () => number } {
    let reads = 0
    Object.defineProperty(req, 'signal', {
      get: () => {
        reads++
        return signal
      },
    })
    return { req, reads: () => reads }
  }

  it('is not read when the app answers without waiting on the exchange', async () => {
    const app: Application = async (scope, _r, send) => {
      if (scope.type !== 'http') return
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: utf8.encode('ok') })
    }
    const { req, reads } = watched(new Request('http://x/'), new AbortController().signal)
    const res = await toFetch(app).fetch(req)
    expect(await res.text()).toBe('ok')
    expect(reads()).toBe(0)
  })

  it('is not read for a small sized body: a cut one fails its read, that is the client leaving', async () => {
    const whole = watched(post('abc', { 'content-length': '3' }), new AbortController().signal)
    const res = await toFetch(bodyShapeApp()).fetch(whole.req)
    expect(await res.text()).toBe('1:3')
    expect(whole.reads()).toBe(0)
    const seen = deferred<string>()
    const app: Application = async (scope, receive) => {
      if (scope.type !== 'http') return
      seen.resolve((await receive()).type)
    }
    const cut = new ReadableStream<Uint8Array>({
      start: (c) => {
        c.enqueue(utf8.encode('ab'))
        c.error(new Error('connection reset'))
      },
    })
    const { req } = watched(post(cut, { 'content-length': '10' }), new AbortController().signal)
    await toFetch(app, { onError: () => {} }).fetch(req)
    expect(await seen.promise).toBe('http.disconnect')
  })

  it('an app waiting on the exchange sees an abort, even one from before it waited', async () => {
    const controller = new AbortController()
    controller.abort()
    const seen = deferred<string>()
    const app: Application = async (scope, receive) => {
      if (scope.type !== 'http') return
      seen.resolve((await receive()).type)
    }
    const { req, reads } = watched(new Request('http://x/'), controller.signal)
    const res = await toFetch(app, { onError: () => {} }).fetch(req)
    expect(await seen.promise).toBe('http.disconnect')
    expect(reads()).toBe(1)
    // Nobody reads the answer of a client that left.
    expect(res.status).toBe(500)
  })

  it('aborting while the app waits for http.disconnect ends the wait', async () => {
    const controller = new AbortController()
    const seen = deferred<string>()
    const waiting = deferred()
    const app: Application = async (scope, receive) => {
      if (scope.type !== 'http') return
      await events(receive)
      waiting.resolve()
      seen.resolve((await receive()).type)
    }
    const { req } = watched(new Request('http://x/'), controller.signal)
    const answered = toFetch(app, { onError: () => {} }).fetch(req)
    await waiting.promise
    controller.abort()
    expect(await seen.promise).toBe('http.disconnect')
    expect((await answered).status).toBe(500)
  })

  it('loses its listener once the response is complete and the app returned', async () => {
    const controller = new AbortController()
    const removed = vi.spyOn(controller.signal, 'removeEventListener')
    const returned = deferred()
    const app: Application = async (scope, receive, send) => {
      await bodyShapeApp()(scope, receive, send)
      if (scope.type === 'http') returned.resolve()
    }
    // Unsized, so streamed: the reads watch the signal.
    const { req, reads } = watched(post('abc'), controller.signal)
    const res = await toFetch(app).fetch(req)
    expect(await res.text()).toBe('2:3')
    await returned.promise
    await until(() => removed.mock.calls.length > 0, 'the listener removed')
    expect(reads()).toBe(1)
    expect(removed.mock.calls[0]?.[0]).toBe('abort')
  })
})
