/**
 * fromFetch streams both ways with backpressure: the request body is pulled from receive() only
 * as the handler reads, and the response stream is pulled only as fast as send() resolves.
 * In memory (counting receive() calls and pulls exactly) and over a socket (a large body each way
 * with a slow peer: what is produced never runs far ahead of what is consumed).
 */
import { Readable } from 'node:stream'
import type { Application } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { fromFetch } from '../src/fetch/index.ts'
import { deferred, startServer, until } from './fetch-helpers.ts'

const KiB = 1024
const MiB = 1024 * KiB

/** A response body of `count` chunks of `size` bytes, produced only when pulled. */
function countedBody(count: number, size: number) {
  const stats = { pulls: 0, cancelled: false }
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (stats.pulls === count) return controller.close()
        stats.pulls++
        controller.enqueue(new Uint8Array(size).fill(stats.pulls % 251))
      },
      cancel() {
        stats.cancelled = true
      },
    },
    { highWaterMark: 0 },
  )
  return { body, stats }
}

function turn(): Promise<void> {
  return new Promise((r) => setImmediate(r))
}

describe('fromFetch request body backpressure', () => {
  it('in memory: calls receive() once per read of the handler, never ahead', async () => {
    let receives = 0
    const reads: number[] = []
    const gate = { step: deferred(), next: deferred() }
    const inner = fromFetch(async (req) => {
      const reader = req.body!.getReader()
      let total = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        total += value.byteLength
        reads.push(receives)
        gate.step.resolve()
        await gate.next.promise
      }
      return new Response(String(total))
    })
    const app: Application = (scope, receive, send) =>
      inner(
        scope,
        () => {
          if (scope.type === 'http') receives++
          return receive()
        },
        send,
      )
    const chunks = Array.from({ length: 4 }, () => new Uint8Array(1000))
    const pending = createTestClient(app).request({ method: 'POST', path: '/', body: chunks })
    for (let i = 1; i <= 4; i++) {
      await gate.step.promise
      gate.step = deferred()
      await turn()
      // The handler holds chunk i: exactly i events were asked for, none ahead. With the last
      // chunk the body is complete and one more receive() waits for the disconnect (§5.3.4).
      expect(receives).toBe(i === 4 ? 5 : i)
      const release = gate.next
      gate.next = deferred()
      release.resolve()
    }
    const res = await pending
    expect(res.text()).toBe('4000')
    expect(reads).toEqual([1, 2, 3, 5])
  })

  it('over a socket: a 32 MiB upload read slowly is never buffered far ahead of the handler', async () => {
    let produced = 0
    let consumed = 0
    let maxAhead = 0
    const server = await startServer(
      fromFetch(async (req) => {
        for await (const chunk of req.body!) {
          consumed += chunk.byteLength
          maxAhead = Math.max(maxAhead, produced - consumed)
          await turn()
        }
        return new Response(String(consumed))
      }),
      { lifespan: 'off' },
    )
    try {
      async function* upload() {
        for (let i = 0; i < 512; i++) {
          produced += 64 * KiB
          yield new Uint8Array(64 * KiB)
        }
      }
      const res = await request(server.url, { method: 'POST', body: Readable.from(upload()) })
      expect(await res.body.text()).toBe(String(32 * MiB))
      // Kernel socket buffers and undici's own hold a few MiB; read-ahead would be ~32 MiB.
      expect(maxAhead).toBeLessThan(12 * MiB)
    } finally {
      await server.close()
    }
  })
})

describe('fromFetch response body backpressure', () => {
  it('in memory: pulls the stream only as send() resolves', async () => {
    const { body, stats } = countedBody(1000, 16 * KiB)
    const app = fromFetch(() => new Response(body))
    const res = await createTestClient(app, { highWaterMark: 64 * KiB }).stream('/')
    let read = 0
    for (let i = 0; i < 10; i++) {
      const chunk = await res.read()
      expect(chunk?.byteLength).toBe(16 * KiB)
      read++
    }
    // The client stops reading: wait until its buffer is full, so the app waits in send().
    await until(() => res.buffered >= 64 * KiB, 'a full client buffer')
    await turn()
    const buffered = res.buffered / (16 * KiB)
    // Every pulled chunk was handed to send(), plus at most one read ahead at the start.
    expect(stats.pulls).toBeLessThanOrEqual(read + buffered + 1)
    res.disconnect()
    await res.done().catch(() => {})
    await until(() => stats.cancelled, 'the body reader cancelled')
  })

  it('over a socket: a 64 MiB response to a slow client is produced at its pace', async () => {
    const size = 64 * KiB
    const { body, stats } = countedBody(1024, size)
    let received = 0
    let maxAhead = 0
    const server = await startServer(
      fromFetch(() => new Response(body)),
      { lifespan: 'off' },
    )
    try {
      const res = await request(server.url)
      for await (const chunk of res.body) {
        received += (chunk as Buffer).byteLength
        maxAhead = Math.max(maxAhead, stats.pulls * size - received)
        await turn()
      }
      expect(received).toBe(64 * MiB)
      expect(maxAhead).toBeLessThan(16 * MiB)
    } finally {
      await server.close()
    }
  })
})

