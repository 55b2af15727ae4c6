/**
 * Upgrades the server does not do (issue 10, item 2): `Upgrade: h2c` and any protocol other
 * than websocket are ignored (RFC 9110 §7.8) and the request is served over HTTP/1.1, with the
 * `upgrade` header visible to the app. At the wire, with raw sockets and curl.
 */
import { execFile } from 'node:child_process'
import type { Server } from 'node:http'
import type { HeaderList } from '@tsgi/protocol'
import { afterEach, describe, expect, test } from 'vitest'
import { UPGRADE_BODY_UNSUPPORTED } from '../src/http/upgrade.ts'
import { startServer, type TestServer } from './helpers.ts'
import { firstBody, openRaw, rawExchange, statuses } from './wire-client.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const seen: string[] = []
afterEach(() => {
  seen.length = 0
})

/** Answers with the request's method, path and headers. */
async function start(): Promise<TestServer> {
  return startServer(async (scope, _receive, send) => {
    if (scope.type !== 'http') return
    seen.push(scope.path)
    const body = new TextEncoder().encode(
      JSON.stringify({ path: scope.path, headers: scope.headers }),
    )
    await send({ type: 'http.response.start', status: 200, headers: [] })
    await send({ type: 'http.response.body', body })
  })
}

const h2c = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n`

/** One response's head and body, as the wire carried it. */
function response(raw: string): { status: string; body: { path: string; headers: HeaderList } } {
  return { status: statuses(raw)[0]!, body: JSON.parse(firstBody(raw)) }
}

describe('an upgrade other than websocket is served as HTTP/1.1', () => {
  test('Upgrade: h2c → the app answers 200, sees the upgrade header, and the connection stays open for more', async () => {
    server = await start()
    const connection = await openRaw(server.port)
    connection.socket.write(h2c('/first'))
    const first = await connection.waitFor((text) => text.endsWith('}'))
    const { status, body } = response(first)
    expect(status).toBe('HTTP/1.1 200 OK')
    expect(first).not.toMatch(/^HTTP\/1\.1 101/)
    expect(first.toLowerCase()).toContain('connection: keep-alive')
    expect(body.headers).toContainEqual(['upgrade', 'h2c'])
    expect(body.headers).toContainEqual(['connection', 'Upgrade, HTTP2-Settings'])
    // Keep-alive: the same connection serves the next request.
    connection.socket.write('GET /second HTTP/1.1\r\nHost: h\r\n\r\n')
    const both = await connection.waitFor(
      (text) => statuses(text).length === 2 && text.endsWith('}'),
    )
    expect(statuses(both)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK'])
    expect(seen).toEqual(['/first', '/second'])
    connection.socket.destroy()
  })

  test('Upgrade: foo on a POST with a body is served too', async () => {
    server = await startServer(async (scope, receive, send) => {
      if (scope.type !== 'http') return
      const event = await receive()
      const body = event.type === 'http.request' ? event.body : new Uint8Array()
      await send({ type: 'http.response.start', status: 200, headers: [] })
      await send({ type: 'http.response.body', body })
    })
    const answer = await rawExchange(
      server.port,
      'POST / HTTP/1.1\r\nHost: h\r\nConnection: upgrade, close\r\nUpgrade: foo/2\r\nContent-Length: 5\r\n\r\nhello',
    )
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 200 OK'])
    expect(firstBody(answer.text)).toBe('hello')
  })

  test('a request pipelined behind an ignored upgrade: the upgrade is answered, then the connection closes (node:http would drop what follows)', async () => {
    server = await start()
    const answer = await rawExchange(
      server.port,
      `${h2c('/first')}GET /second HTTP/1.1\r\nHost: h\r\n\r\n`,
    )
    expect(answer.closed).toBe(true)
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 200 OK'])
    expect(answer.text.toLowerCase()).toContain('connection: close')
    expect(response(answer.text).body.path).toBe('/first')
  })

  const curl = new Promise<boolean>((resolve) =>
    execFile('curl', ['--version'], (error, stdout) =>
      resolve(error === null && /\bHTTP2\b/i.test(stdout)),
    ),
  )
  test('curl --http2 http://… gets its answers over HTTP/1.1, on one connection', async (context) => {
    if (!(await curl)) context.skip('curl with HTTP/2 support is not installed')
    server = await start()
    const url = `http://127.0.0.1:${server.port}`
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>(
      (resolve, reject) =>
        execFile(
          'curl',
          ['-sS', '-v', '--http2', '--max-time', '20', `${url}/a`, `${url}/b`],
          (error, stdout, stderr) => (error ? reject(error) : resolve({ stdout, stderr })),
        ),
    )
    expect(stderr).toMatch(/> Upgrade: h2c/i)
    expect(stderr).toMatch(/< HTTP\/1\.1 200 OK/)
    expect(stderr).toMatch(/Re-using existing connection/i)
    expect(stdout).toContain('"path":"/a"')
    expect(stdout).toContain('"path":"/b"')
  })
})

