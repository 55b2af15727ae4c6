/**
 * The per-request fast paths of `fromNodeListener`: a head parsed from the string node wrote,
 * copies only where node may reuse memory, no receive() for a bodiless request answered at
 * once, and a quiet end (no 'error' anywhere) after a complete response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { connect } from 'node:net'
import type { Application, HTTPOutgoingEvent } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import { serve } from '@tsgi/server'
import { describe, expect, test } from 'vitest'
import { fromNodeListener } from '../src/node/index.ts'
import { ResponseParser } from '../src/node/response-parser.ts'
import { memory, until, wire } from './node-helpers.ts'

/** Wraps `app`, recording every event it sends and counting its receive() calls. */
function recording(app: Application) {
  const seen = { events: [] as HTTPOutgoingEvent[], receives: 0 }
  const wrapped: Application = (scope, receive, send) =>
    app(
      scope,
      () => {
        seen.receives++
        return receive()
      },
      (event) => {
        seen.events.push(event as HTTPOutgoingEvent)
        return send(event)
      },
    )
  return { seen, app: wrapped }
}

describe('ResponseParser fast paths', () => {
  test('feedString: the head is read from the string, the rest encoded as the socket would', () => {
    const parser = new ResponseParser('GET')
    const body = 'héllo wörld'
    const parts = parser.feedString(
      `HTTP/1.1 200 OK\r\nX-Name: café\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      'utf8',
    )
    expect(parts.map((p) => p.kind)).toEqual(['head', 'body', 'end'])
    expect(parts[0]).toMatchObject({
      status: 200,
      headers: [
        ['X-Name', 'café'],
        ['Content-Length', '13'],
      ],
    })
    expect(Buffer.from((parts[1] as { body: Uint8Array }).body).toString()).toBe(body)
  })

  test('feed: body parts are copies, so node may reuse the written memory', () => {
    const parser = new ResponseParser('GET')
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n'))
    const chunk = Buffer.from('abcd')
    const [part] = parser.feed(chunk)
    chunk.fill(0x7a)
    expect(Buffer.from((part as { body: Uint8Array }).body).toString()).toBe('abcd')
  })

  test('a status line node never writes is still refused', () => {
    for (const line of ['HTTP/1.2 200 OK', 'HTTP/1.1 20 OK', 'HTTP/1.1 2000', 'HTTP/1.1 2x0 OK'])
      expect(() => new ResponseParser('GET').feedString(`${line}\r\n\r\n`, 'latin1')).toThrow(
        /bad status line/,
      )
  })
})

function oneWrite(_req: IncomingMessage, res: ServerResponse): void {
  const body = 'héllo wörld'
  res.setHeader('x-name', 'café')
  res.setHeader('content-length', Buffer.byteLength(body))
  res.end(body)
}

describe('head and body in one write', () => {
  test('in memory: one start and one final body; a latin1 header value and UTF-8 body intact', async () => {
    const { seen, app } = recording(fromNodeListener(oneWrite))
    const got = await memory(app).hit({ path: '/' })
    expect(got.text).toBe('héllo wörld')
    expect(got.headers).toContainEqual(['x-name', 'café'])
    expect(seen.events.map((e) => e.type)).toEqual(['http.response.start', 'http.response.body'])
    expect(seen.events[1]).toMatchObject({ moreBody: false })
  })

  test('over a socket', async () => {
    const transport = await wire(fromNodeListener(oneWrite))
    try {
      const got = await transport.hit({ path: '/' })
      expect(got.status).toBe(200)
      expect(got.text).toBe('héllo wörld')
    } finally {
      await transport.close()
    }
  })
})

/** Writes a Buffer and overwrites it in the write callback, as a pooled writer would. */
function reuser(_req: IncomingMessage, res: ServerResponse): void {
  const buf = Buffer.from('first;')
  res.write(buf, () => {
    buf.fill(0x78)
    res.end('second')
  })
}

describe('a Buffer reused after its write callback', () => {
  test('in memory: the body keeps the bytes written', async () => {
    expect((await memory(fromNodeListener(reuser)).hit({ path: '/' })).text).toBe('first;second')
  })

  test('over a socket', async () => {
    const transport = await wire(fromNodeListener(reuser))
    try {
      expect((await transport.hit({ path: '/' })).text).toBe('first;second')
    } finally {
      await transport.close()
    }
  })
})

describe('a bodiless request', () => {
  test('answered at once: no receive() at all, the request still ends, no error anywhere', async () => {
    const events: string[] = []
    const { seen, app } = recording(
      fromNodeListener((req, res) => {
        req.on('end', () => events.push('req:end'))
        req.on('error', () => events.push('req:error'))
        req.socket.on('error', () => events.push('socket:error'))
        req.socket.on('close', () => events.push('socket:close'))
        res.on('close', () => events.push('res:close'))
        req.resume()
        res.end('ok')
      }),
    )
    const got = await memory(app).hit({ path: '/' })
    expect(got.text).toBe('ok')
    await until(() => events.includes('socket:close') && events.includes('req:end'))
    expect(seen.receives).toBe(0)
    expect(events.sort()).toEqual(['req:end', 'res:close', 'socket:close'])
  })

  test('answered later: a client leaving is still seen (in memory)', async () => {
    const events: string[] = []
    let called = false
    const app = fromNodeListener((req, res) => {
      called = true
      req.on('close', () => events.push('req:close'))
      res.on('close', () => events.push('res:close'))
      res.on('finish', () => events.push('res:finish'))
    })
    const controller = new AbortController()
    const done = createTestClient(app).request('/', { signal: controller.signal })
    await until(() => called)
    controller.abort()
    await done.catch(() => {})
    await until(() => events.includes('res:close') && events.includes('req:close'))
    expect(events.sort()).toEqual(['req:close', 'res:close'])
  })

  test('answered later: a client leaving is still seen (over a socket)', async () => {
    const events: string[] = []
    let called = false
    const app = fromNodeListener((req, res) => {
      called = true
      req.on('close', () => events.push('req:close'))
      res.on('close', () => events.push('res:close'))
      res.on('finish', () => events.push('res:finish'))
    })
    await using server = await serve(app, {
      port: 0,
      host: '127.0.0.1',
      accessLog: false,
      logLevel: 'warn',
    })
    const { port } = server.address as { port: number }
    const socket = connect(port, '127.0.0.1')
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n')
    await until(() => called)
    socket.destroy()
    await until(() => events.includes('res:close') && events.includes('req:close'))
    expect(events.sort()).toEqual(['req:close', 'res:close'])
  })
})
