/**
 * Hostile and broken clients over raw sockets: every malformed request gets a precise status,
 * no request is smuggled, and the server keeps serving other connections.
 */
import { connect } from 'node:net'
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import {
  acceptedSocket,
  DEADLINE,
  rawRequest,
  readBody,
  serverHasRead,
  startServer,
  statusLines,
  type TestServer,
  text,
  tracked,
} from './helpers.ts'

/** The pause between the pieces of a slowloris client's head. */
const DRIBBLE_MS = 200

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** An app that counts the requests it saw and echoes the body length. */
function counting() {
  const seen: string[] = []
  const app = async (
    scope: import('@tsgi/protocol').Scope,
    receive: import('@tsgi/protocol').Receive,
    send: import('@tsgi/protocol').Send,
  ) => {
    if (scope.type !== 'http') return
    const body = await readBody(receive)
    seen.push(`${scope.method} ${scope.path} ${body.byteLength}`)
    const out = text(`saw ${body.byteLength}`)
    await send({
      type: 'http.response.start',
      status: 200,
      headers: [['content-length', String(out.byteLength)]],
    })
    await send({ type: 'http.response.body', body: out })
  }
  return { app, seen }
}

async function stillServing(s: TestServer): Promise<void> {
  const res = await request(`${s.url}/ok`)
  expect(res.statusCode).toBe(200)
  await res.body.dump()
}

