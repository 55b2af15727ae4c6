/**
 * toFetch doing the server's part where a runtime lets a request through (test/runtimes/
 * expected.ts says which): a Host that is no authority, CONNECT and unknown transfer codings
 * refused with `connection: close`; an absolute-form authority replacing Host; rootPath; a
 * 500 that closes when nothing was written (a throw, a start alone, a short Content-Length);
 * a body read that fails is the client leaving; an event after the response completed is the
 * app's error even once the runtime aborted `request.signal`; the queued body of a response
 * cut by a throw reaches the client before the cut. In memory, and through serve() in a round
 * trip fromFetch(toFetch(app)).
 */
import {
  type Application,
  ErrorCode,
  type HTTPScope,
  isClientDisconnected,
  type ProtocolError,
} from '@tsgi/protocol'
import { describe, expect, it } from 'vitest'
import { fromFetch, toFetch } from '../src/fetch/index.ts'
import { refusal } from '../src/fetch/to-fetch-refusal.ts'
import { deferred, startServer } from './fetch-helpers.ts'

const utf8 = new TextEncoder()
const quiet = { onError: () => {} }

/** Answers with its scope as JSON. */
const scopeApp: Application = async (scope, _receive, send) => {
  if (scope.type !== 'http') throw new Error('http only')
  await send({ type: 'http.response.start', status: 200 })
  await send({ type: 'http.response.body', body: utf8.encode(JSON.stringify(scope)) })
}

describe('toFetch refuses what the reference server refuses', () => {
  it.each([
    ['bad host', 400],
    ['a/b@c', 400],
    ['a, b', 400],
    ['example.com:8080', 200],
    ['[::1]:80', 200],
  ])('Host %j → %i', async (host, status) => {
    const res = await toFetch(scopeApp).fetch(new Request('http://x/', { headers: { host } }))
    expect(res.status).toBe(status)
    if (status !== 200) expect(res.headers.get('connection')).toBe('close')
  })

  it('an unknown transfer coding → 501; chunked passes', async () => {
    const te = (v: string) => new Request('http://x/', { headers: { 'transfer-encoding': v } })
    const handler = toFetch(scopeApp)
    expect((await handler.fetch(te('x-unknown, chunked'))).status).toBe(501)
    expect((await handler.fetch(te('chunked'))).status).toBe(200)
  })

  it('CONNECT → 501 with connection: close (a Request cannot be built for it here)', () => {
    const res = refusal({ method: 'CONNECT', headers: new Headers() } as Request)
    expect([res?.status, res?.headers.get('connection')]).toEqual([501, 'close'])
  })
})

describe('toFetch scope fields', () => {
  it('an absolute-form authority replaces Host; rootPath is prefixed', async () => {
    const handler = toFetch(scopeApp, { rootPath: '/m' })
    const res = await handler.fetch(
      new Request('http://example.com:8080/a%20b?q', { headers: { host: 'other' } }),
    )
    const scope = (await res.json()) as HTTPScope
    expect(scope.headers).toEqual([['host', 'example.com:8080']])
    expect([scope.rootPath, scope.path, scope.rawPath, scope.queryString]).toEqual([
      '/m',
      '/m/a b',
      '/m/a%20b',
      'q',
    ])
  })

  it('rootPath over a socket: fromFetch(toFetch(app)) through serve()', async () => {
    const server = await startServer(fromFetch(toFetch(scopeApp, { rootPath: '/m' })))
    try {
      const scope = (await (await fetch(`${server.url}/p`)).json()) as HTTPScope
      expect([scope.rootPath, scope.path]).toEqual(['/m', '/m/p'])
    } finally {
      await server.close()
    }
  })
})

describe('toFetch errors', () => {
  const cases: Array<[string, Application]> = [
    [
      'a throw',
      async () => {
        throw new Error('boom')
      },
    ],
    [
      'a start alone',
      async (_s, _r, send) => {
        await send({ type: 'http.response.start', status: 200 })
      },
    ],
    [
      'a short Content-Length',
      async (_s, _r, send) => {
        await send({
          type: 'http.response.start',
          status: 200,
          headers: [['content-length', '10']],
        })
        await send({ type: 'http.response.body', body: utf8.encode('abc') }).catch(() => {})
      },
    ],
  ]
  it.each(cases)('%s before any byte: a 500 that closes the connection', async (_name, app) => {
    const res = await toFetch(app, quiet).fetch(new Request('http://x/'))
    expect([res.status, res.headers.get('connection')]).toEqual([500, 'close'])
  })

  it('a request body that fails to read is the client leaving', async () => {
    let event = ''
    const app: Application = async (_s, receive, send) => {
      event = (await receive()).type
      await send({ type: 'http.response.start', status: 200 }).catch(() => {})
    }
    const body = new ReadableStream({
      pull: (c) => c.error(new Error('cut')),
    })
    await toFetch(app, quiet).fetch(
      new Request('http://x/', { method: 'POST', body, duplex: 'half' } as RequestInit),
    )
    expect(event).toBe('http.disconnect')
  })

  it('an event after completion is UnexpectedEventError even after the signal aborted', async () => {
    let error: unknown
    const controller = new AbortController()
    const done = deferred()
    const finished = deferred()
    const app: Application = async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: utf8.encode('done') })
      await done.promise
      error = await send({ type: 'http.response.body', body: utf8.encode('more') }).catch(
        (e: unknown) => e,
      )
      finished.resolve()
    }
    const res = await toFetch(app).fetch(new Request('http://x/', { signal: controller.signal }))
    expect(await res.text()).toBe('done')
    // Deno aborts the signal of every delivered response.
    controller.abort()
    done.resolve()
    await finished.promise
    expect(isClientDisconnected(error)).toBe(false)
    expect((error as ProtocolError).code).toBe(ErrorCode.unexpectedEvent)
  })

  it('a throw mid-body: the queued bytes are read, then the stream errors', async () => {
    const app: Application = async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: utf8.encode('par'), moreBody: true })
      await send({ type: 'http.response.body', body: utf8.encode('tial'), moreBody: true })
      throw new Error('mid-body')
    }
    const res = await toFetch(app, quiet).fetch(new Request('http://x/'))
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    const failure = await (async () => {
      for (;;) {
        const r = await reader.read()
        if (r.done) return null
        text += new TextDecoder().decode(r.value)
      }
    })().catch((e: unknown) => e)
    expect(text).toBe('partial')
    expect((failure as Error).message).toBe('mid-body')
  })
})
