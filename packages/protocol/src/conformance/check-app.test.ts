/** checkApp: a correct app passes; each kind of violation is found and named. */
import { describe, expect, test } from 'vitest'
import type { Application, Send } from '../application.ts'
import { UnsupportedScopeError } from '../errors.ts'
import exampleApp from '../example/app.ts'
import type { HTTPScope } from '../http.ts'
import { checkApp } from './check-app.ts'

const ok = async (send: Send, text = 'ok') => {
  await send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-length', String(text.length)]],
  })
  await send({ type: 'http.response.body', body: new TextEncoder().encode(text) })
}

/** A small correct app: lifespan, reads its body, stops on disconnect. */
const good: Application = async (scope, receive, send) => {
  if (scope.type === 'lifespan') {
    await receive()
    await send({ type: 'lifespan.startup.complete' })
    await receive()
    await send({ type: 'lifespan.shutdown.complete' })
    return
  }
  if (scope.type !== 'http') throw new UnsupportedScopeError(scope.type)
  for (;;) {
    const e = await receive()
    if (e.type !== 'http.request') return
    if (!e.moreBody) break
  }
  await ok(send)
}

describe('checkApp', () => {
  test('a correct app passes', async () => {
    const report = await checkApp(good, { settleMs: 300 })
    expect(report.violations).toEqual([])
    expect(report.passed).toBe(true)
    expect(report.checked).toContain('client disconnects mid-body')
  })

  test('a client that stays: receive() after the body waits for the response (§5.3.4)', async () => {
    // The app watches for a disconnect while it responds, as an adapter must; it stops
    // responding if it is told the client left before the response was complete.
    let disconnectedEarly = false
    const watcher: Application = async (scope, receive, send) => {
      if (scope.type !== 'http') return good(scope, receive, send)
      const request = await receive()
      // The mid-body disconnect check really leaves; only a complete body counts here.
      if (request.type !== 'http.request' || request.moreBody) return
      let complete = false
      const watching = receive().then(() => {
        if (!complete) disconnectedEarly = true
      })
      await send({ type: 'http.response.start', status: 200, headers: [] })
      await Promise.resolve()
      if (disconnectedEarly) return
      await send({ type: 'http.response.body', body: new Uint8Array(1), moreBody: true })
      complete = true
      await send({ type: 'http.response.body', body: new Uint8Array(1) })
      await watching
    }
    const report = await checkApp(watcher, { settleMs: 300 })
    expect(disconnectedEarly).toBe(false)
    expect(report.violations).toEqual([])
  })

  test('the protocol example app passes', async () => {
    expect((await checkApp(exampleApp, { settleMs: 300 })).violations).toEqual([])
  })

  const kinds: Array<[string, Application, string]> = [
    [
      'accepts an unknown scope',
      async (scope, receive, send) => {
        if (scope.type === 'http') return good(scope, receive, send)
        if (scope.type === 'lifespan') return good(scope, receive, send)
      },
      'accepts-unknown-scope',
    ],
    [
      'body before start',
      async (scope, receive, send) => {
        if (scope.type !== 'http') return good(scope, receive, send)
        await send({ type: 'http.response.body', body: new Uint8Array(1) }).catch(() => {})
        await ok(send)
      },
      'unexpected-event',
    ],
    [
      'an invalid header',
      async (scope, receive, send) => {
        if (scope.type !== 'http') return good(scope, receive, send)
        await send({ type: 'http.response.start', status: 200, headers: [['x', 'a\nb']] })
      },
      'invalid-event',
    ],
    [
      'events after completion',
      async (scope, receive, send) => {
        if (scope.type !== 'http') return good(scope, receive, send)
        await ok(send)
        await send({ type: 'http.response.body', body: new Uint8Array(1) }).catch(() => {})
      },
      'unexpected-event',
    ],
    [
      'returns without a response',
      async (scope, receive, send) => {
        if (scope.type !== 'http') return good(scope, receive, send)
      },
      'incomplete-response',
    ],
    [
      'ignores http.disconnect',
      async (scope, receive, send) => {
        if (scope.type !== 'http') return good(scope, receive, send)
        // Waits for more body forever, treating the disconnect as no news.
        for (;;) {
          const e = await receive()
          if (e.type === 'http.request' && !e.moreBody) break
          if (e.type === 'http.disconnect') await new Promise(() => {})
        }
        await ok(send)
      },
      'ignores-disconnect',
    ],
    [
      'answers lifespan startup twice',
      async (scope, receive, send) => {
        if (scope.type !== 'lifespan') return good(scope, receive, send)
        await receive()
        await send({ type: 'lifespan.startup.complete' })
        await send({ type: 'lifespan.startup.complete' }).catch(() => {})
        await receive()
        await send({ type: 'lifespan.shutdown.complete' })
      },
      'lifespan',
    ],
  ]
  // Every rule holds per HTTP/2 stream as over HTTP/1.1 (SPEC §5.10): the same faults are found.
  describe.each(['1.1', '2'] as const)('over HTTP/%s', (httpVersion) => {
    test.each(kinds)('%s → %s', async (_name, app, kind) => {
      const report = await checkApp(app, { settleMs: 200, httpVersion })
      expect(report.passed).toBe(false)
      expect(report.violations.map((v) => v.kind)).toContain(kind)
    })
  })
})

