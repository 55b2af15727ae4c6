/**
 * What any per-request shortcut in building the scope or checking the request must keep
 * (issue 13 tried a lowered-name cache, a per-connection record of the socket's addresses and
 * a Host match by char code; none measured faster, none was kept): over a real socket, header
 * names are lowered in any spelling however many distinct names a client sends, each scope on
 * a kept-alive connection gets its own `client` and `server` (an app that changes one does not
 * change the next), and `Host` is found in any case, with the same refusals.
 */
import type { Application, HTTPScope } from '@tsgi/protocol'
import { afterEach, describe, expect, test } from 'vitest'
import { rawRequest, startServer, type TestServer, text } from './helpers.ts'
import { openRaw } from './wire-client.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** What a scope held when the application got it. */
interface Seen {
  scope: HTTPScope
  client: unknown
  server: unknown
}

/** Records each scope (and copies of its addresses, before the app changes them). */
function recording(scopes: HTTPScope[], seen: Seen[] = []): Application {
  return async (scope, _receive, send) => {
    if (scope.type !== 'http') throw new Error(`unsupported scope ${scope.type}`)
    scopes.push(scope)
    seen.push({ scope, client: { ...scope.client }, server: { ...scope.server } })
    const body = text('ok')
    // Changing the scope's address objects must not reach the next request on the connection.
    if (scope.client) scope.client.host = 'changed by the app'
    if (scope.server) scope.server.port = -1
    await send({
      type: 'http.response.start',
      status: 200,
      headers: [['content-length', String(body.byteLength)]],
    })
    await send({ type: 'http.response.body', body })
  }
}

const request = (headers: string[]) =>
  `GET / HTTP/1.1\r\nHost: h\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`

describe('header names', () => {
  test('are lowered in any spelling, past the cache bounds (many names, long names) too', async () => {
    const scopes: HTTPScope[] = []
    server = await startServer(recording(scopes))
    const long = `X-${'Long'.repeat(30)}` // longer than the cached names
    // More distinct spellings than the cache holds, spread over requests on one connection.
    const batches = Array.from({ length: 4 }, (_, b) =>
      Array.from({ length: 90 }, (_, i) => `X-Name-${b}-${i}-AbC: v${i}`),
    )
    const conn = await openRaw(server.port)
    try {
      for (const [b, batch] of batches.entries()) {
        conn.socket.write(request([...batch, `${long}: l`, 'CONTENT-type: text/plain']))
        await conn.waitFor(() => scopes.length === b + 1)
      }
    } finally {
      conn.socket.destroy()
    }
    expect(scopes).toHaveLength(4)
    for (const [b, scope] of scopes.entries()) {
      const names = scope.headers.map(([name]) => name)
      expect(names).toEqual([
        'host',
        ...batches[b]!.map((_, i) => `x-name-${b}-${i}-abc`),
        long.toLowerCase(),
        'content-type',
      ])
      expect(scope.headers.at(-1)).toEqual(['content-type', 'text/plain'])
    }
  })
})

describe('what comes from the socket', () => {
  test('each scope on a kept-alive connection gets its own, correct client and server', async () => {
    const scopes: HTTPScope[] = []
    const seen: Seen[] = []
    server = await startServer(recording(scopes, seen))
    const conn = await openRaw(server.port)
    try {
      conn.socket.write(request([]))
      await conn.waitFor(() => scopes.length === 1)
      conn.socket.write(request([]))
      await conn.waitFor(() => scopes.length === 2)
      const local = conn.socket.address()
      if (!('port' in local)) throw new Error('not a TCP socket')
      // The second scope is unchanged by what the app did to the first one's.
      for (const { client, server: address } of seen) {
        expect(client).toEqual({ host: '127.0.0.1', port: local.port })
        expect(address).toEqual({ host: '127.0.0.1', port: server.port })
      }
      expect(scopes[0]!.client).not.toBe(scopes[1]!.client)
      expect(scopes[0]!.server).not.toBe(scopes[1]!.server)
    } finally {
      conn.socket.destroy()
    }
  })
})

describe('the Host check', () => {
  const hello: Application = async (scope, _receive, send) => {
    if (scope.type !== 'http') throw new Error(`unsupported scope ${scope.type}`)
    await send({ type: 'http.response.start', status: 204 })
    await send({ type: 'http.response.body' })
  }

  test.each(['host', 'HOST', 'hOsT'])('finds a Host spelled %s', async (spelling) => {
    server = await startServer(hello)
    const raw = await rawRequest(
      server.port,
      `GET / HTTP/1.1\r\n${spelling}: h\r\nConnection: close\r\n\r\n`,
    )
    expect(raw).toMatch(/^HTTP\/1\.1 204 /)
  })

  test('refuses two Hosts spelled differently, and 4-letter names that are not Host do not count', async () => {
    server = await startServer(hello)
    const two = await rawRequest(
      server.port,
      'GET / HTTP/1.1\r\nHost: a\r\nHOST: b\r\nConnection: close\r\n\r\n',
    )
    expect(two).toMatch(/^HTTP\/1\.1 400 .*\r\n[\s\S]*more than one Host header/)
    // 4-letter names one bit away from "host" (the case fold must not map them onto it).
    const none = await rawRequest(
      server.port,
      'GET / HTTP/1.1\r\nHOSU: a\r\nGOST: a\r\nHNST: a\r\nhorT: a\r\nConnection: close\r\n\r\n',
    )
    expect(none).toMatch(/^HTTP\/1\.1 400 .*\r\n[\s\S]*missing Host header/)
  })
})
