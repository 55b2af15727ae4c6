/**
 * Body framing the server cannot trust (issue 10, items 3 and 5): each gets a precise status
 * (400, 413 or 501) with `connection: close`, exactly one rate-limited WARN line naming the
 * reason and the client, the app (if it started) sees the client gone, and the server goes on
 * serving. All at the wire, over raw sockets.
 */
import type { Application, HTTPIncomingEvent } from '@tsgi/protocol'
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { CLIENT_LOG_BURST } from '../src/logging/client-log.ts'
import { startServer, type TestServer, until } from './helpers.ts'
import { openRaw, rawExchange, statuses } from './wire-client.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Reads the whole body, then answers 200; records what receive() and send() did. */
function reader() {
  const events: string[] = []
  let settled = 0
  const app: Application = async (scope, receive, send) => {
    if (scope.type !== 'http') return
    try {
      events.push(`start ${scope.method} ${scope.path}`)
      let event: HTTPIncomingEvent
      do {
        event = (await receive()) as HTTPIncomingEvent
        events.push(event.type)
      } while (event.type === 'http.request' && event.moreBody)
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '2']] })
      await send({ type: 'http.response.body', body: new TextEncoder().encode('ok') })
    } catch (error) {
      events.push(`send rejected: ${(error as Error).name}`)
      throw error
    } finally {
      settled++
    }
  }
  return { app, events, settled: () => settled }
}

async function stillServing(s: TestServer): Promise<void> {
  const res = await request(`${s.url}/next`)
  expect(res.statusCode).toBe(200)
  await res.body.dump()
}

/**
 * Sends `raw` with a request pipelined behind it, and checks the refusal: the status, the
 * reason in the body, `connection: close`, the connection closed. Returns what the app saw.
 */
async function refused(raw: string, status: number, reason: string, settles = false) {
  const { app, events, settled } = reader()
  server = await startServer(app)
  const answer = await rawExchange(server.port, `${raw}GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n`)
  expect(answer.closed).toBe(true)
  expect(statuses(answer.text)).toEqual([`HTTP/1.1 ${status} ${STATUS_TEXT[status]}`])
  expect(answer.text.toLowerCase()).toContain('connection: close')
  expect(answer.text).toContain(`: ${reason}\n`)
  if (settles) await until(() => settled() === 1)
  expect(events.join()).not.toContain('smuggled')
  return { events, server }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  413: 'Content Too Large',
  501: 'Not Implemented',
}

const post = (te: string, body: string) =>
  `POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ${te}\r\n\r\n${body}`
const chunked = (body: string) => post('chunked', body)

describe('a body whose framing breaks after the app started', () => {
  // [name, request, status, reason in the body and the log, llhttp code]
  const cases: Array<[string, string, number, string, string]> = [
    [
      'a chunk size with +',
      chunked('+3\r\nabc\r\n0\r\n\r\n'),
      400,
      'Invalid character in chunk size',
      'HPE_INVALID_CHUNK_SIZE',
    ],
    [
      'a chunk size with 0x',
      chunked('0x3\r\nabc\r\n0\r\n\r\n'),
      400,
      'Invalid character in chunk size',
      'HPE_INVALID_CHUNK_SIZE',
    ],
    [
      'a chunk size with too many hex digits',
      chunked('10000000000000003\r\nabc\r\n0\r\n\r\n'),
      400,
      'Chunk size overflow',
      'HPE_INVALID_CHUNK_SIZE',
    ],
    [
      'a lone-LF chunk line',
      chunked('3\nabc\r\n0\r\n\r\n'),
      400,
      'Missing expected CR after chunk size',
      'HPE_CR_EXPECTED',
    ],
    [
      'no CRLF after the chunk data',
      chunked('3\r\nabcX0\r\n\r\n'),
      400,
      'Expected LF after chunk data',
      'HPE_STRICT',
    ],
    [
      'a chunk extension over 16 KiB',
      chunked(`3;a=${'x'.repeat(20_000)}\r\nabc\r\n0\r\n\r\n`),
      413,
      'Chunk extensions overflow',
      'HPE_CHUNK_EXTENSIONS_OVERFLOW',
    ],
  ]
  test.each(cases)(
    '%s: its status, connection closed, one WARN line, the app sees a disconnect',
    async (_name, raw, status, reason, code) => {
      const { events, server } = await refused(raw, status, reason, true)
      expect(events[0]).toBe('start POST /upload')
      expect(events).toContain('http.disconnect')
      expect(events.at(-1)).toBe('send rejected: ClientDisconnectedError')
      expect(server.logger.of('warn')).toEqual([
        `invalid HTTP request body from 127.0.0.1: ${status} ${code} ${reason}`,
      ])
      // The client's disconnect is the app's normal way out: never logged as an app error.
      expect(server.logger.of('error')).toEqual([])
      await stillServing(server)
    },
  )

  test('after the response started: the connection is cut (no clean end) and it is still logged', async () => {
    const events: string[] = []
    let settled = false
    server = await startServer(async (scope, receive, send) => {
      if (scope.type !== 'http') return
      try {
        await send({ type: 'http.response.start', status: 200 })
        await send({
          type: 'http.response.body',
          body: new TextEncoder().encode('early'),
          moreBody: true,
        })
        for (;;) {
          const event = await receive()
          events.push(event.type)
          if (event.type !== 'http.request' || !event.moreBody) break
        }
        await send({ type: 'http.response.body', body: new TextEncoder().encode('late') })
      } catch (error) {
        events.push((error as Error).name)
      } finally {
        settled = true
      }
    })
    const connection = await openRaw(server.port)
    connection.socket.write(
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n',
    )
    await connection.waitFor((text) => text.includes('early'))
    connection.socket.write('zz\r\n')
    const answer = await connection.closed()
    expect(answer.closed).toBe(true)
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 200 OK'])
    expect(answer.text).not.toContain('late')
    expect(answer.text).not.toContain('0\r\n\r\n')
    await until(() => settled)
    expect(events).toContain('http.disconnect')
    expect(events.at(-1)).toBe('ClientDisconnectedError')
    expect(server.logger.of('warn')).toEqual([
      'invalid HTTP request body from 127.0.0.1: HPE_INVALID_CHUNK_SIZE Invalid character in chunk size (response already started; connection aborted)',
    ])
    expect(server.logger.of('error')).toEqual([])
    await stillServing(server)
  })
})