describe('websocket handshakes', () => {
  const handshake = (host: string, upgrade = 'websocket') =>
    `GET /ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: ${upgrade}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`

  test('one with an invalid Host gets the same 400 as an HTTP request, before the app runs', async () => {
    let calls = 0
    server = await startServer(async () => {
      calls++
    })
    const answer = await rawExchange(server.port, handshake('bad host'))
    expect(answer.closed).toBe(true)
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 400 Bad Request'])
    expect(firstBody(answer.text)).toBe('Bad Request: invalid Host header: "bad host"\n')
    expect(server.logger.of('warn')).toEqual([
      'invalid HTTP request from 127.0.0.1: 400 invalid Host header: "bad host"',
    ])
    expect(calls).toBe(0)
  })

  test('Upgrade: foo, websocket is not a handshake (ws and browsers send exactly websocket): served as HTTP', async () => {
    server = await start()
    const connection = await openRaw(server.port)
    connection.socket.write(handshake('h', 'foo, websocket'))
    const answer = await connection.waitFor((text) => text.endsWith('}'))
    expect(statuses(answer)).toEqual(['HTTP/1.1 200 OK'])
    expect(response(answer).body.headers).toContainEqual(['upgrade', 'foo, websocket'])
    connection.socket.destroy()
  })
})

describe('on a Node without shouldUpgradeCallback (every upgrade reaches the upgrade event)', () => {
  /** What Node before 22.21 / 24.9 does: any upgrade goes to the `upgrade` listeners. */
  function asOlderNode(s: TestServer): void {
    ;(s.server as Server & { shouldUpgradeCallback: () => boolean }).shouldUpgradeCallback = () =>
      true
  }

  test('h2c is answered over HTTP/1.1, then the connection closes', async () => {
    server = await start()
    asOlderNode(server)
    const answer = await rawExchange(server.port, h2c('/old'))
    expect(answer.closed).toBe(true)
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 200 OK'])
    expect(answer.text.toLowerCase()).toContain('connection: close')
    expect(response(answer.text).body.headers).toContainEqual(['upgrade', 'h2c'])
    expect(seen).toEqual(['/old'])
  })

  test('one with a body cannot be read without the parser: 501 naming the Node versions', async () => {
    server = await start()
    asOlderNode(server)
    const answer = await rawExchange(
      server.port,
      'POST / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 3\r\n\r\nabc',
    )
    expect(answer.closed).toBe(true)
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 501 Not Implemented'])
    expect(firstBody(answer.text)).toBe(`Not Implemented: ${UPGRADE_BODY_UNSUPPORTED}\n`)
    expect(server.logger.of('warn')).toEqual([
      `invalid HTTP request from 127.0.0.1: 501 ${UPGRADE_BODY_UNSUPPORTED}`,
    ])
    expect(seen).toEqual([])
  })

  test('a websocket handshake still reaches the websocket path', async () => {
    server = await start()
    asOlderNode(server)
    const answer = await rawExchange(
      server.port,
      'GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
    // The app ignores websocket scopes and returns: the handshake is denied with 403.
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 403 Forbidden'])
  })
})
