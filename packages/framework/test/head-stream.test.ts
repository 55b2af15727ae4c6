/**
 * HEAD of a streamed route (issue 12, item 4): no `content-length: 0` (the length is unknown, as
 * GET's chunked response has none), a length the route states is kept, the stream is never
 * started. In memory (the events a server frames from), through undici and over a raw socket.
 */
import { once } from 'node:events'
import { connect } from 'node:net'
import type { Application } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import { type ServerHandle, serve } from '@tsgi/server'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createApp, sse, stream, text } from '../src/index.ts'
import { describeBoth } from './both.ts'

const started = new Set<string>()

/** A producer that is not done at once (GET is chunked): 'hel', a macrotask later 'lo'. */
function source(name: string) {
  return (async function* () {
    started.add(name)
    yield 'hel'
    await new Promise((resolve) => setImmediate(resolve))
    yield 'lo'
  })()
}

function makeApp(): Application {
  const app = createApp()
  app.get('/stream', () => stream(source('stream'), { headers: { 'content-type': 'text/plain' } }))
  app.get('/stated', () => stream(source('stated'), { headers: { 'content-length': '5' } }))
  app.get('/web', () => new Response(new Blob(['hello']).stream()))
  app.get('/sse', () => sse(source('sse')))
  app.get('/bytes', () => text('hello'))
  return app
}

describeBoth('HEAD of a streamed route', makeApp, (client) => {
  test.each(['/stream', '/web', '/sse'])('%s: no length, no body, not started', async (path) => {
    started.clear()
    const res = await client().request(path, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.header('content-length')).toBeUndefined()
    expect(res.body.byteLength).toBe(0)
    expect(started.size).toBe(0)
  })

  test('a length the route states is kept', async () => {
    const res = await client().request('/stated', { method: 'HEAD' })
    expect(res.header('content-length')).toBe('5')
    expect(started.has('stated')).toBe(false)
  })

  test('bytes keep the length GET has', async () => {
    const head = await client().request('/bytes', { method: 'HEAD' })
    const get = await client().request('/bytes')
    expect(head.header('content-length')).toBe('5')
    expect(get.header('content-length')).toBe('5')
  })
})

describe('HEAD of a streamed route, in memory', () => {
  test('the first body event is not the last: a server announces no length', async () => {
    const res = await createTestClient(makeApp()).request('/stream', { method: 'HEAD' })
    const bodies = res.events.filter((e) => e.type === 'http.response.body')
    expect(bodies.length).toBeGreaterThan(1)
    expect(bodies[0]).toMatchObject({ moreBody: true })
  })
})

describe('HEAD of a streamed route, over a raw socket', () => {
  let server: ServerHandle
  beforeAll(async () => {
    server = await serve(makeApp(), { port: 0, accessLog: false })
  })
  afterAll(() => server.close())

  test('curl -I: no content-length, and the next response on the connection is intact', async () => {
    const { port } = new URL(server.url)
    const socket = connect(Number(port), '127.0.0.1')
    await once(socket, 'connect')
    socket.write(
      'HEAD /stream HTTP/1.1\r\nhost: t\r\n\r\nGET /bytes HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n',
    )
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    await once(socket, 'end')
    const wire = Buffer.concat(chunks).toString('latin1')
    const [head, rest] = [
      wire.slice(0, wire.indexOf('\r\n\r\n')),
      wire.slice(wire.indexOf('\r\n\r\n') + 4),
    ]
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(head.toLowerCase()).toContain('content-type: text/plain')
    expect(head.toLowerCase()).not.toContain('content-length')
    expect(head.toLowerCase()).not.toContain('transfer-encoding')
    // No body bytes after the HEAD response: the GET's status line follows at once.
    expect(rest).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(rest.toLowerCase()).toContain('content-length: 5')
    expect(rest.endsWith('\r\n\r\nhello')).toBe(true)
  })

  test('GET of the same route is chunked', async () => {
    const res = await fetch(`${server.url}/stream`)
    expect(res.headers.get('transfer-encoding')).toBe('chunked')
    expect(await res.text()).toBe('hello')
  })
})
