/**
 * `serve({ http2: true })` over real sockets: h2c with prior knowledge and h2 over TLS (ALPN)
 * beside HTTP/1.1 on the same port, the scope of an h2 stream, and the response head rules
 * (connection-specific fields dropped, HEAD/204/304, Content-Length), with node:http2's client
 * and undici's (`allowH2`).
 */
import { execFile, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import type { ClientHttp2Session } from 'node:http2'
import { connect as netConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Application, HTTPScope } from '@tsgi/protocol'
import { Agent, Client, request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { parseCliArgs } from '../src/cli/args.ts'
import { resolveOptions } from '../src/index.ts'
import { h2Request, TestSessions } from './h2-client.ts'
import { ErrorCode, errorCodeOf, FrameType, getBlock, H2Wire, headers } from './h2-frames.ts'
import { readBody, startServer, type TestServer, text, until } from './helpers.ts'

const keyfile = new URL('./tls/key.pem', import.meta.url).pathname
const certfile = new URL('./tls/cert.pem', import.meta.url).pathname
const ca = readFileSync(certfile)

let server: TestServer | undefined
const sessions = new TestSessions()
afterEach(async () => {
  sessions.destroyAll()
  await server?.close()
  server = undefined
})

const h2 = (url: string): ClientHttp2Session =>
  sessions.open(url, url.startsWith('https:') ? { ca, servername: 'localhost' } : undefined)

/** Answers the scope (minus state) as JSON, after reading the body (its length in `bodyLength`). */
const echo: Application = async (scope, receive, send) => {
  if (scope.type !== 'http') return
  const body = await readBody(receive)
  const { state: _state, extensions, ...rest } = scope as HTTPScope
  const out = { ...rest, bodyLength: body.byteLength, tls: extensions?.tls !== undefined }
  await send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'application/json']],
  })
  await send({ type: 'http.response.body', body: text(JSON.stringify(out)) })
}

describe('the http2 option', () => {
  test('defaults to false, takes a boolean, and --http2 sets it', () => {
    expect(resolveOptions({}).http2).toBe(false)
    expect(resolveOptions({ http2: true }).http2).toBe(true)
    expect(() => resolveOptions({ http2: 'yes' as unknown as boolean })).toThrow(
      /invalid option http2: expected true or false/,
    )
    const command = parseCliArgs(['app.ts', '--http2'])
    expect(command.kind === 'serve' && command.args.options.http2).toBe(true)
    const without = parseCliArgs(['app.ts'])
    expect(without.kind === 'serve' && 'http2' in without.args.options).toBe(false)
  })

  test('off: an h2c preface is not HTTP/2 (the port is HTTP/1.1 only, as before)', async () => {
    server = await startServer(echo)
    const session = h2(server.url)
    const closed = new Promise((resolve) => session.once('close', resolve))
    const answer = h2Request(session, { ':path': '/' })
    await closed
    expect((await answer).status).toBe(0)
  })
})