describe('fromFetch fast paths', () => {
  /** The app plus a count of the receive() calls it made. */
  function counted(inner: Application) {
    const stats = { receives: 0 }
    const app: Application = (scope, receive, send) =>
      inner(
        scope,
        () => {
          if (scope.type === 'http') stats.receives++
          return receive()
        },
        send,
      )
    return { app, stats }
  }

  it('in memory: the Request is native; a GET has no body stream and only the disconnect watch', async () => {
    const seen: Array<Record<string, unknown>> = []
    const { app, stats } = counted(
      fromFetch((req) => {
        seen.push({
          native: req instanceof Request,
          tag: Object.prototype.toString.call(req),
          body: req.body,
          accept: req.headers.get('accept'),
          method: req.method,
        })
        return new Response('ok')
      }),
    )
    const res = await createTestClient(app).request('/', { headers: { accept: 'text/plain' } })
    expect(res.text()).toBe('ok')
    expect(seen).toEqual([
      { native: true, tag: '[object Request]', body: null, accept: 'text/plain', method: 'GET' },
    ])
    // No body reads: the empty request event is dropped by the watch, whose second receive()
    // waits for http.disconnect (SPEC §5.3.4).
    expect(stats.receives).toBe(2)
  })

  it('in memory: a POST clone() reads the same body as the original', async () => {
    const app = fromFetch(async (req) => {
      const copy = req.clone()
      expect(copy).toBeInstanceOf(Request)
      return new Response(`${await req.text()}|${await copy.text()}`)
    })
    const res = await createTestClient(app).request({ method: 'POST', path: '/', body: 'abc' })
    expect(res.text()).toBe('abc|abc')
  })

  const whole: Array<[string, () => ConstructorParameters<typeof Response>[0], string]> = [
    ['a string', () => 'hello', 'hello'],
    ['a Uint8Array', () => new TextEncoder().encode('bytes!'), 'bytes!'],
    ['an ArrayBuffer', () => new TextEncoder().encode('buffer').buffer, 'buffer'],
    ['a Blob', () => new Blob(['blob']), 'blob'],
  ]

  it.each(whole)('in memory: %s body goes in one final body event', async (_name, body, text) => {
    const res = await createTestClient(fromFetch(() => new Response(body()))).request('/')
    expect(res.text()).toBe(text)
    const events = res.events.filter((e) => e.type === 'http.response.body')
    expect(events).toHaveLength(1)
    expect((events[0] as { moreBody?: boolean }).moreBody ?? false).toBe(false)
  })

  it('over a socket: such bodies are framed with a content-length, not chunked', async () => {
    let i = 0
    const server = await startServer(
      fromFetch(() => new Response(whole[i++]![1]())),
      { lifespan: 'off' },
    )
    try {
      for (const [, , text] of whole) {
        const res = await request(server.url)
        expect(await res.body.text()).toBe(text)
        expect(res.headers['content-length']).toBe(String(text.length))
        expect(res.headers['transfer-encoding']).toBeUndefined()
      }
    } finally {
      await server.close()
    }
  })

  /** A body whose chunks come only when the test opens the gate: the slow (stream) path. */
  function gated() {
    let gate = deferred()
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await gate.promise
        gate = deferred()
        sent++
        if (sent === 3) controller.close()
        else controller.enqueue(new TextEncoder().encode(`part${sent};`))
      },
    })
    return { body, open: () => gate.resolve() }
  }

  it('in memory: a stream that produces later is sent as it comes, chunk by chunk', async () => {
    const { body, open } = gated()
    const res = await createTestClient(fromFetch(() => new Response(body))).stream('/')
    // The start went out before any chunk existed.
    expect(res.status).toBe(200)
    open()
    expect(new TextDecoder().decode((await res.read())!)).toBe('part1;')
    open()
    expect(new TextDecoder().decode((await res.read())!)).toBe('part2;')
    open()
    expect(await res.read()).toBeNull()
    await res.done()
  })

  it('over a socket: that stream is chunked and its first chunk arrives before it ends', async () => {
    const { body, open } = gated()
    const server = await startServer(
      fromFetch(() => new Response(body)),
      { lifespan: 'off' },
    )
    try {
      // The server may hold the head until the first chunk: let that one come.
      const pending = request(server.url)
      open()
      const res = await pending
      expect(res.headers['transfer-encoding']).toBe('chunked')
      const chunks = res.body[Symbol.asyncIterator]()
      expect(String((await chunks.next()).value)).toBe('part1;')
      open()
      expect(String((await chunks.next()).value)).toBe('part2;')
      open()
      expect((await chunks.next()).done).toBe(true)
    } finally {
      await server.close()
    }
  })
})
