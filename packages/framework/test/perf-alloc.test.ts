/**
 * What the allocation work on the request path must not change: params and locals are made on
 * first use and never shared between requests (static routes match without a params object of
 * their own), a json() response's header list is not grown by sending it and can be sent again,
 * and a send() that answers with one shared settled promise (as the reference server does when
 * a write did not wait) is passed on as is (src/settled.ts), disconnects still no error.
 */
import { ClientDisconnectedError, type HTTPScope, type SendEvent } from '@tsgi/protocol'
import { describe, expect, test } from 'vitest'
import { createApp, json } from '../src/index.ts'
import { knownFulfilled } from '../src/settled.ts'
import { describeBoth } from './both.ts'

function makeApp() {
  const app = createApp()
  app.use(async (req, next) => {
    req.locals.seen = (req.locals.seen as number | undefined) ?? 0
    const res = await next()
    res.headers.set('x-params', JSON.stringify(req.params))
    return res
  })
  app.get('/static', (req) => {
    const before = { ...req.params }
    ;(req.params as Record<string, string>).written = 'yes'
    return { before, after: req.params, locals: req.locals }
  })
  app.get('/users/:id', (req) => ({ id: req.params.id }))
  const shared = json({ reused: true })
  app.get('/reused', () => shared)
  app.get('/late-header', () => json({ late: true }))
  app.use(async (req, next) => {
    const res = await next()
    if (req.path === '/late-header') res.headers.set('x-late', '1')
    return res
  })
  return app
}

describeBoth('allocation-free paths keep their behaviour', makeApp, (client) => {
  test('a static route gets its own writable params, never shared with the next request', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await client().request('/static')
      expect(res.json()).toEqual({ before: {}, after: { written: 'yes' }, locals: { seen: 0 } })
      expect(res.header('x-params')).toBe('{"written":"yes"}')
    }
  })

  test('param routes get fresh params each time', async () => {
    expect((await client().request('/users/1')).json()).toEqual({ id: '1' })
    const second = await client().request('/users/2')
    expect([second.json(), second.header('x-params')]).toEqual([{ id: '2' }, '{"id":"2"}'])
  })

  test('one json() response sent twice: the same bytes and length both times', async () => {
    const a = await client().request('/reused')
    const b = await client().request('/reused')
    for (const res of [a, b]) {
      expect(res.text()).toBe('{"reused":true}')
      expect(res.header('content-length')).toBe('15')
      expect(res.header('content-type')).toBe('application/json')
    }
  })

  test('a header added after the handler is sent, with the right length', async () => {
    const res = await client().request('/late-header')
    expect([res.header('x-late'), res.header('content-length'), res.text()]).toEqual([
      '1',
      '13',
      '{"late":true}',
    ])
  })
})

const scope = (path: string): HTTPScope => ({
  type: 'http',
  tsgi: { version: '1.0', specVersion: '1.0' },
  httpVersion: '1.1',
  method: 'GET',
  scheme: 'http',
  path,
  rawPath: path,
  queryString: '',
  rootPath: '',
  headers: [['host', 'x']],
  client: null,
  server: null,
  state: {},
  extensions: {},
})

describe('a send() answering with one shared promise', () => {
  test('knownFulfilled learns a fulfilled promise, never a rejected one', async () => {
    const ok = Promise.resolve()
    const failed = Promise.reject(new Error('no'))
    failed.catch(() => {})
    // Probed among the first calls, then once in 1024: 1024 calls probe each at least once.
    for (let i = 0; i < 1024; i++) expect(knownFulfilled(ok)).toBe(false)
    for (let i = 0; i < 1024; i++) expect(knownFulfilled(failed)).toBe(false)
    await ok
    await failed.catch(() => {})
    await Promise.resolve()
    expect(knownFulfilled(ok)).toBe(true)
    expect(knownFulfilled(failed)).toBe(false)
  })

  test('fulfilled: every response and after() task goes out, in order', async () => {
    const app = createApp()
    const ran: string[] = []
    app.get('/a', (req) => {
      req.after(() => void ran.push('after'))
      return { a: 1 }
    })
    const shared = Promise.resolve()
    for (let i = 0; i < 3; i++) {
      const events: SendEvent[] = []
      await app(
        scope('/a'),
        () => new Promise(() => {}),
        (event) => {
          events.push(event)
          return shared
        },
      )
      expect(events.map((e) => e.type)).toEqual(['http.response.start', 'http.response.body'])
      expect(events[0]).toMatchObject({
        status: 200,
        headers: [
          ['content-type', 'application/json'],
          ['content-length', '7'],
        ],
      })
    }
    expect(ran).toEqual(['after', 'after', 'after'])
  })

  test('rejected with a disconnect: the app resolves, the client leaving is no error', async () => {
    const app = createApp()
    app.get('/a', () => ({ a: 1 }))
    const gone = Promise.reject(new ClientDisconnectedError())
    gone.catch(() => {})
    for (let i = 0; i < 3; i++) {
      await expect(
        app(
          scope('/a'),
          () => new Promise(() => {}),
          () => gone,
        ),
      ).resolves.toBe(undefined)
    }
  })
})
