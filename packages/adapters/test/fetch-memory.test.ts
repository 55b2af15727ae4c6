/**
 * 64 MiB through the fetch adapters, each way, over a real socket, with the memory the process
 * retains staying within a bound: nothing buffers a whole body.
 *   fromFetch: the reference server → fromFetch → a fetch handler (reads the upload as a stream,
 *   streams the download from a pull source).
 *   toFetch: node:http → @hono/node-server (global objects left alone) → toFetch → a TSGI app
 *   (reads the upload with receive(), sends the download with one awaited send() per chunk).
 * Memory is sampled on events (every 4 MiB that the consumer has seen), never on a timer: the
 * growth of `heapUsed + arrayBuffers` after a full GC, over the value before the transfer.
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { serve as nodeServe } from '@hono/node-server'
import type { Application } from '@tsgi/protocol'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromFetch, toFetch } from '../src/fetch/index.ts'
import { startServer, type TestServer } from './fetch-helpers.ts'

const KiB = 1024
const MiB = 1024 * KiB
const TOTAL = 64 * MiB
const CHUNK = 64 * KiB
/** What the process may retain above its starting point while 64 MiB pass through. */
const BOUND = 24 * MiB
const STEP = 4 * MiB

// A full GC before each sample, so garbage not yet collected is not counted as retained.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function retained(): number {
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/** Samples retained memory each time the bytes seen cross another {@link STEP}. */
class Meter {
  private readonly base = retained()
  private next = STEP
  peak = 0
  samples = 0

  seen(bytes: number): void {
    if (bytes < this.next) return
    this.next += STEP
    this.samples++
    this.peak = Math.max(this.peak, retained() - this.base)
  }
}

/** The upload: the same 64 KiB buffer 1024 times (the sender itself holds nothing). */
function upload(): Readable {
  const chunk = new Uint8Array(CHUNK).fill(120)
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < TOTAL; sent += CHUNK) yield chunk
    })(),
    { objectMode: false },
  )
}

/** A response body of 64 MiB produced only when pulled, fresh bytes each time. */
function download(): ReadableStream<Uint8Array> {
  let produced = 0
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (produced === TOTAL) return controller.close()
        produced += CHUNK
        controller.enqueue(new Uint8Array(CHUNK).fill(produced % 251))
      },
    },
    { highWaterMark: 0 },
  )
}

async function readAll(url: string, meter: Meter): Promise<number> {
  const res = await request(url)
  expect(res.statusCode).toBe(200)
  let got = 0
  for await (const chunk of res.body) {
    got += (chunk as Buffer).byteLength
    meter.seen(got)
  }
  return got
}

describe('fromFetch moves 64 MiB each way in bounded memory (over a socket)', () => {
  let meter: Meter
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(
      fromFetch(async (req) => {
        if (req.method === 'GET') return new Response(download())
        // /keep holds every chunk: the control that shows the meter sees retained bytes.
        const kept: Uint8Array[] = []
        const keep = new URL(req.url).pathname === '/keep'
        let got = 0
        for await (const chunk of req.body!) {
          got += chunk.byteLength
          if (keep) kept.push(chunk)
          meter.seen(got)
        }
        return new Response(String(keep ? kept.reduce((n, c) => n + c.byteLength, 0) : got))
      }),
      { lifespan: 'off' },
    )
  })
  afterAll(() => server.close())

  it('an upload read by the handler as a stream', async () => {
    meter = new Meter()
    const res = await request(server.url, { method: 'POST', body: upload() })
    expect(await res.body.text()).toBe(String(TOTAL))
    expect(meter.samples).toBe(TOTAL / STEP)
    expect(meter.peak).toBeLessThan(BOUND)
  })

  it('a download streamed by the handler', async () => {
    meter = new Meter()
    expect(await readAll(server.url, meter)).toBe(TOTAL)
    expect(meter.samples).toBe(TOTAL / STEP)
    expect(meter.peak).toBeLessThan(BOUND)
  })

  it('control: a handler that keeps the upload is seen retaining it', async () => {
    meter = new Meter()
    const res = await request(new URL('/keep', server.url), { method: 'POST', body: upload() })
    expect(await res.body.text()).toBe(String(TOTAL))
    expect(meter.peak).toBeGreaterThan(TOTAL - STEP)
  })
})

describe('toFetch moves 64 MiB each way in bounded memory (over a socket)', () => {
  let meter: Meter
  let server: Server
  let url: string
  const app: Application = async (scope, receive, send) => {
    if (scope.type !== 'http') return
    if (scope.method === 'GET') {
      await send({ type: 'http.response.start', status: 200, headers: [] })
      for (let sent = 0; sent < TOTAL; ) {
        sent += CHUNK
        const body = new Uint8Array(CHUNK).fill(sent % 251)
        await send({ type: 'http.response.body', body, moreBody: sent < TOTAL })
      }
      return
    }
    let got = 0
    for (;;) {
      const event = await receive()
      if (event.type !== 'http.request') return
      got += event.body.byteLength
      meter.seen(got)
      if (!event.moreBody) break
    }
    await send({ type: 'http.response.start', status: 200, headers: [] })
    await send({ type: 'http.response.body', body: new TextEncoder().encode(String(got)) })
  }
  beforeAll(async () => {
    const adapted = toFetch(app, { onError: (error) => console.error(error) })
    server = nodeServe({
      fetch: (request) => adapted.fetch(request),
      port: 0,
      hostname: '127.0.0.1',
      // Leave the global Request/Response alone: the other tests of this worker use them.
      overrideGlobalObjects: false,
    }) as Server
    if (!server.listening) await once(server, 'listening')
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('an upload read by the TSGI app with receive()', async () => {
    meter = new Meter()
    const res = await request(url, { method: 'POST', body: upload() })
    expect(await res.body.text()).toBe(String(TOTAL))
    expect(meter.samples).toBe(TOTAL / STEP)
    expect(meter.peak).toBeLessThan(BOUND)
  })

  it('a download sent by the TSGI app chunk by chunk', async () => {
    meter = new Meter()
    expect(await readAll(url, meter)).toBe(TOTAL)
    expect(meter.samples).toBe(TOTAL / STEP)
    expect(meter.peak).toBeLessThan(BOUND)
  })
})
