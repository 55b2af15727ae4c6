import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Application, SendEvent } from '@tsgi/protocol'
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { rawRequest, startServer, type TestServer, text, until } from './helpers.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** An app that sends the given events in order. */
const sends =
  (...events: SendEvent[]): Application =>
  async (_s, _r, send) => {
    for (const e of events) await send(e)
  }

const head = (raw: string) => raw.slice(0, raw.indexOf('\r\n\r\n')).toLowerCase()
const bodyOf = (raw: string) => raw.slice(raw.indexOf('\r\n\r\n') + 4)
const get = (path = '/', extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: h\r\n${extra}Connection: close\r\n\r\n`

describe('response framing', () => {
  test('a single final body gets a Content-Length, server and date headers', async () => {
    server = await startServer(
      sends(
        { type: 'http.response.start', status: 200, headers: [['content-type', 'text/plain']] },
        { type: 'http.response.body', body: text('hello') },
      ),
    )
    const raw = await rawRequest(server.port, get())
    expect(head(raw)).toContain('content-length: 5')
    expect(head(raw)).toContain('server: tsgi')
    expect(head(raw)).toMatch(/\r\ndate: \w{3}, \d\d \w{3} \d{4}/)
    expect(head(raw)).not.toContain('transfer-encoding')
    expect(bodyOf(raw)).toBe('hello')
  })

  test('a single final body keeps every byte value, from a Buffer or from a view into a larger array', async () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    const backing = new Uint8Array(300)
    backing.set(all, 10)
    for (const body of [
      Buffer.from(all),
      backing.subarray(10, 266),
      new Uint8Array(4096).fill(0xe9),
      new Uint8Array(20_000).fill(0xe9),
    ]) {
      server = await startServer(
        sends({ type: 'http.response.start', status: 200 }, { type: 'http.response.body', body }),
      )
      const res = await request(server.url)
      expect(res.headers['content-length']).toBe(String(body.byteLength))
      expect(Buffer.from(await res.body.arrayBuffer()).equals(Buffer.from(body))).toBe(true)
      await server.close()
      server = undefined
    }
  })

  test('a streamed body without length is chunked with exactly one terminator', async () => {
    server = await startServer(
      sends(
        { type: 'http.response.start', status: 200 },
        { type: 'http.response.body', body: text('a'), moreBody: true },
        { type: 'http.response.body', body: text(''), moreBody: true },
        { type: 'http.response.body', body: text('bc'), moreBody: true },
        { type: 'http.response.body' },
      ),
    )
    const raw = await rawRequest(server.port, get())
    expect(head(raw)).toContain('transfer-encoding: chunked')
    expect(bodyOf(raw)).toBe('1\r\na\r\n2\r\nbc\r\n0\r\n\r\n')
  })

  test('a Content-Length sent in parts keeps the connection alive', async () => {
    server = await startServer(
      sends(
        { type: 'http.response.start', status: 200, headers: [['content-length', '12']] },
        { type: 'http.response.body', body: text('0123'), moreBody: true },
        { type: 'http.response.body', body: text('4567'), moreBody: true },
        { type: 'http.response.body', body: text('89ab') },
      ),
    )
    const raw = await rawRequest(server.port, [
      'GET / HTTP/1.1\r\nHost: h\r\n\r\n',
      (received) => received.endsWith('\r\n\r\n0123456789ab'),
      get(),
    ])
    expect(raw.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2)
    expect(raw).toContain('\r\n\r\n0123456789abHTTP/1.1 200 OK')
  })

  test("the app's Transfer-Encoding is ignored: the server frames the body", async () => {
    server = await startServer(
      sends(
        { type: 'http.response.start', status: 200, headers: [['transfer-encoding', 'chunked']] },
        { type: 'http.response.body', body: text('x') },
      ),
    )
    const raw = await rawRequest(server.port, get())
    expect(head(raw)).toContain('content-length: 1')
    expect(head(raw)).not.toContain('transfer-encoding')
    expect(bodyOf(raw)).toBe('x')
  })

  test('HEAD keeps the declared length and sends no body; the next request works', async () => {
    server = await startServer(
      sends(
        { type: 'http.response.start', status: 200, headers: [['content-length', '5']] },
        { type: 'http.response.body', body: text('hello') },
      ),
    )
    const raw = await rawRequest(server.port, [
      'HEAD / HTTP/1.1\r\nHost: h\r\n\r\n',
      (received) => received.includes('\r\n\r\n'),
      get(),
    ])
    expect(raw.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2)
    expect(raw).toMatch(/content-length: 5\r\n[\s\S]*\r\n\r\nHTTP\/1\.1 200 OK/i)
    expect(raw.endsWith('\r\n\r\nhello')).toBe(true)
  })

  test.each([204, 304])('%i drops the body and adds no framing', async (status) => {
    server = await startServer(
      sends(
        { type: 'http.response.start', status },
        { type: 'http.response.body', body: text('dropped') },
      ),
    )
    const raw = await rawRequest(server.port, [
      'GET / HTTP/1.1\r\nHost: h\r\n\r\n',
      (received) => received.includes('\r\n\r\n'),
      get(),
    ])
    expect(raw).not.toContain('dropped')
    expect(raw).not.toMatch(/transfer-encoding/i)
    expect(raw.match(new RegExp(`HTTP/1\\.1 ${status}`, 'g'))).toHaveLength(2)
  })

  test('headers go out in order, duplicates kept, values with TAB and obs-text verbatim', async () => {
    server = await startServer(
      sends(
        {
          type: 'http.response.start',
          status: 200,
          headers: [
            ['set-cookie', 'a=1'],
            ['x-tab', 'a\tb'],
            ['set-cookie', 'b=2'],
            ['x-latin', 'caf\u00e9'],
          ],
        },
        { type: 'http.response.body' },
      ),
    )
    const raw = await rawRequest(server.port, get())
    expect(raw).toContain(
      'set-cookie: a=1\r\nx-tab: a\tb\r\nset-cookie: b=2\r\nx-latin: caf\u00e9\r\n',
    )
  })

  test('default headers, and turning server and date off', async () => {
    server = await startServer(
      sends(
        { type: 'http.response.start', status: 200, headers: [['x-own', 'app']] },
        { type: 'http.response.body' },
      ),
      {
        headers: [
          ['x-default', 'd'],
          ['x-own', 'default'],
        ],
        serverHeader: false,
        dateHeader: false,
      },
    )
    const h = head(await rawRequest(server.port, get()))
    expect(h).toContain('x-default: d')
    expect(h).toContain('x-own: app')
    expect(h).not.toContain('x-own: default')
    expect(h).not.toContain('server:')
    expect(h).not.toContain('date:')
  })

  test("the app's own server header wins", async () => {
    server = await startServer(
      sends(
        { type: 'http.response.start', status: 200, headers: [['Server', 'mine']] },
        { type: 'http.response.body' },
      ),
    )
    const h = head(await rawRequest(server.port, get()))
    expect(h.match(/server:/g)).toHaveLength(1)
    expect(h).toContain('server: mine')
  })

  test('each body chunk reaches the client before the next send (streaming)', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    server = await startServer(async (_s, _r, send) => {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [['content-type', 'text/event-stream']],
      })
      await send({ type: 'http.response.body', body: text('data: 1\n\n'), moreBody: true })
      await gate
      await send({ type: 'http.response.body', body: text('data: 2\n\n') })
    })
    const res = await request(server.url)
    const reader = res.body[Symbol.asyncIterator]()
    const first = await reader.next()
    expect(Buffer.from(first.value as Buffer).toString()).toBe('data: 1\n\n')
    release()
    expect(Buffer.from((await reader.next()).value as Buffer).toString()).toBe('data: 2\n\n')
  })
})

describe('trailers (extension)', () => {
  const app = sends(
    {
      type: 'http.response.start',
      status: 200,
      trailers: true,
      headers: [['trailer', 'x-checksum']],
    },
    { type: 'http.response.body', body: text('data'), moreBody: true },
    { type: 'http.response.body' },
    { type: 'http.response.trailers', headers: [['x-checksum', 'abc']] },
  )

  test('sent after the body when the request has TE: trailers', async () => {
    server = await startServer(app)
    const raw = await rawRequest(server.port, get('/', 'TE: trailers\r\n'))
    expect(head(raw)).toContain('transfer-encoding: chunked')
    expect(bodyOf(raw)).toBe('4\r\ndata\r\n0\r\nx-checksum: abc\r\n\r\n')
  })

  test('discarded without TE: trailers', async () => {
    server = await startServer(app)
    expect(bodyOf(await rawRequest(server.port, get()))).toBe('4\r\ndata\r\n0\r\n\r\n')
  })
})

describe('pathsend (extension)', () => {
  test('streams the file with a Content-Length from its size', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsgi-'))
    const file = join(dir, 'big.bin')
    const content = Buffer.alloc(300 * 1024, 'z')
    await writeFile(file, content)
    server = await startServer(
      sends(
        {
          type: 'http.response.start',
          status: 200,
          headers: [['content-type', 'application/octet-stream']],
        },
        { type: 'http.response.pathsend', path: file },
      ),
    )
    const res = await request(server.url)
    expect(res.headers['content-length']).toBe(String(content.byteLength))
    expect(Buffer.from(await res.body.arrayBuffer()).equals(content)).toBe(true)
    // The access line is written when the server sees the response finish, after the client.
    await until(() => server!.logger.of('access').length > 0)
    expect(server.logger.of('access').at(-1)).toContain(`200 ${content.byteLength}B`)
  })

  test('HEAD sends the length and no body', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsgi-'))
    const file = join(dir, 'f.txt')
    await writeFile(file, 'twelve bytes')
    server = await startServer(
      sends(
        { type: 'http.response.start', status: 200 },
        { type: 'http.response.pathsend', path: file },
      ),
    )
    const raw = await rawRequest(
      server.port,
      'HEAD / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
    )
    expect(head(raw)).toContain('content-length: 12')
    expect(bodyOf(raw)).toBe('')
  })

  test('a missing file: send rejects with the error and the client gets 500', async () => {
    let error: unknown
    server = await startServer(async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200 })
      error = await send({ type: 'http.response.pathsend', path: '/nonexistent/file' }).catch(
        (e: unknown) => e,
      )
    })
    const res = await request(server.url)
    expect(res.statusCode).toBe(500)
    expect(error).toMatchObject({ code: 'ENOENT' })
  })

  test('a declared length that does not match the file is refused with 500', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsgi-'))
    const file = join(dir, 'f.txt')
    await writeFile(file, 'abc')
    server = await startServer(async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '10']] })
      await send({ type: 'http.response.pathsend', path: file }).catch(() => {})
    })
    expect((await request(server.url)).statusCode).toBe(500)
  })
})
