/**
 * The suite's TLS transport (`--http2 --tls`, transport `h2`): the client speaks h2 over TLS
 * (ALPN `h2`) to `https:` origins and trusts a self-signed certificate only when told (`ca`,
 * `insecure`), feature detection goes over it, and the runner gives the cases `https://` URLs.
 * Against node:http2 servers (in this process, and one started from a command template); the
 * runs against the reference server are in packages/server/test/conformance.test.ts.
 */
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createSecureServer, type Http2SecureServer } from 'node:http2'
import { createServer as createHTTPSServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import { main } from './cli.ts'
import { detect } from './detect.ts'
import { H2Client } from './h2-client.ts'
import { runServerSuite, selectCases } from './runner.ts'

// The reference server's test certificate: self-signed, for localhost and 127.0.0.1.
const tlsFile = (name: string) =>
  fileURLToPath(new URL(`../../../server/test/tls/${name}`, import.meta.url))
const key = readFileSync(tlsFile('key.pem'))
const cert = readFileSync(tlsFile('cert.pem'))

/** What a server saw of one stream. */
interface Seen {
  alpn: string | false | undefined
  scheme: string | undefined
  authority: string | undefined
  path: string | undefined
}

const listen = async (server: Http2SecureServer | ReturnType<typeof createHTTPSServer>) => {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('H2Client over TLS', () => {
  let server: Http2SecureServer
  let origin: string
  const seen: Seen[] = []
  const plaintext: unknown[] = []
  beforeAll(async () => {
    server = createSecureServer({ key, cert })
    server.on('stream', (stream, headers) => {
      seen.push({
        alpn: stream.session?.alpnProtocol,
        scheme: headers[':scheme'],
        authority: headers[':authority'],
        path: headers[':path'],
      })
      stream.respond({ ':status': 200, 'content-type': 'application/json' })
      stream.end(JSON.stringify({ extensions: { 'http.response.trailers': {} } }))
    })
    // Bytes that are not a TLS handshake (an HTTP/1.1 probe in cleartext) land here.
    server.on('tlsClientError', (error) => plaintext.push(error))
    origin = await listen(server)
  })
  afterAll(async () => {
    await new Promise((r) => server.close(r))
  })

  test('with the certificate as `ca`: h2 over TLS, :scheme https, the authority of the URL', async () => {
    const client = new H2Client({ ca: cert })
    try {
      const res = await client.fetch(`${origin}/x?y=1`)
      expect(res.status).toBe(200)
      await res.text()
      const session = await client.session(origin)
      expect(session.encrypted).toBe(true)
      expect(session.alpnProtocol).toBe('h2')
      expect(seen.at(-1)).toEqual({
        alpn: 'h2',
        scheme: 'https',
        authority: new URL(origin).host,
        path: '/x?y=1',
      })
      // isolated() connects with the same trust, and is a session of its own.
      const own = await client.isolated(origin)
      expect(own.encrypted).toBe(true)
      expect(own).not.toBe(session)
      own.destroy()
    } finally {
      client.close()
    }
  })

  test('a self-signed certificate is refused unless told: default trust rejects, insecure accepts', async () => {
    const strict = new H2Client()
    await expect(strict.fetch(`${origin}/`)).rejects.toThrow(/self[- ]signed/i)
    strict.close()
    const lax = new H2Client({ insecure: true })
    try {
      expect((await lax.fetch(`${origin}/`)).status).toBe(200)
    } finally {
      lax.close()
    }
  })

  test('an http: origin stays cleartext h2c (no TLS is attempted)', async () => {
    const client = new H2Client({ ca: cert })
    // The TLS server sees the h2c preface as a failed handshake; the client sees no response.
    const before = plaintext.length
    const cleartext = origin.replace('https:', 'http:')
    await expect(client.fetch(`${cleartext}/`)).rejects.toThrow()
    client.close()
    await expect.poll(() => plaintext.length).toBeGreaterThan(before)
  })

  test('a TLS server that does not choose h2 by ALPN fails the session', async () => {
    const https = createHTTPSServer({ key, cert }, (_req, res) => res.end('http/1.1'))
    const url = await listen(https)
    const client = new H2Client({ ca: cert })
    try {
      await expect(client.fetch(`${url}/`)).rejects.toThrow()
    } finally {
      client.close()
      https.closeAllConnections()
      await new Promise((r) => https.close(r))
    }
  })

  test('detect() asks over the h2 client under TLS, and sends no cleartext probe', async () => {
    const client = new H2Client({ ca: cert })
    const { port } = new URL(origin)
    const before = plaintext.length
    try {
      const found = await detect(
        { url: origin, host: '127.0.0.1', port: Number(port) },
        undefined,
        'x {app} {port}',
        'h2',
        client.fetch as typeof fetch,
      )
      expect([...found.features]).toContain('trailers')
      expect(found.features.has('websocket')).toBe(false)
      expect(found.extensions).toEqual({ 'http.response.trailers': {} })
      expect(seen.at(-1)?.path).toBe('/scope')
    } finally {
      client.close()
    }
    expect(plaintext.length).toBe(before)
  })
})

describe('the runner under transport h2', () => {
  let dir: string
  let log: string
  let script: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsgi-h2-tls-'))
    log = join(dir, 'seen.jsonl')
    script = join(dir, 'server.mjs')
    // A stand-in for a server under test: h2 over TLS only, logging each stream it gets.
    writeFileSync(
      script,
      `import { appendFileSync, readFileSync } from 'node:fs'
import { createSecureServer } from 'node:http2'
const [port, host, log, key, cert] = process.argv.slice(2)
const server = createSecureServer({ key: readFileSync(key), cert: readFileSync(cert) })
server.on('stream', (stream, h) => {
  appendFileSync(log, JSON.stringify({ alpn: stream.session.alpnProtocol, scheme: h[':scheme'], authority: h[':authority'], path: h[':path'] }) + '\\n')
  stream.respond({ ':status': 200, 'content-type': 'application/json' })
  stream.end('{}')
})
server.listen(Number(port), host)
`,
    )
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const command = () =>
    `"${process.execPath}" ${script} {port} {host} ${log} ${tlsFile('key.pem')} ${tlsFile('cert.pem')}`
  const seen = (): Seen[] =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Seen)

  test('h2 selects the same cases as h2c', () => {
    expect(selectCases('x', undefined, 'h2').map((c) => c.id)).toEqual(
      selectCases('x', undefined, 'h2c').map((c) => c.id),
    )
  })

  test('with tls.ca, detection and the cases reach the server over TLS with https URLs', async () => {
    writeFileSync(log, '')
    const report = await runServerSuite({
      command: command(),
      transport: 'h2',
      tls: { ca: cert },
      grep: /^h2\.scope$/,
    })
    expect(report.results.map((r) => r.id)).toEqual(['h2.scope'])
    // The stand-in answers {} everywhere: the case runs (and fails on the scope), not skipped.
    expect(report.results[0]).toMatchObject({ status: 'failed', failure: 'assertion' })
    const streams = seen()
    expect(streams.map((s) => s.path)).toEqual(expect.arrayContaining(['/scope', '/scope?v=2']))
    for (const s of streams) expect(s).toMatchObject({ alpn: 'h2', authority: expect.any(String) })
    // The case takes its scheme from ctx.url, which must be https:// under h2.
    expect(streams.find((s) => s.path === '/scope')?.scheme).toBe('https')
  })

  test('without a trusted certificate the cases fail with the certificate error', async () => {
    writeFileSync(log, '')
    const report = await runServerSuite({
      command: command(),
      transport: 'h2',
      grep: /^h2\.scope$/,
    })
    expect(report.results[0]).toMatchObject({ status: 'failed', failure: 'error' })
    expect(report.results[0]?.message).toMatch(/self[- ]signed/i)
    expect(readFileSync(log, 'utf8')).toBe('')
  })

  test('h2c against a TLS-only server fails: the transport really changed', async () => {
    writeFileSync(log, '')
    const report = await runServerSuite({
      command: command(),
      transport: 'h2c',
      grep: /^h2\.scope$/,
    })
    expect(report.results[0]).toMatchObject({ status: 'failed' })
    expect(readFileSync(log, 'utf8')).toBe('')
  })

  describe('the CLI: --http2 --tls with --ca or --insecure', () => {
    let out: { mock: { calls: unknown[][] }; mockRestore(): void }
    let err: { mockRestore(): void }
    beforeEach(() => {
      out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
      err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    })
    afterEach(() => {
      out.mockRestore()
      err.mockRestore()
    })
    const stdout = () => out.mock.calls.map((c) => String(c[0])).join('')
    const run = async (...flags: string[]) => {
      writeFileSync(log, '')
      const argv = [
        'server',
        '--command',
        command(),
        '--grep',
        '^h2\\.scope$',
        '--reporter',
        'json',
      ]
      const code = await main([...argv, '--http2', '--tls', ...flags])
      const json = JSON.parse(stdout()) as {
        results: Array<{ failure?: string; message?: string }>
      }
      return { code, result: json.results[0]! }
    }

    test('--help documents --tls, --ca and --insecure', async () => {
      expect(await main(['--help'])).toBe(0)
      expect(stdout()).toMatch(/--tls +with --http2: HTTP\/2 over TLS \(ALPN h2\)/)
      expect(stdout()).toMatch(/--ca FILE +with --tls: trust the PEM certificate/)
      expect(stdout()).toMatch(/--insecure +with --tls: accept any certificate/)
    })

    test('--list --http2 --tls lists what --list --http2 does', async () => {
      expect(await main(['server', '--command', 'x {app} {port}', '--list', '--http2'])).toBe(0)
      const h2c = stdout()
      out.mockRestore()
      out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
      expect(
        await main(['server', '--command', 'x {app} {port}', '--list', '--http2', '--tls']),
      ).toBe(0)
      expect(stdout()).toBe(h2c)
    })

    test('--ca FILE: the case reaches the server over TLS (it fails on the stand-in, not on trust)', async () => {
      const { code, result } = await run('--ca', tlsFile('cert.pem'))
      expect(code).toBe(1)
      expect(result.failure).toBe('assertion')
      expect(seen().length).toBeGreaterThan(0)
      expect(seen().every((s) => s.alpn === 'h2')).toBe(true)
    })

    test('--insecure: reaches it too; neither: the certificate is refused', async () => {
      expect((await run('--insecure')).result.failure).toBe('assertion')
      out.mockRestore()
      out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
      const strict = await run()
      expect(strict.result.failure).toBe('error')
      expect(strict.result.message).toMatch(/self[- ]signed/i)
    })
  })
})