describe('h2c with prior knowledge beside HTTP/1.1', () => {
  test('an h2 stream gets its scope from the pseudo-headers and the connection', async () => {
    server = await startServer(echo, { http2: true })
    const session = h2(server.url)
    const answer = await h2Request(
      session,
      { ':method': 'POST', ':path': '/a%20b?x=1', 'content-length': '5', cookie: 'a=1' },
      'hello',
    )
    expect(answer.status).toBe(200)
    const scope = JSON.parse(answer.body.toString())
    expect(scope).toMatchObject({
      type: 'http',
      httpVersion: '2',
      method: 'POST',
      scheme: 'http',
      path: '/a b',
      rawPath: '/a%20b',
      queryString: 'x=1',
      bodyLength: 5,
      tls: false,
      client: { host: '127.0.0.1' },
      server: { host: '127.0.0.1', port: server.port },
    })
    // :authority becomes host, first; no pseudo-header is left in the list.
    expect(scope.headers[0]).toEqual(['host', `127.0.0.1:${server.port}`])
    expect(scope.headers.some(([n]: [string]) => n.startsWith(':'))).toBe(false)
    expect(scope.headers).toContainEqual(['cookie', 'a=1'])
    const access = () =>
      server!.logger.lines.filter((l) => l.level === 'access').map((l) => l.message)
    // Logged when the server's stream closes, which may be just after the client has it all.
    await until(() => access().length > 0)
    expect(access()).toEqual([expect.stringMatching(/"POST \/a%20b\?x=1 HTTP\/2" 200 /)])
  })

  test('HTTP/1.1 on the same port is served as before; undici with allowH2 speaks h2', async () => {
    server = await startServer(echo, { http2: true })
    const plain = await request(`${server.url}/one`)
    expect(JSON.parse(await plain.body.text()).httpVersion).toBe('1.1')
    const client = new Client(server.url, { allowH2: true, useH2c: true } as Client.Options)
    try {
      const res = await client.request({ path: '/two', method: 'GET' })
      expect(JSON.parse(await res.body.text())).toMatchObject({ httpVersion: '2', path: '/two' })
    } finally {
      await client.close()
    }
  })

  test('many concurrent streams on one session are served independently', async () => {
    let open = 0
    let peak = 0
    const release: Array<() => void> = []
    server = await startServer(
      async (scope, _receive, send) => {
        if (scope.type !== 'http') return
        open++
        peak = Math.max(peak, open)
        // Every stream waits until all ten are in: a per-connection queue would deadlock.
        if (peak < 10) await new Promise<void>((r) => release.push(r))
        else for (const r of release.splice(0)) r()
        open--
        await send({ type: 'http.response.start', status: 200 })
        await send({ type: 'http.response.body', body: text(scope.path) })
      },
      { http2: true },
    )
    const session = h2(server.url)
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => h2Request(session, { ':path': `/${i}` })),
    )
    expect(answers.map((a) => a.body.toString())).toEqual(answers.map((_, i) => `/${i}`))
    expect(peak).toBe(10)
  })

  test('connection-specific response fields are dropped (RFC 9113 §8.2.2), others kept', async () => {
    server = await startServer(
      async (scope, _receive, send) => {
        if (scope.type !== 'http') return
        await send({
          type: 'http.response.start',
          status: 200,
          headers: [
            ['Connection', 'close'],
            ['keep-alive', 'timeout=5'],
            ['transfer-encoding', 'chunked'],
            ['upgrade', 'websocket'],
            ['set-cookie', 'a=1'],
            ['set-cookie', 'b=2'],
            ['X-Kept', 'yes'],
          ],
        })
        await send({ type: 'http.response.body', body: text('ok') })
      },
      { http2: true },
    )
    const answer = await h2Request(h2(server.url), {})
    expect(answer.status).toBe(200)
    expect(answer.body.toString()).toBe('ok')
    for (const name of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade'])
      expect(answer.headers[name]).toBeUndefined()
    expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2'])
    expect(answer.headers['x-kept']).toBe('yes')
    expect(answer.headers['content-length']).toBe('2')
    expect(answer.headers.server).toBe('tsgi')
  })

  test("the application's field order goes on the wire, a repeated name interleaved included", async () => {
    server = await startServer(
      async (scope, _receive, send) => {
        if (scope.type !== 'http') return
        await send({
          type: 'http.response.start',
          status: 200,
          headers: [
            ['x-order', '1'],
            ['set-cookie', 'a=1'],
            ['set-cookie', 'b=2'],
            ['x-order', '2'],
          ],
        })
        await send({ type: 'http.response.body', body: text('ok') })
      },
      { http2: true, serverHeader: false, dateHeader: false },
    )
    const answer = await h2Request(h2(server.url), {})
    expect(answer.rawHeaders).toEqual([
      ':status',
      '200',
      'x-order',
      '1',
      'set-cookie',
      'a=1',
      'set-cookie',
      'b=2',
      'x-order',
      '2',
      'content-length',
      '2',
    ])
  })

  test('HEAD announces the length without DATA; 204 and 304 carry neither', async () => {
    server = await startServer(
      async (scope, _receive, send) => {
        if (scope.type !== 'http') return
        const status = scope.path === '/204' ? 204 : scope.path === '/304' ? 304 : 200
        await send({ type: 'http.response.start', status })
        await send({ type: 'http.response.body', body: text('hello') })
      },
      { http2: true },
    )
    const session = h2(server.url)
    const head = await h2Request(session, { ':method': 'HEAD' })
    expect(head).toMatchObject({ status: 200, complete: true, rstCode: 0 })
    expect(head.headers['content-length']).toBe('5')
    expect(head.body.byteLength).toBe(0)
    for (const status of [204, 304]) {
      const answer = await h2Request(session, { ':path': `/${status}` })
      expect(answer).toMatchObject({ status, complete: true })
      expect(answer.headers['content-length']).toBeUndefined()
      expect(answer.body.byteLength).toBe(0)
    }
  })

  test('a malformed request is reset with PROTOCOL_ERROR; a long target gets 414', async () => {
    const calls: string[] = []
    server = await startServer(
      async (scope, receive, send) => {
        if (scope.type === 'http') calls.push(scope.path)
        await echo(scope, receive, send)
      },
      { http2: true, maxUrlLength: 64 },
    )
    // node's client will not send a malformed block: raw frames (Host naming another origin).
    const wire = await H2Wire.connect(server.port)
    await wire.start()
    await wire.write(headers(1, getBlock('/', [['host', 'other.example']])))
    const rst = await wire.waitFor((f) => f.type === FrameType.RST_STREAM && f.streamId === 1)
    expect(errorCodeOf(rst)).toBe(ErrorCode.PROTOCOL_ERROR)
    wire.close()
    const session = h2(server.url)
    const long = await h2Request(session, { ':path': `/${'a'.repeat(100)}` })
    expect(long.status).toBe(414)
    expect(long.body.toString()).toMatch(/^URI Too Long: request target longer than 64 bytes/)
    const fine = await h2Request(session, { ':path': '/fine' })
    expect(fine.status).toBe(200)
    expect(calls).toEqual(['/fine'])
  })

  test('a head node:http2 cannot send (a repeated single-value field) is a 500 on that stream', async () => {
    server = await startServer(
      async (scope, _receive, send) => {
        if (scope.type !== 'http') return
        const headers: Array<[string, string]> =
          scope.path === '/twice'
            ? [
                ['content-type', 'text/plain'],
                ['content-type', 'text/html'],
              ]
            : []
        await send({ type: 'http.response.start', status: 200, headers })
        await send({ type: 'http.response.body', body: text('x') }).catch(() => {})
      },
      { http2: true },
    )
    const session = h2(server.url)
    expect((await h2Request(session, { ':path': '/twice' })).status).toBe(500)
    expect((await h2Request(session, { ':path': '/once' })).status).toBe(200)
    expect(server.logger.lines.map((l) => l.message).join('\n')).toMatch(/invalid response head/)
  })

  test('h2c on a unix socket: no client address, the socket path as server', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tsgi-h2-uds-')), 's.sock')
    server = await startServer(echo, { http2: true, uds: path })
    const session = sessions.open('http://localhost', { createConnection: () => netConnect(path) })
    const scope = JSON.parse((await h2Request(session, {})).body.toString())
    expect(scope).toMatchObject({
      httpVersion: '2',
      client: null,
      server: { host: path, port: null },
    })
  })

  test('dateHeader false leaves date out on h2 too', async () => {
    server = await startServer(echo, { http2: true, dateHeader: false, serverHeader: false })
    const answer = await h2Request(h2(server.url), {})
    expect(answer.status).toBe(200)
    expect(answer.headers.date).toBeUndefined()
    expect(answer.headers.server).toBeUndefined()
  })
})