describe("checkApp({ httpVersion: '2' }): the app sees an HTTP/2 stream (SPEC §5.10)", () => {
  /** `good`, recording each HTTP scope and request body it is given. */
  function recording() {
    const seen: Array<{ scope: HTTPScope; body: string }> = []
    const app: Application = async (scope, receive, send) => {
      if (scope.type !== 'http') return good(scope, receive, send)
      let body = ''
      for (;;) {
        const e = await receive()
        if (e.type !== 'http.request') return
        body += new TextDecoder().decode(e.body)
        if (!e.moreBody) break
      }
      seen.push({ scope, body })
      await ok(send)
    }
    return { app, seen }
  }

  test('a correct app passes; its scopes are h2 ones: httpVersion 2, host first, no pseudo-headers', async () => {
    const { app, seen } = recording()
    const report = await checkApp(app, { settleMs: 300, httpVersion: '2' })
    expect(report.violations).toEqual([])
    expect(report.checked).toContain('client disconnects mid-body')
    expect(seen.map((s) => s.scope.method)).toEqual(['GET', 'HEAD', 'POST', 'GET'])
    for (const { scope } of seen) {
      expect(scope.httpVersion).toBe('2')
      expect(scope.headers[0]).toEqual(['host', 'conformance.test'])
      expect(scope.headers.filter(([name]) => name === 'host')).toHaveLength(1)
      expect(scope.headers.some(([name]) => name.startsWith(':'))).toBe(false)
    }
    // HTTP/2 frames the body itself: no content-length unless the client sends one.
    const post = seen.find((s) => s.scope.method === 'POST')!
    expect(post.body).toBe('{"check":true}')
    expect(post.scope.headers).toEqual([
      ['host', 'conformance.test'],
      ['content-type', 'application/json'],
    ])
  })

  test('host is :authority, never repeated; names lowercased; cookie crumbs joined (§8.2.3)', async () => {
    const { app, seen } = recording()
    const request = {
      path: '/p%20q?x=1',
      headers: [
        ['Cookie', 'a=1'],
        ['accept', '*/*'],
        ['host', 'example.test:8443'],
        ['cookie', 'b=2'],
        ['content-length', '2'],
      ] as Array<[string, string]>,
      method: 'PUT',
      body: 'hi',
    }
    const report = await checkApp(app, { settleMs: 300, httpVersion: '2', requests: [request] })
    expect(report.violations).toEqual([])
    const { scope } = seen[0]!
    expect(scope.headers).toEqual([
      ['host', 'example.test:8443'],
      ['cookie', 'a=1; b=2'],
      ['accept', '*/*'],
      ['content-length', '2'],
    ])
    expect([scope.path, scope.rawPath, scope.queryString]).toEqual(['/p q', '/p%20q', 'x=1'])
  })

  /** Apps that work over HTTP/1.1 and break on an h2 stream: each fails only over h2. */
  const h2Breakers: Array<[string, Application]> = [
    [
      'requires httpVersion 1.1',
      async (scope, receive, send) => {
        if (scope.type === 'http' && scope.httpVersion !== '1.1')
          throw new Error(`HTTP/${scope.httpVersion} is not supported`)
        return good(scope, receive, send)
      },
    ],
    [
      'reads the :authority pseudo-header as node:http2 hands it over',
      async (scope, receive, send) => {
        if (scope.type === 'http' && scope.httpVersion === '2') {
          const authority = scope.headers.find(([name]) => name === ':authority')
          if (!authority) throw new Error('no :authority')
        }
        return good(scope, receive, send)
      },
    ],
    [
      'preallocates the body from content-length',
      async (scope, receive, send) => {
        if (scope.type !== 'http') return good(scope, receive, send)
        const length = scope.headers.find(([name]) => name === 'content-length')?.[1]
        const buffer = new Uint8Array(Number(length ?? 0))
        let at = 0
        for (;;) {
          const e = await receive()
          if (e.type !== 'http.request') return
          buffer.set(e.body, at) // a RangeError when the body is longer than the buffer
          at += e.body.byteLength
          if (!e.moreBody) break
        }
        await ok(send)
      },
    ],
  ]
  test.each(h2Breakers)(
    'an app that %s passes over HTTP/1.1 and fails over h2',
    async (_n, app) => {
      expect((await checkApp(app, { settleMs: 200 })).violations).toEqual([])
      const report = await checkApp(app, { settleMs: 200, httpVersion: '2' })
      expect(report.passed).toBe(false)
      expect(report.violations.map((v) => v.kind)).toContain('threw')
    },
  )

  test('connection-specific response fields are no violation: the server drops them (§5.10.4)', async () => {
    const app: Application = async (scope, receive, send) => {
      if (scope.type !== 'http') return good(scope, receive, send)
      await receive()
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [
          ['connection', 'keep-alive'],
          ['keep-alive', 'timeout=5'],
          ['content-length', '2'],
        ],
      })
      await send({ type: 'http.response.body', body: new TextEncoder().encode('ok') })
    }
    expect((await checkApp(app, { settleMs: 200, httpVersion: '2' })).violations).toEqual([])
  })

  test.each([
    [':authority', 'x.test', /pseudo-header/],
    ['connection', 'close', /connection-specific/],
    ['Transfer-Encoding', 'chunked', /connection-specific/],
    ['te', 'gzip', /te other than "trailers"/],
  ])(
    'a request with %s cannot be sent over h2: TypeError, the app never runs',
    async (name, value, message) => {
      let calls = 0
      const app: Application = async (scope, receive, send) => {
        calls++
        return good(scope, receive, send)
      }
      const requests = [{ path: '/', headers: [[name, value]] as Array<[string, string]> }]
      await expect(checkApp(app, { httpVersion: '2', requests })).rejects.toThrow(TypeError)
      await expect(checkApp(app, { httpVersion: '2', requests })).rejects.toThrow(message)
      expect(calls).toBe(0)
      // `te: trailers` is the one te an h2 stream carries.
      const trailers = [{ path: '/', headers: [['te', 'trailers']] as Array<[string, string]> }]
      const report = await checkApp(good, { settleMs: 200, httpVersion: '2', requests: trailers })
      expect(report.violations).toEqual([])
    },
  )

  test('an httpVersion other than 1.1 or 2 is a TypeError', async () => {
    const httpVersion = '3' as unknown as '2'
    await expect(checkApp(good, { httpVersion })).rejects.toThrow(/must be '1.1' or '2'/)
  })
})