describe('Transfer-Encoding the server cannot use is refused before the app runs', () => {
  const cases: Array<[string, string, number, string]> = [
    [
      'an unknown coding (chunked not final)',
      post('foo', 'abc'),
      400,
      'Transfer-Encoding does not end in chunked',
    ],
    [
      'gzip, chunked (valid framing, gzip not implemented)',
      post('gzip, chunked', '3\r\nabc\r\n0\r\n\r\n'),
      501,
      'unsupported transfer coding: "gzip"',
    ],
    [
      'gzip and chunked on two lines',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      501,
      'unsupported transfer coding: "gzip"',
    ],
    [
      'chunked, identity (chunked not final)',
      post('chunked, identity', '3\r\nabc\r\n0\r\n\r\n'),
      400,
      'Invalid `Transfer-Encoding` header value',
    ],
    [
      'an HTTP/1.0 request with Transfer-Encoding',
      'POST / HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      400,
      'Transfer-Encoding in an HTTP/1.0 request',
    ],
    [
      'an HTTP/1.0 keep-alive request with Transfer-Encoding',
      'POST / HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      400,
      'Transfer-Encoding in an HTTP/1.0 request',
    ],
    [
      'an HTTP/1.0 request with Transfer-Encoding and Content-Length',
      'POST / HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc',
      400,
      "Content-Length can't be present with Transfer-Encoding",
    ],
  ]
  test.each(cases)(
    '%s: its status, connection closed, one WARN line, nothing reaches the app',
    async (_name, raw, status, reason) => {
      const { events, server } = await refused(raw, status, reason)
      expect(events).toEqual([])
      const warnings = server.logger.of('warn')
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(
        new RegExp(`^invalid HTTP request from 127\\.0\\.0\\.1: ${status} `),
      )
      expect(warnings[0]).toContain(reason)
      await stillServing(server)
    },
  )
})

describe('client-error lines are rate-limited', () => {
  test(`past ${CLIENT_LOG_BURST} lines a second the rest are counted, then reported once`, async () => {
    const { app } = reader()
    server = await startServer(app)
    const total = CLIENT_LOG_BURST + 15
    const answers = await Promise.all(
      Array.from({ length: total }, () => rawExchange(server!.port, chunked('zz\r\n'))),
    )
    for (const answer of answers)
      expect(statuses(answer.text)).toEqual(['HTTP/1.1 400 Bad Request'])
    const summary = /^client errors: suppressed (\d+) lines? in the last second$/
    // The summary comes when the second is over; more windows may have passed on a slow machine.
    await until(() => {
      const warnings = server!.logger.of('warn')
      const lines = warnings.filter((l) => !summary.test(l)).length
      const suppressed = warnings.reduce((n, l) => n + Number(summary.exec(l)?.[1] ?? 0), 0)
      return lines + suppressed === total && warnings.some((l) => summary.test(l))
    })
    const lines = server.logger.of('warn').filter((l) => !summary.test(l))
    expect(lines.length).toBeGreaterThanOrEqual(CLIENT_LOG_BURST)
    expect(lines.length).toBeLessThan(total)
    await stillServing(server)
  })
})

describe('garbage pipelined behind valid requests', () => {
  test('the requests parsed before it are all answered, in order; the last one closes the connection', async () => {
    const seen: string[] = []
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    server = await startServer(async (scope, _receive, send) => {
      if (scope.type !== 'http') return
      seen.push(scope.path)
      if (scope.path === '/1') await gate
      const body = new TextEncoder().encode(scope.path)
      await send({ type: 'http.response.start', status: 200, headers: [] })
      await send({ type: 'http.response.body', body })
    })
    const connection = await openRaw(server.port)
    connection.socket.write(
      'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\nNOT HTTP\r\n\r\n',
    )
    await until(() => server!.logger.of('warn').length === 1)
    release()
    const answer = await connection.closed()
    expect(answer.closed).toBe(true)
    expect(statuses(answer.text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK'])
    const heads = answer.text.split(/HTTP\/1\.1 200 OK/).slice(1)
    expect(heads.map((h) => /connection: (\S+)/i.exec(h)?.[1])).toEqual([
      'keep-alive',
      'keep-alive',
      'close',
    ])
    expect(answer.text.endsWith('/3')).toBe(true)
    expect(seen).toEqual(['/1', '/2', '/3'])
    expect(server.logger.of('warn')[0]).toMatch(
      /^invalid HTTP request pipelined from 127\.0\.0\.1: HPE_INVALID_METHOD /,
    )
  })
})
