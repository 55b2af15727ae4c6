import type { Application, HTTPIncomingEvent } from '@tsgi/protocol'
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import {
  json,
  rawRequest,
  readBody,
  sleep,
  startServer,
  type TestServer,
  text,
  tracked,
  turn,
} from './helpers.ts'

/** How long the slow app below is busy: twice its 0.2 s body timeout. */
const BUSY_MS = 400

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Records every event the app receives, answers with their summary. */
const recorder: Application = async (_scope, receive, send) => {
  const events: Array<[string, number, boolean]> = []
  for (;;) {
    const e = (await receive()) as HTTPIncomingEvent
    if (e.type !== 'http.request') break
    events.push([Buffer.from(e.body).toString(), e.body.byteLength, e.moreBody])
    if (!e.moreBody) break
  }
  await json(send, events)
}

describe('request bodies', () => {
  test('no body: one empty http.request with moreBody false', async () => {
    server = await startServer(recorder)
    expect(await (await request(server.url)).body.json()).toEqual([['', 0, false]])
  })

  test('Content-Length body: the chunks concatenate to the exact body, the last says moreBody false', async () => {
    server = await startServer(recorder)
    const events = (await (
      await request(server.url, { method: 'POST', body: 'x'.repeat(18) })
    ).body.json()) as Array<[string, number, boolean]>
    expect(events.map((e) => e[0]).join('')).toBe('x'.repeat(18))
    expect(events.at(-1)?.[2]).toBe(false)
  })

  test('a Content-Length body sent with the head is one event, moreBody false (no empty event after it)', async () => {
    server = await startServer(recorder)
    const raw = await rawRequest(server.port, [
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello',
    ])
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual([['hello', 5, false]])
  })

  test('a Content-Length body in two writes: its last byte ends it, without waiting for more', async () => {
    server = await startServer(recorder)
    const raw = await rawRequest(server.port, [
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello',
      ' world',
    ])
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual([
      ['hello', 5, true],
      [' world', 6, false],
    ])
  })

  test('chunked body: the app sees only de-chunked bytes', async () => {
    server = await startServer(recorder)
    const raw = await rawRequest(server.port, [
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      '5\r\nhello\r\n',
      '6\r\n world\r\n',
      '0\r\n\r\n',
    ])
    const events = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Array<
      [string, number, boolean]
    >
    expect(events.map((e) => e[0]).join('')).toBe('hello world')
    expect(events.length).toBeGreaterThanOrEqual(2)
    expect(events.at(-1)?.[2]).toBe(false)
    expect(events.slice(0, -1).every((e) => e[2])).toBe(true)
  })

  test('a large body arrives whole, in several chunks', async () => {
    server = await startServer(async (_s, receive, send) => {
      let size = 0
      let chunks = 0
      for (;;) {
        const e = await receive()
        if (e.type !== 'http.request') break
        size += e.body.byteLength
        chunks++
        if (!e.moreBody) break
      }
      await json(send, { size, chunks })
    })
    const body = Buffer.alloc(5 * 1024 * 1024, 97)
    const result = (await (await request(server.url, { method: 'POST', body })).body.json()) as {
      size: number
      chunks: number
    }
    expect(result.size).toBe(body.byteLength)
    expect(result.chunks).toBeGreaterThan(1)
  })

  test('receive() after the body waits for the response, then yields http.disconnect at once, every time', async () => {
    const log: string[] = []
    const app = tracked(async (_s, receive, send) => {
      await readBody(receive)
      const late = receive().then((e) => log.push(`late ${e.type}`))
      // Whatever was due to wake the late receive() has had its turn: it must still wait.
      await turn()
      log.push('responding')
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: text('ok') })
      await late
      log.push(`after ${(await receive()).type}`, `after ${(await receive()).type}`)
    })
    server = await startServer(app)
    await (await request(server.url)).body.text()
    await app.settled()
    expect(log).toEqual([
      'responding',
      'late http.disconnect',
      'after http.disconnect',
      'after http.disconnect',
    ])
  })

  test('100 Continue is sent only when the app reads, on its first receive()', async () => {
    server = await startServer(async (scope, receive, send) => {
      if (scope.type === 'http' && scope.path === '/read') await readBody(receive)
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '2']] })
      await send({ type: 'http.response.body', body: text('ok') })
    })
    const head = (path: string) =>
      `POST ${path} HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`
    // As a client does: the body goes once the 100 Continue came.
    const reading = await rawRequest(server.port, [
      head('/read'),
      (received) => received.includes('100 Continue\r\n\r\n'),
      'body',
    ])
    expect(reading).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/)
    const ignoring = await rawRequest(server.port, head('/ignore'))
    expect(ignoring).toMatch(/^HTTP\/1\.1 200 OK/)
    expect(ignoring).not.toContain('100 Continue')
  })

  test('an early response leaves the connection usable for the next request', async () => {
    server = await startServer(async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '2']] })
      await send({ type: 'http.response.body', body: text('ok') })
    })
    const raw = await rawRequest(server.port, [
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n',
      // The answer comes before the body is sent.
      (received) => received.endsWith('\r\n\r\nok'),
      '0123456789',
      'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
    ])
    expect(raw.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2)
  })

  test('a body slower than the timeout gets 408 and the app sees a disconnect', async () => {
    const seen: string[] = []
    const app = tracked(async (_s, receive, send) => {
      for (;;) {
        const e = await receive()
        seen.push(e.type)
        if (e.type === 'http.disconnect') break
      }
      await send({ type: 'http.response.start', status: 200 }).catch((e: { code: string }) =>
        seen.push(e.code),
      )
    })
    server = await startServer(app, { timeoutRequestBody: 0.2 })
    const raw = await rawRequest(
      server.port,
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01234',
    )
    expect(raw).toMatch(/^HTTP\/1\.1 408 Request Timeout/)
    await app.settled()
    expect(seen).toEqual([
      'http.request',
      'http.disconnect',
      'TSGI_PROTOCOL_ERR_CLIENT_DISCONNECTED',
    ])
    expect(server.logger.of('warn').join()).toContain('request body timed out after 0.2s')
    expect(server.logger.of('error')).toEqual([])
  })

  test('an app that reads slowly is not timed out', async () => {
    server = await startServer(
      async (_s, receive, send) => {
        // Busy for twice the body timeout before it reads: that time is not the client's.
        await sleep(BUSY_MS)
        const body = await readBody(receive)
        await json(send, { size: body.byteLength })
      },
      { timeoutRequestBody: 0.2 },
    )
    const res = await request(server.url, { method: 'POST', body: 'abc' })
    expect(await res.body.json()).toEqual({ size: 3 })
  })
})