describe('h2 over TLS, HTTP/1.1 by ALPN on the same port', () => {
  test('ALPN h2 gets an HTTPS h2 scope with the tls extension; http/1.1 is served as before', async () => {
    server = await startServer(echo, { http2: true, sslKeyfile: keyfile, sslCertfile: certfile })
    expect(server.url).toMatch(/^https:/)
    const answer = await h2Request(h2(server.url), { ':path': '/secure' })
    expect(JSON.parse(answer.body.toString())).toMatchObject({
      httpVersion: '2',
      scheme: 'https',
      path: '/secure',
      tls: true,
    })
    const dispatcher = new Agent({ connect: { ca, servername: 'localhost' } })
    try {
      const plain = await request(`${server.url}/h1`, { dispatcher })
      expect(JSON.parse(await plain.body.text())).toMatchObject({
        httpVersion: '1.1',
        scheme: 'https',
        tls: true,
      })
      const h2Agent = new Agent({ allowH2: true, connect: { ca, servername: 'localhost' } })
      try {
        const res = await request(`${server.url}/undici`, { dispatcher: h2Agent })
        expect(JSON.parse(await res.body.text())).toMatchObject({ httpVersion: '2' })
      } finally {
        await h2Agent.close()
      }
    } finally {
      await dispatcher.close()
    }
  })

  test('shutdown sends GOAWAY to a TLS session too; its stream in flight finishes', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let started = false
    server = await startServer(
      async (scope, _receive, send) => {
        if (scope.type !== 'http') return
        started = true
        await gate
        await send({ type: 'http.response.start', status: 200 })
        await send({ type: 'http.response.body', body: text('finished') })
      },
      { http2: true, sslKeyfile: keyfile, sslCertfile: certfile },
    )
    const session = h2(server.url)
    const goaway = new Promise((resolve) => session.once('goaway', (code) => resolve(code)))
    const answer = h2Request(session, { ':path': '/slow' })
    await until(() => started)
    const closing = server.close()
    server = undefined
    expect(await goaway).toBe(0)
    release()
    expect((await answer).body.toString()).toBe('finished')
    await closing
  })

  test('without --http2 a TLS server offers no h2 (ALPN picks http/1.1)', async () => {
    server = await startServer(echo, { sslKeyfile: keyfile, sslCertfile: certfile })
    const dispatcher = new Agent({ allowH2: true, connect: { ca, servername: 'localhost' } })
    try {
      const res = await request(`${server.url}/`, { dispatcher })
      expect(JSON.parse(await res.body.text()).httpVersion).toBe('1.1')
    } finally {
      await dispatcher.close()
    }
  })
})

