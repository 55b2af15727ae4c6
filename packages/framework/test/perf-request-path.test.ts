/**
 * What the per-request work of issue 13 must not change: the router walks a plain path in
 * place (no split) and must agree with the walk over decoded segments; an app without
 * middleware or error handler has no boundary of its own, so the dispatcher answers
 * synchronous failures itself; validation and the handler share one promise; the app's
 * promise is not left waiting on a send already known to be done, and still waits on one that
 * is not; a request body that is a plain Uint8Array view is decoded like a Buffer; the JSON
 * guard's narrower search still refuses `__proto__` and `constructor.prototype` keys; the
 * content-type and content-length of a response are found in one pass, however spelled.
 */
import {
  ClientDisconnectedError,
  type HTTPScope,
  type Receive,
  type Send,
  type SendEvent,
} from '@tsgi/protocol'
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { decodeText } from '../src/body.ts'
import { createApp, FrameworkErrorCode, HTTPError, json, text } from '../src/index.ts'
import { parsePattern } from '../src/router/path.ts'
import { RouteTree } from '../src/router/tree.ts'
import { describeBoth } from './both.ts'

describe('RouteTree: the in-place walk of a plain path', () => {
  const patterns = [
    '/',
    '/users',
    '/users/new',
    '/users/:id',
    '/users/:id/edit',
    '/user/:name',
    '/only/child/leaf',
    '/only/:x/other',
    '/files/*rest',
    '/a/b/c',
    '/a/:x/d',
    '/deep/:a/:b/:c',
  ]
  const tree = new RouteTree<string>()
  for (const p of patterns) tree.upsert(p, parsePattern(p), () => p)
  const paths = [
    '/',
    '/users',
    '/users/new',
    '/users/42',
    '/users/new/edit',
    '/users/42/edit',
    '/users/42/edit/more',
    '/usersx',
    '/usersx/1',
    '/user',
    '/user/ann',
    '/only/child/leaf',
    '/only/child/other',
    '/only/childx/other',
    '/only/childx/leaf',
    '/only/chil/other',
    '/only/child',
    '/files',
    '/files/a',
    '/files/a/b/c.txt',
    '/a/b/c',
    '/a/b/d',
    '/a/bb/d',
    '/a/b',
    '/deep/1/2/3',
    '/deep/1/2',
    '/missing/page',
  ]

  test('agrees with the walk over segments on every path, params included', () => {
    for (const path of paths) {
      const segments = path === '/' ? [] : path.slice(1).split('/')
      expect([path, tree.match(path)]).toEqual([path, tree.match(path, segments)])
    }
  })

  test('backtracks from a node with a single static child to its param sibling', () => {
    expect(tree.match('/a/b/d')).toMatchObject({ pattern: '/a/:x/d', params: { x: 'b' } })
    expect(tree.match('/only/child/other')).toMatchObject({
      pattern: '/only/:x/other',
      params: { x: 'child' },
    })
    // A segment that only starts like the single static child is not that child.
    expect(tree.match('/only/childx/other')).toMatchObject({ params: { x: 'childx' } })
    expect(tree.match('/only/childx/leaf')).toBeNull()
    expect(tree.match('/only/child')).toBeNull()
  })

  test('a wildcard takes the rest of the path as it is, or an empty rest', () => {
    expect(tree.match('/files/a/b/c.txt')?.params).toEqual({ rest: 'a/b/c.txt' })
    expect(tree.match('/files')?.params).toEqual({ rest: '' })
  })
})

function makeApp() {
  const app = createApp({ logger: { error() {} } })
  app.get('/a/b/c', () => 'static')
  app.get('/a/:x/d', (req) => `param ${req.params.x}`)
  app.get('/throws', () => {
    throw new Error('sync failure')
  })
  app.get('/teapot', () => {
    throw new HTTPError(418, { detail: 'short and stout' })
  })
  app.post('/item', { body: z.object({ name: z.string() }) }, (req) => req.body)
  app.post('/item-async', { body: z.object({ name: z.string() }) }, async (req) => {
    await Promise.resolve()
    return { later: req.body.name }
  })
  app.post('/raw', async (req) => ({ text: await req.text() }))
  app.get('/latin1', () => text('café', { charset: 'latin1' }))
  app.get('/spelled', () => {
    const res = json({ ok: true })
    // Pushed directly, in another case: still found, so no second content-length is added.
    res.headers.list.push(['Content-Length', '11'])
    return res
  })
  return app
}

