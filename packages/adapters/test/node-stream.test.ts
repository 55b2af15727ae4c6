import type { IncomingMessage, ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { Readable } from 'node:stream'
import type { Application, HTTPScope, SendEvent } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import { serve } from '@tsgi/server'
import { request } from 'undici'
import { describe, expect, test } from 'vitest'
import { fromNodeListener } from '../src/node/index.ts'
import { until } from './node-helpers.ts'

const CHUNK = 16 * 1024
const TOTAL = 8 * 1024 * 1024

/** Counts the body events the app pulled, to compare with what the listener consumed. */
function counting(app: Application) {
  const stats = { pulled: 0, consumed: 0, maxAhead: 0, pendingBytes: 0, maxPending: 0 }
  const wrapped: Application = (scope, receive, send) =>
    app(
      scope,
      async () => {
        const event = await receive()
        if (event.type === 'http.request' && event.body.length > 0)
          stats.pulled += event.body.length
        stats.maxAhead = Math.max(stats.maxAhead, stats.pulled - stats.consumed)
        return event
      },
      async (event) => {
        const size = event.type === 'http.response.body' ? (event.body?.length ?? 0) : 0
        stats.pendingBytes += size
        stats.maxPending = Math.max(stats.maxPending, stats.pendingBytes)
        try {
          await send(event)
        } finally {
          stats.pendingBytes -= size
        }
      },
    )
  return { stats, app: wrapped }
}

/** Reads the upload one chunk per macrotask: a slow consumer. */
function slowReader(stats: { consumed: number }) {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.on('data', (chunk: Buffer) => {
      stats.consumed += chunk.length
      req.pause()
      setImmediate(() => req.resume())
    })
    req.on('end', () => res.end(String(stats.consumed)))
  }
}

/** Writes TOTAL bytes, waiting for 'drain' whenever write() says so. */
async function politeWriter(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunk = Buffer.alloc(CHUNK, 0x61)
  for (let sent = 0; sent < TOTAL; sent += CHUNK) {
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve))
  }
  res.end()
}

async function* upload(): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < TOTAL; sent += CHUNK) yield new Uint8Array(CHUNK)
}

describe('request body backpressure', () => {
  test('in memory: a slow reader pulls at most a bounded amount ahead', async () => {
    const stats = { consumed: 0 }
    const { stats: counts, app } = counting(fromNodeListener(slowReader(stats)))
    Object.defineProperty(counts, 'consumed', { get: () => stats.consumed })
    const res = await createTestClient(app).request('/', { method: 'POST', body: upload() })
    expect(res.text()).toBe(String(TOTAL))
    expect(counts.maxAhead).toBeLessThanOrEqual(4 * CHUNK)
  })

  test('over a socket: a slow reader pulls at most a bounded amount ahead', async () => {
    const stats = { consumed: 0 }
    const { stats: counts, app } = counting(fromNodeListener(slowReader(stats)))
    Object.defineProperty(counts, 'consumed', { get: () => stats.consumed })
    await using server = await serve(app, { port: 0, host: '127.0.0.1' })
    const res = await request(server.url, { method: 'POST', body: Readable.from(upload()) })
    expect(await res.body.text()).toBe(String(TOTAL))
    // The socket delivers bigger chunks than ours; the bound is a few of the server's reads.
    expect(counts.maxAhead).toBeLessThanOrEqual(1024 * 1024)
  })
})

describe('response body backpressure', () => {
  test('write() is false while send() is pending; drain fires when it resolves', async () => {
    const pending: Array<() => void> = []
    const seen: string[] = []
    const listener = (_req: IncomingMessage, res: ServerResponse) => {
      res.on('drain', () => seen.push('drain'))
      seen.push(`write:${res.write('a')}`)
    }
    const scope = {
      type: 'http',
      tsgi: { version: '1.0', specVersion: '1.0' },
      httpVersion: '1.1',
      method: 'GET',
      scheme: 'http',
      path: '/',
      rawPath: '/',
      queryString: '',
      rootPath: '',
      headers: [],
      client: null,
      server: null,
      state: {},
      extensions: {},
    } satisfies HTTPScope
    const sends: SendEvent[] = []
    void fromNodeListener(listener)(
      scope,
      async () => ({ type: 'http.request', body: new Uint8Array(0), moreBody: false }),
      (event) => {
        sends.push(event)
        return new Promise<void>((resolve) => {
          pending.push(resolve)
        })
      },
    )
    await until(() => pending.length === 2)
    expect(sends.map((e) => e.type)).toEqual(['http.response.start', 'http.response.body'])
    expect(seen).toEqual(['write:false'])
    for (const resolve of pending) resolve()
    await until(() => seen.length === 2)
    expect(seen).toEqual(['write:false', 'drain'])
  })

  test('in memory: a slow reader bounds what the app has pending', async () => {
    const { stats, app } = counting(fromNodeListener(politeWriter))
    const res = await createTestClient(app, { highWaterMark: 64 * 1024 }).stream('/')
    let received = 0
    for await (const chunk of res) {
      received += chunk.length
      await new Promise((r) => setImmediate(r))
    }
    expect(received).toBe(TOTAL)
    expect(stats.maxPending).toBeLessThanOrEqual(4 * CHUNK)
  })

  test('over a socket: a slow reader bounds what the app has pending', async () => {
    const { stats, app } = counting(fromNodeListener(politeWriter))
    await using server = await serve(app, { port: 0, host: '127.0.0.1' })
    const res = await request(server.url)
    let received = 0
    for await (const chunk of res.body) {
      received += (chunk as Buffer).length
      await new Promise((r) => setImmediate(r))
    }
    expect(received).toBe(TOTAL)
    expect(stats.maxPending).toBeLessThanOrEqual(4 * CHUNK)
  })
})

