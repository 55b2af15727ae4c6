/**
 * Request targets and Host values (issue 10, items 4 and 5): the authority of an absolute-form
 * target becomes the scope's `host`, an invalid Host or authority gets 400, a target over
 * `maxUrlLength` gets 414 (also when it overflows the head), `CONNECT` gets 501. At the wire.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Application, HeaderList } from '@tsgi/protocol'
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { createRequestListener } from '../src/index.ts'
import { startServer, type TestServer } from './helpers.ts'
import { firstBody, rawExchange, statuses } from './wire-client.ts'

let server: TestServer | undefined
let plain: Server | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
  await new Promise<void>((resolve) => (plain ? plain.close(() => resolve()) : resolve()))
  plain = undefined
})

/** Answers with the scope's path, query and headers as JSON; records the paths it saw. */
function echo() {
  const seen: string[] = []
  const app: Application = async (scope, _receive, send) => {
    if (scope.type !== 'http') return
    seen.push(scope.path)
    const body = new TextEncoder().encode(
      JSON.stringify({ path: scope.path, query: scope.queryString, headers: scope.headers }),
    )
    await send({ type: 'http.response.start', status: 200, headers: [] })
    await send({ type: 'http.response.body', body })
  }
  return { app, seen }
}

type Echoed = { path: string; query: string; headers: HeaderList }

async function stillServing(s: TestServer): Promise<void> {
  const res = await request(`${s.url}/next`)
  expect(res.statusCode).toBe(200)
  await res.body.dump()
}

describe('absolute-form targets: the target authority is the host (RFC 9112 §3.2.2)', () => {
  test('Host is replaced by the authority, in its place; path and query come from the target', async () => {
    const { app } = echo()
    server = await startServer(app)
    const answer = await rawExchange(
      server.port,
      'GET http://example.com:8080/p/q?x=1 HTTP/1.1\r\nUser-Agent: t\r\nHost: other\r\nAccept: */*\r\nConnection: close\r\n\r\n',
    )
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 200 OK'])
    const scope = JSON.parse(firstBody(answer.text)) as Echoed
    expect(scope.path).toBe('/p/q')
    expect(scope.query).toBe('x=1')
    expect(scope.headers).toEqual([
      ['user-agent', 't'],
      ['host', 'example.com:8080'],
      ['accept', '*/*'],
      ['connection', 'close'],
    ])
  })

  test.each([
    ['HTTP://Example.com/p', '/p', '', 'Example.com'],
    ['http://example.com?x=1', '/', 'x=1', 'example.com'],
    ['https://[::1]:8443/', '/', '', '[::1]:8443'],
  ])('%s → path %s, query %s, host %s', async (target, path, query, host) => {
    const { app } = echo()
    server = await startServer(app)
    const answer = await rawExchange(
      server.port,
      `GET ${target} HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n`,
    )
    const scope = JSON.parse(firstBody(answer.text)) as Echoed
    expect([scope.path, scope.query]).toEqual([path, query])
    expect(scope.headers.filter(([n]) => n === 'host')).toEqual([['host', host]])
  })

  test('HTTP/1.0 without a Host: the authority is added as host', async () => {
    const { app } = echo()
    server = await startServer(app)
    const answer = await rawExchange(server.port, 'GET http://example.com/p HTTP/1.0\r\n\r\n')
    const scope = JSON.parse(firstBody(answer.text)) as Echoed
    expect(scope.headers).toEqual([['host', 'example.com']])
  })

  test.each([
    ['userinfo', 'http://user@example.com/p'],
    ['an empty host', 'http:///p'],
    ['a scheme other than http(s)', 'ftp://example.com/p'],
    ['a bad port', 'http://example.com:8a/p'],
  ])('an authority with %s → 400', async (_name, target) => {
    const { app, seen } = echo()
    server = await startServer(app)
    const answer = await rawExchange(
      server.port,
      `GET ${target} HTTP/1.1\r\nHost: example.com\r\n\r\n`,
    )
    expect(answer.closed).toBe(true)
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 400 Bad Request'])
    expect(answer.text).toContain('Bad Request: invalid authority in the request target\n')
    expect(server.logger.of('warn')).toEqual([
      'invalid HTTP request from 127.0.0.1: 400 invalid authority in the request target',
    ])
    expect(seen).toEqual([])
    await stillServing(server)
  })
})