describe('malformed requests get a precise status and the connection closes', () => {
  const cases: Array<[string, string, number]> = [
    ['garbage request line', 'HELLO\r\n\r\n', 400],
    ['an HTTP/0.9 simple request', 'GET /\r\nHost: h\r\n\r\n', 400],
    ['unknown HTTP version', 'GET / HTTP/9.9\r\nHost: h\r\n\r\n', 400],
    ['space inside the target', 'GET /a b HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['header without a colon', 'GET / HTTP/1.1\r\nHost: h\r\nBroken\r\n\r\n', 400],
    ['space before the colon', 'GET / HTTP/1.1\r\nHost: h\r\nX-A : 1\r\n\r\n', 400],
    ['NUL in a header value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n', 400],
    ['obsolete line folding', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n', 400],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    [
      'non-numeric Content-Length',
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n',
      400,
    ],
    ['negative Content-Length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n', 400],
  ]
  test.each(cases.map(([name, raw, status]) => [`${name} → ${status}`, raw, status] as const))(
    '%s',
    async (_name, raw, status) => {
      const { app, seen } = counting()
      server = await startServer(app)
      const answer = await rawRequest(server.port, raw)
      expect(statusLines(answer)[0]).toBe(`HTTP/1.1 ${status} Bad Request`)
      expect(answer.toLowerCase()).toContain('connection: close')
      // The reason is in the body so a developer can see what was wrong.
      expect(answer).toMatch(/Bad Request: \S/)
      expect(seen).toEqual([])
      await stillServing(server)
    },
  )

  test('HTTP/1.1 without Host → 400', async () => {
    const { app, seen } = counting()
    server = await startServer(app)
    const answer = await rawRequest(server.port, 'GET / HTTP/1.1\r\n\r\n')
    expect(statusLines(answer)[0]).toBe('HTTP/1.1 400 Bad Request')
    expect(seen).toEqual([])
  })

  test('HTTP/1.0 without Host is fine', async () => {
    const { app } = counting()
    server = await startServer(app)
    const answer = await rawRequest(server.port, 'GET / HTTP/1.0\r\n\r\n')
    expect(statusLines(answer)[0]).toBe('HTTP/1.1 200 OK')
  })

  test('broken chunked framing after the headers: the app sees a disconnect, the connection closes, nothing else is read', async () => {
    const events: string[] = []
    const app = tracked(async (scope, receive) => {
      if (scope.type !== 'http') return
      for (;;) {
        const event = await receive()
        events.push(event.type)
        if (event.type !== 'http.request' || !event.moreBody) break
      }
    })
    server = await startServer(app)
    const answer = await rawRequest(
      server.port,
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n',
    )
    // The app had not answered: a 400 naming the parser's reason, then the connection closes
    // (test/hostile-framing.test.ts has every case).
    expect(statusLines(answer)).toEqual(['HTTP/1.1 400 Bad Request'])
    expect(answer).not.toContain('smuggled')
    // The client may see the close before the app sees the disconnect.
    await app.settled()
    expect(events).toEqual(['http.disconnect'])
    expect(server.logger.of('error')).toEqual([])
  })

  test('a header block over maxHeaderSize → 431; a request under it is served', async () => {
    const { app } = counting()
    server = await startServer(app, { maxHeaderSize: 2048 })
    const big = await rawRequest(
      server.port,
      `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`,
    )
    expect(statusLines(big)[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large')
    const fine = await rawRequest(
      server.port,
      `GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\nX-Small: ${'a'.repeat(1000)}\r\n\r\n`,
    )
    expect(statusLines(fine)[0]).toBe('HTTP/1.1 200 OK')
  })

  test('the bad request is logged as a warning, never as an application error', async () => {
    const { app } = counting()
    server = await startServer(app)
    await rawRequest(server.port, 'HELLO\r\n\r\n')
    expect(server.logger.of('warn').join('\n')).toMatch(/invalid HTTP request from .*: 400/)
    expect(server.logger.of('error')).toEqual([])
  })
})

describe('request smuggling attempts are refused', () => {
  const attacks: Array<[string, string]> = [
    [
      'Content-Length and Transfer-Encoding together',
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n',
    ],
    [
      'two different Content-Lengths',
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabcGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n',
    ],
    [
      'Transfer-Encoding not ending in chunked',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n',
    ],
    [
      'an obfuscated Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n',
    ],
    [
      'a bare LF chunk terminator',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n',
    ],
  ]
  test.each(attacks)(
    '%s → 400, and the smuggled request never reaches the app',
    async (_n, raw) => {
      const { app, seen } = counting()
      server = await startServer(app)
      const answer = await rawRequest(server.port, raw)
      // Either a 400 before the app runs, or (framing broken mid-body) a closed connection.
      const lines = statusLines(answer)
      expect(lines.every((l) => l === 'HTTP/1.1 400 Bad Request')).toBe(true)
      expect(seen.some((s) => s.includes('/smuggled'))).toBe(false)
      await stillServing(server)
    },
  )
})

describe('slow and vanishing clients', () => {
  test('headers slower than timeoutHeaders → 408 and the connection closes', async () => {
    const { app, seen } = counting()
    server = await startServer(app, { timeoutHeaders: 0.3 })
    // rawRequest fails unless the server answers and closes within DEADLINE, 30 × the 0.3 s.
    const answer = await rawRequest(server.port, ['GET / HTTP/1.1\r\n', 'Host: h\r\n'], {
      timeout: DEADLINE,
    })
    expect(statusLines(answer)[0]).toBe('HTTP/1.1 408 Request Timeout')
    expect(seen).toEqual([])
    await stillServing(server)
  })

  test('a client that closes in the middle of the headers leaves nothing behind', async () => {
    const { app, seen } = counting()
    server = await startServer(app)
    const client = connect(server.port, '127.0.0.1')
    let answer = ''
    client.on('data', (c: Buffer) => {
      answer += c.toString('latin1')
    })
    const partial = 'GET / HTTP/1.1\r\nHost: h\r\nX-A'
    client.write(partial)
    const serverSide = await acceptedSocket(server.port, client)
    await serverHasRead(server.port, client, partial.length)
    const gone = new Promise((r) => serverSide.once('close', r))
    client.destroy()
    await gone
    expect(answer).toBe('')
    expect(seen).toEqual([])
    expect(server.logger.of('error')).toEqual([])
    await stillServing(server)
  })

  test('a slowloris client does not block other clients', async () => {
    const { app } = counting()
    server = await startServer(app, { timeoutHeaders: 2 })
    const slow = rawRequest(server.port, ['GET / HTTP/1.1\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n'], {
      delay: DRIBBLE_MS,
    })
    await stillServing(server)
    await stillServing(server)
    expect(statusLines(await slow)[0]).toBe('HTTP/1.1 408 Request Timeout')
  })
})
