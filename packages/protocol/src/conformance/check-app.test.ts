/** checkApp: a correct app passes; each kind of violation is found and named. */
import { describe, expect, test } from 'vitest'
import type { Application, Send } from '../application.ts'
import { UnsupportedScopeError } from '../errors.ts'
import exampleApp from '../example/app.ts'
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
  test.each(kinds)('%s → %s', async (_name, app, kind) => {
    const report = await checkApp(app, { settleMs: 200 })
    expect(report.passed).toBe(false)
    expect(report.violations.map((v) => v.kind)).toContain(kind)
  })
})
