import type { HTTPScope } from '@tsgi/protocol'
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { rawRequest, scopeEcho, startServer, type TestServer } from './helpers.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

type EchoedScope = HTTPScope & { body: string }

describe('http scope over the wire', () => {
  test('every field', async () => {
    server = await startServer(scopeEcho)
    const res = await request(`${server.url}/a%20b/c%2Fd?x=%20&y=1&y=2`, {
      method: 'POST',
      body: 'hi',
      headers: { 'X-Mixed-Case': 'v' },
    })
    const scope = (await res.body.json()) as EchoedScope
    expect(scope).toMatchObject({
      type: 'http',
      tsgi: { version: '1.0', specVersion: '1.0' },
      httpVersion: '1.1',
      method: 'POST',
      scheme: 'http',
      path: '/a b/c/d',
      rawPath: '/a%20b/c%2Fd',
      queryString: 'x=%20&y=1&y=2',
      rootPath: '',
      client: { host: '127.0.0.1' },
      server: { host: '127.0.0.1', port: server.port },
      state: {},
      extensions: { 'http.response.trailers': {}, 'http.response.pathsend': {} },
      body: 'hi',
    })
    expect(scope.client?.port).toBeGreaterThan(0)
    expect(scope.headers).toContainEqual(['x-mixed-case', 'v'])
    expect(scope.headers).toContainEqual(['content-length', '2'])
  })

  test('UTF-8 paths decode; invalid bytes become U+FFFD; rawPath keeps the escapes', async () => {
    server = await startServer(scopeEcho)
    const cafe = (await (await request(`${server.url}/caf%C3%A9`)).body.json()) as EchoedScope
    expect([cafe.path, cafe.rawPath]).toEqual(['/café', '/caf%C3%A9'])
    const bad = (await (await request(`${server.url}/%80`)).body.json()) as EchoedScope
    expect([bad.path, bad.rawPath]).toEqual(['/\uFFFD', '/%80'])
  })

  test('rootPath is prefixed to path and rawPath', async () => {
    server = await startServer(scopeEcho, { rootPath: '/app' })
    const scope = (await (await request(`${server.url}/x%2Fy?q`)).body.json()) as EchoedScope
    expect(scope).toMatchObject({
      rootPath: '/app',
      path: '/app/x/y',
      rawPath: '/app/x%2Fy',
      queryString: 'q',
    })
  })

  test('header order, duplicates, case and latin1 values are kept', async () => {
    server = await startServer(scopeEcho)
    const raw = await rawRequest(
      server.port,
      Buffer.concat([
        Buffer.from('GET / HTTP/1.1\r\nHost: h\r\nX-Dup: 1\r\nx-OTHER: o\r\nX-DUP: 2\r\nX-Latin: '),
        Buffer.from([0xc3, 0xa9]),
        Buffer.from('\r\nConnection: close\r\n\r\n'),
      ]),
    )
    const scope = JSON.parse(
      Buffer.from(raw.slice(raw.indexOf('\r\n\r\n') + 4), 'latin1').toString('utf8'),
    ) as EchoedScope
    expect(scope.headers).toEqual([
      ['host', 'h'],
      ['x-dup', '1'],
      ['x-other', 'o'],
      ['x-dup', '2'],
      ['x-latin', '\u00c3\u00a9'],
      ['connection', 'close'],
    ])
  })

  test('HTTP/1.0: version in scope, connection closed after the response', async () => {
    server = await startServer(scopeEcho)
    const raw = await rawRequest(server.port, 'GET /old HTTP/1.0\r\n\r\n')
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK/)
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).httpVersion).toBe('1.0')
  })

  test('absolute-form targets keep only path and query', async () => {
    server = await startServer(scopeEcho)
    const raw = await rawRequest(
      server.port,
      'GET http://example.com/abs/x?q=1 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n',
    )
    const scope = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as EchoedScope
    expect([scope.path, scope.queryString]).toEqual(['/abs/x', 'q=1'])
  })

  test('state is a shallow copy of the lifespan state, per request', async () => {
    const seen: Array<Record<string, unknown>> = []
    server = await startServer(
      async (scope, receive, send) => {
        if (scope.type === 'lifespan') {
          await receive()
          Object.assign(scope.state, { n: 1, shared: [] })
          await send({ type: 'lifespan.startup.complete' })
          await receive()
          await send({ type: 'lifespan.shutdown.complete' })
          return
        }
        const state = scope.state as { n: number; shared: string[] }
        seen.push(state)
        state.n++
        state.shared.push('x')
        await send({ type: 'http.response.start', status: 204 })
        await send({ type: 'http.response.body' })
      },
      { lifespan: 'on' },
    )
    await request(server.url)
    await request(server.url)
    expect(seen.map((s) => s.n)).toEqual([2, 2])
    expect(server.state).toEqual({ n: 1, shared: ['x', 'x'] })
  })
})
