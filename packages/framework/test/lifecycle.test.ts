/** Lifespan hooks, mounts, files, SSE and WebSocket routes; checkApp on a full framework app. */
import { fileURLToPath } from 'node:url'
import type { Application } from '@tsgi/protocol'
import { checkApp } from '@tsgi/protocol/conformance'
import { createTestClient } from '@tsgi/protocol/testing'
import { describe, expect, test } from 'vitest'
import { createApp, file, sse } from '../src/index.ts'
import { describeBoth } from './both.ts'

const hello = fileURLToPath(new URL('./fixtures/hello.txt', import.meta.url))

interface AppState {
  [key: string]: unknown
  db: string
  log: string[]
}

function makeApp() {
  const app = createApp<AppState>()
  app.onStartup(async (state) => {
    state.log = ['open db']
  })
  app.onStartup(async (state) => {
    state.db = 'connected'
    state.log.push('warm cache')
  })
  app.get('/state', (req) => ({ db: req.state.db, log: req.state.log }))
  app.get('/file', () => file(hello))
  app.get('/missing-file', () => file('/definitely/not/here.txt'))
  app.get('/events', () =>
    sse(
      (async function* () {
        yield { event: 'greeting', id: '1', data: { hi: 'there' } }
        yield 'plain line\nsecond line'
      })(),
      { keepAlive: 0 },
    ),
  )
  const foreign: Application = async (scope, _receive, send) => {
    if (scope.type !== 'http') return
    const body = new TextEncoder().encode(
      JSON.stringify({ path: scope.path, rootPath: scope.rootPath }),
    )
    await send({
      type: 'http.response.start',
      status: 200,
      headers: [['content-type', 'application/json']],
    })
    await send({ type: 'http.response.body', body })
  }
  app.mount('/legacy', foreign)
  app.group('/v1', (v1) => {
    v1.group('/items', (items) => {
      items.get('/:id', (req) => ({ item: req.params.id }))
    })
  })
  app.ws('/ws/:room', async (socket, req) => {
    await socket.accept()
    for await (const message of socket) await socket.send(`${req.params.room}:${String(message)}`)
  })
  return app
}

describeBoth('lifecycle', makeApp, (client) => {
  test('startup hooks run in order and fill typed state', async () => {
    expect((await client().request('/state')).json()).toEqual({
      db: 'connected',
      log: ['open db', 'warm cache'],
    })
  })

  test('files: content, ETag, Last-Modified, 304, Range 206 and 416', async () => {
    const res = await client().request('/file')
    expect(res.text()).toBe('hello file\n')
    const etag = res.header('etag')!
    expect(etag).toMatch(/^W\/"/)
    expect(res.header('last-modified')).toBeTruthy()
    expect((await client().request('/file', { headers: { 'if-none-match': etag } })).status).toBe(
      304,
    )
    const range = await client().request('/file', { headers: { range: 'bytes=0-4' } })
    expect([range.status, range.text(), range.header('content-range')]).toEqual([
      206,
      'hello',
      'bytes 0-4/11',
    ])
    expect((await client().request('/file', { headers: { range: 'bytes=50-60' } })).status).toBe(
      416,
    )
  })

  test('a missing file is a 404, not a 500', async () => {
    const res = await client().request('/missing-file')
    expect(res.status).toBe(404)
    expect(res.header('content-type')).toBe('application/problem+json')
  })

  test('server-sent events', async () => {
    const res = await client().request('/events')
    expect(res.header('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(res.text()).toBe(
      'event: greeting\nid: 1\ndata: {"hi":"there"}\n\ndata: plain line\ndata: second line\n\n',
    )
  })

  test('a mounted foreign TSGI app gets rootPath; nested groups', async () => {
    expect((await client().request('/legacy/a/b')).json()).toEqual({
      path: '/legacy/a/b',
      rootPath: '/legacy',
    })
    expect((await client().request('/v1/items/9')).json()).toEqual({ item: '9' })
  })
})

describe('websocket routes (in memory)', () => {
  test('params, accept, async-iterable messages, send', async () => {
    const client = createTestClient(makeApp())
    await client.startup()
    const ws = await client.websocket('/ws/lobby')
    ws.send('hi')
    expect(await ws.receiveText()).toBe('lobby:hi')
    ws.close(1000)
    await client.shutdown()
  })
})

describe('checkApp', () => {
  test('a framework app with streaming, errors, disconnects and lifespan conforms', async () => {
    const app = makeApp()
    app.get('/', () => ({ ok: true }))
    app.post('/', async (req) => ({ got: await req.json() }))
    const report = await checkApp(app, {
      settleMs: 500,
      requests: [
        { path: '/' },
        { method: 'HEAD', path: '/' },
        {
          method: 'POST',
          path: '/',
          headers: [['content-type', 'application/json']],
          body: '{"a":1}',
        },
        { path: '/events' },
        { path: '/missing-file' },
        { path: '/nowhere' },
        { method: 'DELETE', path: '/' },
      ],
    })
    expect(report.violations).toEqual([])
  })
})