/** A listener that records node's abort events. */
function recorder() {
  const events: string[] = []
  let last: ServerResponse | undefined
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    last = res
    req.on('aborted', () => events.push('req:aborted'))
    req.on('close', () => events.push('req:close'))
    req.on('error', () => events.push('req:error'))
    res.on('close', () => events.push('res:close'))
    res.on('finish', () => events.push('res:finish'))
    if (req.method === 'POST') req.on('data', () => events.push('data'))
    else res.write('first')
  }
  /** A write after the abort: node returns false and reports ERR_STREAM_DESTROYED to its callback. */
  const writeLate = () =>
    new Promise<[boolean, string | undefined]>((resolve) => {
      let ok = true
      ok = last?.write('late', (error) => resolve([ok, (error as { code?: string })?.code])) ?? true
    })
  return { events, app: fromNodeListener(listener), writeLate }
}

const aborts = (events: string[]) => events.filter((e) => e !== 'data')

describe('client disconnects', () => {
  test('in memory, mid-upload: aborted and close once, no finish', async () => {
    const { events, app } = recorder()
    const controller = new AbortController()
    async function* body(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10)
      await new Promise(() => {})
    }
    const done = createTestClient(app).request('/', {
      method: 'POST',
      body: body(),
      signal: controller.signal,
    })
    await until(() => events.includes('data'))
    controller.abort()
    await done.catch(() => {})
    await until(() => events.includes('res:close'))
    // As node:http: the request errors with ECONNRESET when it has an 'error' listener.
    expect(aborts(events).sort()).toEqual(['req:aborted', 'req:close', 'req:error', 'res:close'])
  })

  test('in memory, mid-response: close once, no finish, later writes fail', async () => {
    const { events, app, writeLate } = recorder()
    const controller = new AbortController()
    const res = await createTestClient(app).stream('/', { signal: controller.signal })
    expect(res.status).toBe(200)
    controller.abort()
    await until(() => events.includes('res:close') && events.includes('req:close'))
    expect(events.filter((e) => e === 'res:close')).toHaveLength(1)
    expect(events.filter((e) => e === 'req:close')).toHaveLength(1)
    expect(events).not.toContain('res:finish')
    expect(await writeLate()).toEqual([false, 'ERR_STREAM_DESTROYED'])
  })

  test('in memory, after the upload and before any response: close once, no finish', async () => {
    const { events, app } = recorder()
    const controller = new AbortController()
    const done = createTestClient(app).request('/', {
      method: 'POST',
      body: 'complete',
      signal: controller.signal,
    })
    await until(() => events.includes('data'))
    controller.abort()
    await done.catch(() => {})
    await until(() => events.includes('res:close') && events.includes('req:close'))
    // The request was complete: no 'aborted' and no ECONNRESET, as node:http.
    expect(aborts(events).sort()).toEqual(['req:close', 'res:close'])
  })

  test('over a socket, after the upload and before any response', async () => {
    const { events, app } = recorder()
    await using server = await serve(app, { port: 0, host: '127.0.0.1' })
    const { port } = server.address as { port: number }
    const socket = connect(port, '127.0.0.1')
    socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 8\r\n\r\ncomplete')
    await until(() => events.includes('data'))
    socket.destroy()
    await until(() => events.includes('res:close') && events.includes('req:close'))
    expect(aborts(events).sort()).toEqual(['req:close', 'res:close'])
  })

  test('over a socket, mid-upload', async () => {
    const { events, app } = recorder()
    await using server = await serve(app, { port: 0, host: '127.0.0.1' })
    const { port } = server.address as { port: number }
    const socket = connect(port, '127.0.0.1')
    socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n')
    socket.write(Buffer.alloc(1000))
    await until(() => events.includes('data'))
    socket.destroy()
    await until(() => events.includes('res:close') && events.includes('req:close'))
    // As node:http: the request errors with ECONNRESET when it has an 'error' listener.
    expect(aborts(events).sort()).toEqual(['req:aborted', 'req:close', 'req:error', 'res:close'])
  })

  test('over a socket, mid-response', async () => {
    const { events, app } = recorder()
    await using server = await serve(app, { port: 0, host: '127.0.0.1' })
    const controller = new AbortController()
    const res = await request(server.url, { signal: controller.signal })
    expect(res.statusCode).toBe(200)
    controller.abort()
    await res.body.text().catch(() => {})
    await until(() => events.includes('res:close'))
    expect(events.filter((e) => e === 'res:close')).toHaveLength(1)
    expect(events).not.toContain('res:finish')
    expect(events.filter((e) => e === 'req:aborted').length).toBeLessThanOrEqual(1)
  })
})
