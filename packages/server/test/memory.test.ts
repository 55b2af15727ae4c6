/**
 * Bounded memory with real backpressure both ways: a large upload to an app that reads slowly,
 * and a large streamed response to a client that reads slowly. The transfer is several times
 * the allowed growth, so buffering it would fail the assertion. (The 1 GB versions are in
 * bench/stream.ts.)
 */
import { connect } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Application } from '@tsgi/protocol'
import { afterEach, describe, expect, test } from 'vitest'
import { sleep, startServer, type TestServer } from './helpers.ts'

const TOTAL = 128 * 1024 * 1024
const CHUNK = 64 * 1024
const ALLOWED_GROWTH = 40 * 1024 * 1024
/** The slow app's pause every 2 MiB: enough for the client to get ahead if nothing stopped it. */
const CONSUMER_PAUSE_MS = 10

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

// Retained memory, not garbage, is what matters: collect before each sample.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const MAX_LAG = 16 * 1024 * 1024

/** Tracks retained heap + external memory, sampled after a full GC, against a baseline. */
function retained() {
  const used = () => {
    gc()
    const m = process.memoryUsage()
    return m.heapUsed + m.arrayBuffers
  }
  const base = used()
  let peak = 0
  return {
    sample: () => {
      peak = Math.max(peak, used() - base)
    },
    get peak() {
      return peak
    },
  }
}

describe('bounded memory', () => {
  test('a 128 MiB upload to an app that reads slowly', { timeout: 60_000 }, async () => {
    let received = 0
    let memory: ReturnType<typeof retained>
    const app: Application = async (scope, receive, send) => {
      if (scope.type !== 'http') return
      for (;;) {
        const event = await receive()
        if (event.type !== 'http.request') return
        received += event.body.byteLength
        if (received % (16 * 1024 * 1024) < event.body.byteLength) memory.sample()
        // A slow consumer: the server must stop reading from the socket meanwhile.
        if (received % (2 * 1024 * 1024) < CHUNK) await sleep(CONSUMER_PAUSE_MS)
        if (!event.moreBody) break
      }
      await send({ type: 'http.response.start', status: 204 })
      await send({ type: 'http.response.body' })
    }
    server = await startServer(app)
    const port = server.port
    let maxLag = 0
    memory = retained()
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1')
      const chunk = Buffer.alloc(CHUNK, 120)
      let sent = 0
      socket.on('error', reject)
      socket.on('data', (d: Buffer) => {
        if (d.toString('latin1').startsWith('HTTP/1.1 204')) {
          socket.destroy()
          resolve()
        }
      })
      const pump = () => {
        while (sent < TOTAL) {
          sent += CHUNK
          maxLag = Math.max(maxLag, sent - received)
          if (!socket.write(chunk)) return socket.once('drain', pump)
        }
      }
      socket.write(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ${TOTAL}\r\n\r\n`)
      pump()
    })
    expect(received).toBe(TOTAL)
    // What the client got ahead of the app is what sits in buffers: kernel + a bounded few chunks.
    expect(maxLag).toBeLessThan(MAX_LAG)
    expect(memory.peak).toBeLessThan(ALLOWED_GROWTH)
  })

  test('a 128 MiB response to a client that reads slowly', { timeout: 60_000 }, async () => {
    const chunk = new Uint8Array(CHUNK).fill(121)
    let appSent = 0
    let maxLag = 0
    let memory: ReturnType<typeof retained>
    let bodyBytes = 0
    const app: Application = async (scope, _r, send) => {
      if (scope.type !== 'http') return
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [['content-length', String(TOTAL)]],
      })
      for (let sent = 0; sent < TOTAL; ) {
        await send({ type: 'http.response.body', body: chunk, moreBody: sent + CHUNK < TOTAL })
        sent += CHUNK
        appSent = sent
        if (sent % (16 * 1024 * 1024) === 0) memory.sample()
        maxLag = Math.max(maxLag, appSent - bodyBytes)
      }
    }
    server = await startServer(app)
    const port = server.port
    memory = retained()
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1')
      let head = true
      socket.on('error', reject)
      socket.on('data', (d: Buffer) => {
        if (head) {
          const end = d.indexOf('\r\n\r\n')
          bodyBytes += d.byteLength - end - 4
          head = false
        } else bodyBytes += d.byteLength
        // A slow reader: pause after each read so the server's socket buffer fills.
        socket.pause()
        setTimeout(() => socket.resume(), 1)
        if (bodyBytes >= TOTAL) {
          socket.destroy()
          resolve()
        }
      })
      socket.write('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')
    })
    expect(bodyBytes).toBe(TOTAL)
    expect(appSent).toBe(TOTAL)
    // send() resolving only when the transport has room keeps the app within a few chunks.
    expect(maxLag).toBeLessThan(MAX_LAG)
    expect(memory.peak).toBeLessThan(ALLOWED_GROWTH)
  })
})
