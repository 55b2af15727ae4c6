/**
 * The suite's HTTP/2 transport: what `--http2` selects, lists and skips, and the h2c client the
 * `same` cases run through, against a node:http2 server in this process (the runs against the
 * reference server are in packages/server/test/conformance.test.ts).
 */
import { once } from 'node:events'
import { constants, createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import { main } from './cli.ts'
import { H2Client } from './h2-client.ts'
import { runServerSuite, selectCases } from './runner.ts'

describe('selection under --http2', () => {
  test('HTTP/2-only cases are selected under h2c only; every case has a known mode', () => {
    const h1 = selectCases('x')
    const h2 = selectCases('x', undefined, 'h2c')
    expect(h1.some((c) => c.http2 === 'h2-only')).toBe(false)
    const only = h2.filter((c) => c.http2 === 'h2-only').map((c) => c.id)
    expect(only).toEqual(expect.arrayContaining(['h2.scope', 'h2.rst-disconnect']))
    expect(only.every((id) => id.startsWith('h2.'))).toBe(true)
    expect(h2.length).toBe(h1.length + only.length)
    for (const c of h2) expect([undefined, 'same', 'http1-only', 'h2-only']).toContain(c.http2)
    // The HTTP/1.1 version field must not claim to hold over HTTP/2.
    expect(h1.find((c) => c.id === 'scope.http-version')?.http2).not.toBe('same')
  })

  test('a wire case is skipped as "HTTP/1.1 wire case" before any server is needed', async () => {
    const dies = `"${process.execPath}" -e "process.exit(3)" {app} {port}`
    const report = await runServerSuite({
      command: dies,
      grep: /^(framing\.chunk-size-plus|scope\.type)$/,
      transport: 'h2c',
    })
    const by = Object.fromEntries(report.results.map((r) => [r.id, r]))
    expect(by['framing.chunk-size-plus']).toMatchObject({
      status: 'skipped',
      message: 'HTTP/1.1 wire case',
    })
    // A `same` case still runs (and fails here: there is no server).
    expect(by['scope.type']).toMatchObject({ status: 'failed', failure: 'error' })
  })
})

describe('the CLI', () => {
  let out: { mock: { calls: unknown[][] }; mockRestore(): void }
  beforeEach(() => {
    out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
  })
  afterEach(() => out.mockRestore())
  const stdout = () => out.mock.calls.map((c) => String(c[0])).join('')

  test('--help documents --http2', async () => {
    expect(await main(['--help'])).toBe(0)
    expect(stdout()).toMatch(/--http2 +run over HTTP\/2 in cleartext with prior knowledge/)
  })

  test('--list --http2 adds the h2 cases and marks the wire cases skipped', async () => {
    expect(await main(['server', '--command', 'x {app} {port}', '--list', '--http2'])).toBe(0)
    const lines = stdout().trim().split('\n')
    expect(lines.length).toBe(selectCases('x', undefined, 'h2c').length)
    expect(lines.find((l) => l.startsWith('h2.scope '))).not.toMatch(/skipped/)
    expect(lines.find((l) => l.startsWith('scope.type '))).not.toMatch(/skipped/)
    expect(lines.find((l) => l.startsWith('framing.chunk-size-plus '))).toMatch(
      /\[skipped: HTTP\/1\.1 wire case\]$/,
    )
  })
})

describe('H2Client.fetch over h2c', () => {
  let server: Http2Server
  let origin: string
  const client = new H2Client()
  beforeAll(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = []
      req.on('data', (d: Buffer) => parts.push(d))
      req.on('end', () => {
        if (req.url.startsWith('/status/')) {
          res.writeHead(Number(req.url.slice(8)))
          res.end()
          return
        }
        if (req.url === '/hang') return
        res.setHeader('x-two', ['a', 'b'])
        res.end(
          JSON.stringify({
            method: req.method,
            path: req.url,
            version: req.httpVersion,
            header: req.headers['x-in'],
            body: Buffer.concat(parts).toString(),
          }),
        )
      })
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    client.close()
    await new Promise((r) => server.close(r))
  })

  test('method, path, headers and a string body go over HTTP/2; one session is reused', async () => {
    const res = await client.fetch(`${origin}/p?q=1`, {
      method: 'post',
      headers: { 'x-in': 'yes' },
      body: 'hello',
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-two')).toBe('a, b')
    expect(await res.json()).toEqual({
      method: 'POST',
      path: '/p?q=1',
      version: '2.0',
      header: 'yes',
      body: 'hello',
    })
    const a = await client.session(origin)
    await (await client.fetch(`${origin}/again`)).text()
    expect(await client.session(origin)).toBe(a)
  })

  test('a stream body is written in full', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('one,'))
        c.enqueue(new TextEncoder().encode('two'))
        c.close()
      },
    })
    const res = await client.fetch(`${origin}/s`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit)
    expect(((await res.json()) as { body: string }).body).toBe('one,two')
  })

  test('204 and HEAD have no body', async () => {
    const res = await client.fetch(`${origin}/status/204`)
    expect(res.status).toBe(204)
    expect(res.body).toBeNull()
    const head = await client.fetch(`${origin}/x`, { method: 'HEAD' })
    expect(head.body).toBeNull()
  })

  test('an aborted request rejects with the signal reason and cancels the stream', async () => {
    const ac = new AbortController()
    const arrived = once(server, 'stream')
    const pending = client.fetch(`${origin}/hang`, { signal: ac.signal })
    const [stream] = (await arrived) as [ServerHttp2Stream]
    ac.abort(new Error('gave up'))
    await expect(pending).rejects.toThrow('gave up')
    await once(stream, 'close')
    expect(stream.rstCode).toBe(constants.NGHTTP2_CANCEL)
  })
})