describe('Host values are validated (RFC 9112 §3.2, RFC 3986 §3.2.2)', () => {
  test.each([
    ['bad host'],
    ['a/b@c'],
    ['a b:80'],
    ['[::1'],
    ['[::1]x'],
    ['[zz::1]'],
    [':80'],
    ['host:8o'],
    ['a%zz'],
    ['ex\u00e4mple.com'],
  ])('Host: %s → 400 and the connection closes', async (host) => {
    const { app, seen } = echo()
    server = await startServer(app)
    const answer = await rawExchange(
      server.port,
      Buffer.from(
        `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n`,
        'latin1',
      ),
    )
    expect(answer.closed).toBe(true)
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 400 Bad Request'])
    expect(answer.text.toLowerCase()).toContain('connection: close')
    expect(answer.text).toMatch(/Bad Request: invalid Host header: ".*"\n/)
    expect(server.logger.of('warn')).toHaveLength(1)
    expect(server.logger.of('warn')[0]).toMatch(
      /^invalid HTTP request from 127\.0\.0\.1: 400 invalid Host header: ".*"$/,
    )
    // Nothing pipelined behind a refused request reaches the app.
    expect(seen).toEqual([])
    await stillServing(server)
  })

  test.each([
    ['example.com'],
    ['example.com:8080'],
    ['127.0.0.1:80'],
    ['[::1]:80'],
    ['[v1.fe80::a+en1]'],
    ['xn--bcher-kva.example'],
    ['%41.example'],
    ["a!$&'()*+,;=-._~b"],
    ['example.com:'],
    [''],
  ])('Host: %s is accepted', async (host) => {
    const { app, seen } = echo()
    server = await startServer(app)
    const answer = await rawExchange(
      server.port,
      `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    )
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 200 OK'])
    expect(seen).toEqual(['/'])
  })

  test('HTTP/1.1 without Host → 400 with the reason, logged; HTTP/1.0 without Host is fine', async () => {
    const { app, seen } = echo()
    server = await startServer(app)
    const answer = await rawExchange(server.port, 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n')
    expect(answer.closed).toBe(true)
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 400 Bad Request'])
    expect(firstBody(answer.text)).toBe('Bad Request: missing Host header\n')
    expect(server.logger.of('warn')).toEqual([
      'invalid HTTP request from 127.0.0.1: 400 missing Host header',
    ])
    const old = await rawExchange(server.port, 'GET /old HTTP/1.0\r\n\r\n')
    expect(statuses(old.text)).toEqual(['HTTP/1.1 200 OK'])
    expect(seen).toEqual(['/old'])
  })

  test('the Node adapter (createRequestListener) refuses an invalid Host too', async () => {
    const { app, seen } = echo()
    plain = createServer(createRequestListener(app))
    await new Promise<void>((resolve) => plain!.listen(0, '127.0.0.1', resolve))
    const port = (plain.address() as AddressInfo).port
    const answer = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: bad host\r\n\r\n')
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 400 Bad Request'])
    expect(seen).toEqual([])
  })
})

describe('URL length (414) and the asterisk form', () => {
  test('a target over maxUrlLength → 414 URI Too Long; one at the limit is served', async () => {
    const { app, seen } = echo()
    server = await startServer(app, { maxUrlLength: 100 })
    const long = await rawExchange(
      server.port,
      `GET /${'a'.repeat(100)} HTTP/1.1\r\nHost: h\r\n\r\n`,
    )
    expect(long.closed).toBe(true)
    expect(statuses(long.text)).toEqual(['HTTP/1.1 414 URI Too Long'])
    expect(long.text.toLowerCase()).toContain('connection: close')
    expect(long.text).toContain('URI Too Long: request target longer than 100 bytes\n')
    expect(server.logger.of('warn')).toEqual([
      'invalid HTTP request from 127.0.0.1: 414 request target longer than 100 bytes',
    ])
    const fits = await rawExchange(
      server.port,
      `GET /${'a'.repeat(99)} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`,
    )
    expect(statuses(fits.text)).toEqual(['HTTP/1.1 200 OK'])
    expect(seen).toEqual([`/${'a'.repeat(99)}`])
  })

  test('the default limit is 8192 bytes', async () => {
    const { app } = echo()
    server = await startServer(app)
    const long = await rawExchange(
      server.port,
      `GET /${'a'.repeat(8192)} HTTP/1.1\r\nHost: h\r\n\r\n`,
    )
    expect(statuses(long.text)).toEqual(['HTTP/1.1 414 URI Too Long'])
  })

  test('a request line that overflows maxHeaderSize → 414, not 431; big headers still → 431', async () => {
    const { app, seen } = echo()
    server = await startServer(app, { maxHeaderSize: 4096, maxUrlLength: 2048 })
    const line = await rawExchange(
      server.port,
      `GET /${'a'.repeat(6000)} HTTP/1.1\r\nHost: h\r\n\r\n`,
    )
    expect(statuses(line.text)).toEqual(['HTTP/1.1 414 URI Too Long'])
    expect(line.text).toContain('URI Too Long: request target longer than 2048 bytes\n')
    const unfinished = await rawExchange(server.port, `GET /${'a'.repeat(6000)}`)
    expect(statuses(unfinished.text)).toEqual(['HTTP/1.1 414 URI Too Long'])
    expect(server.logger.of('warn')[0]).toBe(
      'invalid HTTP request from 127.0.0.1: 414 HPE_HEADER_OVERFLOW request target longer than 2048 bytes',
    )
    const headers = await rawExchange(
      server.port,
      `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(6000)}\r\n\r\n`,
    )
    expect(statuses(headers.text)).toEqual(['HTTP/1.1 431 Request Header Fields Too Large'])
    expect(seen).toEqual([])
    await stillServing(server)
  })

  test('the asterisk form is for OPTIONS only', async () => {
    const { app, seen } = echo()
    server = await startServer(app)
    const options = await rawExchange(
      server.port,
      'OPTIONS * HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
    )
    expect(statuses(options.text)).toEqual(['HTTP/1.1 200 OK'])
    const get = await rawExchange(server.port, 'GET * HTTP/1.1\r\nHost: h\r\n\r\n')
    expect(statuses(get.text)).toEqual(['HTTP/1.1 400 Bad Request'])
    expect(get.text).toContain('Bad Request: the asterisk-form target is only for OPTIONS\n')
    expect(seen).toEqual(['*'])
  })
})

describe('CONNECT', () => {
  test('→ 501 Not Implemented with connection: close, logged; the server goes on', async () => {
    const { app, seen } = echo()
    server = await startServer(app)
    const answer = await rawExchange(
      server.port,
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    )
    expect(answer.closed).toBe(true)
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 501 Not Implemented'])
    expect(answer.text.toLowerCase()).toContain('connection: close')
    expect(firstBody(answer.text)).toBe('Not Implemented: CONNECT is not supported\n')
    expect(server.logger.of('warn')).toEqual([
      'invalid HTTP request from 127.0.0.1: 501 CONNECT is not supported',
    ])
    expect(seen).toEqual([])
    await stillServing(server)
  })
})