describeBoth('the request path without an app boundary', makeApp, (client) => {
  test('routes backtrack from a single static child to the param', async () => {
    expect((await client().request('/a/b/c')).text()).toBe('static')
    expect((await client().request('/a/b/d')).text()).toBe('param b')
    expect((await client().request('/a/bb/d')).text()).toBe('param bb')
    expect((await client().request('/a/b')).status).toBe(404)
  })

  test('a handler throwing synchronously gets the default error response', async () => {
    const res = await client().request('/throws')
    expect(res.status).toBe(500)
    expect(res.header('content-type')).toBe('application/problem+json')
    expect(res.json<{ code: string }>().code).toBe(FrameworkErrorCode.internal)
    const teapot = await client().request('/teapot')
    expect([teapot.status, teapot.json<{ detail: string }>().detail]).toEqual([
      418,
      'short and stout',
    ])
  })

  test('a validated body, sync or async handler; invalid bodies get their errors', async () => {
    const post = (path: string, body: string) =>
      client().request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
    expect((await post('/item', '{"name":"lamp"}')).json()).toEqual({ name: 'lamp' })
    expect((await post('/item-async', '{"name":"lamp"}')).json()).toEqual({ later: 'lamp' })
    const invalid = await post('/item', '{"name":1}')
    expect([invalid.status, invalid.json<{ code: string }>().code]).toEqual([
      422,
      FrameworkErrorCode.validation,
    ])
    for (const body of [
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"a":[{"__proto__":{"polluted":true}}]}',
    ]) {
      const res = await post('/raw', body)
      expect(res.status).toBe(200) // req.text() does not parse: the guard is in JSON parsing
      const poisoned = await post('/item', body)
      expect([poisoned.status, poisoned.json<{ code: string }>().code]).toEqual([
        400,
        FrameworkErrorCode.invalidJSON,
      ])
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('a text body in its charset; a content-length however spelled is not doubled', async () => {
    const latin = await client().request('/latin1')
    expect([latin.body.byteLength, latin.header('content-length')]).toEqual([4, '4'])
    expect(Buffer.from(latin.body).toString('latin1')).toBe('café')
    const spelled = await client().request('/spelled')
    expect(spelled.text()).toBe('{"ok":true}')
    expect(spelled.headers.filter(([n]) => n.toLowerCase() === 'content-length')).toHaveLength(1)
  })
})

const scopeOf = (method: string, path: string, headers: Array<[string, string]> = []) =>
  ({
    type: 'http',
    tsgi: { version: '1.0', specVersion: '1.0' },
    httpVersion: '1.1',
    method,
    scheme: 'http',
    path,
    rawPath: path,
    queryString: '',
    rootPath: '',
    headers,
    client: null,
    server: null,
    state: {},
    extensions: {},
  }) as unknown as HTTPScope

describe('the app promise and send() (direct calls)', () => {
  const body = Buffer.from('{"name":"lamp"}')
  const receive: Receive = () =>
    Promise.resolve({ type: 'http.request', body, moreBody: false } as const)
  const postScope = () =>
    scopeOf('POST', '/item', [
      ['content-type', 'application/json'],
      ['content-length', String(body.byteLength)],
    ])

  test('an asynchronous response waits for a send() that has not finished', async () => {
    const app = makeApp()
    let release = (): void => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const events: SendEvent[] = []
    const send: Send = (event) => {
      events.push(event)
      return gate
    }
    let done = false
    const call = app(postScope(), receive, send).then(() => {
      done = true
    })
    while (events.length < 2) await new Promise(setImmediate)
    await new Promise(setImmediate)
    expect(done).toBe(false)
    release()
    await call
    expect(done).toBe(true)
  })

  test('a send() that rejects after the start is a rejection of the app, not a hang', async () => {
    const app = makeApp()
    const failure = new Error('transport failed')
    const send: Send = (event) =>
      event.type === 'http.response.start' ? Promise.resolve() : Promise.reject(failure)
    await expect(app(postScope(), receive, send)).rejects.toBe(failure)
  })

  test('a handler throwing ClientDisconnectedError synchronously: nothing sent, no error', async () => {
    const app = createApp()
    app.get('/gone', () => {
      throw new ClientDisconnectedError('the client left')
    })
    const events: SendEvent[] = []
    await app(scopeOf('GET', '/gone'), receive, (event) => {
      events.push(event)
      return Promise.resolve()
    })
    expect(events).toEqual([])
  })

  test('with app middleware or an error handler, the boundary is still there', async () => {
    const seen: unknown[] = []
    const app = createApp({ logger: { error() {} } })
    app.onError((error) => {
      seen.push(error)
      return text('handled', { status: 503 })
    })
    app.get('/throws', () => {
      throw new Error('sync failure')
    })
    const res = await app.request('/throws')
    expect([res.status, res.text(), seen.length]).toEqual([503, 'handled', 1])
    const withMiddleware = createApp({ logger: { error() {} } })
    withMiddleware.use(async (_req, next) => {
      const inner = await next()
      inner.headers.set('x-seen', String(inner.status))
      return inner
    })
    withMiddleware.get('/throws', () => {
      throw new Error('sync failure')
    })
    const wrapped = await withMiddleware.request('/throws')
    expect([wrapped.status, wrapped.header('x-seen')]).toEqual([500, '500'])
  })
})

describe('decodeText', () => {
  test('a Buffer and a plain Uint8Array view with an offset decode alike', () => {
    const whole = Buffer.from('xxcafé!', 'latin1')
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 2, 4)
    expect(decodeText(view, 'latin1')).toBe('café')
    expect(decodeText(Buffer.from(view), 'latin1')).toBe('café')
    const utf8 = new TextEncoder().encode('--naïve')
    expect(decodeText(utf8.subarray(2), 'utf8')).toBe('naïve')
    expect(decodeText(Buffer.from(utf8.subarray(2)), 'utf8')).toBe('naïve')
  })
})