/** curl, if installed with HTTP/2 support (libcurl's nghttp2); null with the reason otherwise. */
const curl = (() => {
  const probe = spawnSync('curl', ['--version'], { encoding: 'utf8' })
  if (probe.status !== 0) return null
  return /\bHTTP2\b/.test(probe.stdout) ? 'curl' : null
})()

describe.skipIf(curl === null)('curl (skipped: no curl with HTTP/2 on PATH)', () => {
  /** Runs curl with `args`; resolves with what it printed (`-w` output last). */
  function run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(curl!, ['-sS', ...args], { timeout: 10_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      )
    })
  }

  test('--http2-prior-knowledge speaks h2c; plain curl on the same port speaks HTTP/1.1', async () => {
    server = await startServer(echo, { http2: true })
    const h2c = await run(['--http2-prior-knowledge', '-w', ' %{http_version}', `${server.url}/c`])
    expect(h2c).toMatch(/"httpVersion":"2".* 2$/)
    const http1 = await run(['-w', ' %{http_version}', `${server.url}/c`])
    expect(http1).toMatch(/"httpVersion":"1.1".* 1.1$/)
  })

  test('--http2 over TLS negotiates h2 by ALPN', async () => {
    server = await startServer(echo, { http2: true, sslKeyfile: keyfile, sslCertfile: certfile })
    const url = `https://localhost:${server.port}/t`
    const out = await run([
      '--http2',
      '--cacert',
      certfile,
      '--resolve',
      `localhost:${server.port}:127.0.0.1`,
      '-w',
      ' %{http_version}',
      url,
    ])
    expect(out).toMatch(/"httpVersion":"2".*"scheme":"https".* 2$/)
  })
})
