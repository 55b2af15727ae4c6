/**
 * Bounded pipelining (issue 10, item 1): a client that pipelines thousands of requests and
 * reads no answers must not make the server hold them all. The server stops reading from the
 * connection once PIPELINE_LIMIT requests wait behind the one being answered; what it can hold
 * is that many plus one read's worth (node:http parses a read whole). Then the client reads,
 * and every response arrives, complete and in order. At the wire, over TCP and TLS.
 */
import { readFileSync } from 'node:fs'
import { connect as connectTCP, type Socket } from 'node:net'
import { connect as connectTLS } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'
import { PIPELINE_LIMIT } from '../src/http/pipeline.ts'
import { startServer, type TestServer, until } from './helpers.ts'

const keyfile = fileURLToPath(new URL('./tls/key.pem', import.meta.url))
const certfile = fileURLToPath(new URL('./tls/cert.pem', import.meta.url))

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/**
 * How much a test pipelines: `count` requests of about `requestBytes` each (more than every
 * kernel buffer between the two ends holds), answered with `answerBytes` each.
 */
interface Plan {
  count: number
  requestBytes: number
  answerBytes: number
}

/** Small answers: unread, they still fill the kernel buffers long before the last one. */
const SMALL: Plan = { count: 30_000, requestBytes: 512, answerBytes: 1000 }
/** Answers over the socket's 16 KiB high-water mark: each write backs up, then drains. */
const LARGE: Plan = { count: 1_500, requestBytes: 4096, answerBytes: 40_000 }

function requestFor(plan: Plan, i: number): string {
  const head = `GET /${i} HTTP/1.1\r\nHost: h\r\nX-Pad: \r\n\r\n`
  return head.replace(
    'X-Pad: ',
    `X-Pad: ${'x'.repeat(Math.max(0, plan.requestBytes - head.length))}`,
  )
}

/**
 * At most this many wait: the limit, plus the requests of one 64 KiB read, plus the one
 * served. Over TLS, two reads: what was decrypted still comes after the socket stops reading.
 */
function bound(plan: Plan, tls: boolean): number {
  return PIPELINE_LIMIT + Math.ceil(((tls ? 2 : 1) * 65536) / plan.requestBytes) + 1
}

interface Counts {
  /** `request` events node:http emitted. */
  emitted: number
  /** Application calls started. */
  started: number
  /** The most requests that were ever waiting (emitted, not started). */
  maxWaiting: number
}

/** Echoes the path (padded to the plan's size); the first call waits for `gate` if given. */
async function pipeliningServer(plan: Plan, tls: boolean, gate: Promise<void> | null = null) {
  const counts: Counts = { emitted: 0, started: 0, maxWaiting: 0 }
  const s = await startServer(
    async (scope, _receive, send) => {
      if (scope.type !== 'http') return
      counts.started++
      if (gate !== null && counts.started === 1) await gate
      const text = `${scope.path} `
      const body = new TextEncoder().encode(text.padEnd(plan.answerBytes, 'y'))
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [['content-length', String(body.byteLength)]],
      })
      await send({ type: 'http.response.body', body })
    },
    { accessLog: false, ...(tls ? { sslKeyfile: keyfile, sslCertfile: certfile } : {}) },
  )
  // Runs before the dispatcher's listener: counts every request as node:http hands it over.
  s.server.prependListener('request', () => {
    counts.emitted++
    counts.maxWaiting = Math.max(counts.maxWaiting, counts.emitted - counts.started)
  })
  const accepted: Socket[] = []
  s.server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => accepted.push(socket))
  /** Resolves once the server stopped reading: its socket paused with the queue at the limit. */
  const readingStopped = () =>
    until(
      () =>
        accepted.length === 1 &&
        accepted[0]!.isPaused() &&
        counts.emitted - counts.started >= PIPELINE_LIMIT,
      60_000,
    )
  return { server: s, counts, readingStopped }
}

async function openClient(port: number, tls: boolean): Promise<Socket> {
  const socket = tls
    ? connectTLS({ port, host: '127.0.0.1', ca: readFileSync(certfile) })
    : connectTCP(port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    socket.once(tls ? 'secureConnect' : 'connect', resolve)
    socket.once('error', reject)
  })
  socket.pause()
  return socket
}

/** Writes every request without waiting for the kernel to take them. */
function pipelineAll(socket: Socket, plan: Plan): void {
  let batch = ''
  for (let i = 0; i < plan.count; i++) {
    batch += requestFor(plan, i)
    if (batch.length > 60_000 || i === plan.count - 1) {
      socket.write(batch)
      batch = ''
    }
  }
}

/**
 * Reads the responses as they come; resolves with the paths they echo, in order, once all
 * arrived. A `slow` reader stops after each chunk until a timer tick, so the server's writes
 * keep backing up and draining (node:http resumes reading at each drain).
 */
function readAll(socket: Socket, plan: Plan, slow = false): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const paths: string[] = []
    let buffer: Buffer = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      // What is left over is less than one response: copying it again is cheap.
      buffer = buffer.byteLength === 0 ? chunk : Buffer.concat([buffer, chunk])
      for (;;) {
        const head = buffer.indexOf('\r\n\r\n')
        if (head === -1) break
        const text = buffer.subarray(0, head).toString('latin1')
        const length = /content-length: (\d+)/i.exec(text)
        if (length === null || !text.startsWith('HTTP/1.1 200 OK\r\n'))
          return reject(new Error(`unexpected response: ${text}`))
        const end = head + 4 + Number(length[1])
        if (buffer.byteLength < end) break
        const body = buffer.subarray(head + 4, end).toString('latin1')
        if (body.length !== plan.answerBytes) return reject(new Error('short body'))
        paths.push(body.slice(0, body.indexOf(' ')))
        buffer = buffer.subarray(end)
      }
      if (paths.length === plan.count) resolve(paths)
      else if (slow) {
        socket.pause()
        setTimeout(() => socket.resume(), 1)
      }
    })
    socket.on('error', reject)
    socket.on('close', () => reject(new Error(`closed after ${paths.length} responses`)))
    socket.resume()
  })
}

const inOrder = (plan: Plan) => Array.from({ length: plan.count }, (_, i) => `/${i}`)

describe.each([
  ['TCP', false],
  ['TLS', true],
])('pipelining over %s is bounded', (_name, tls) => {
  test('the response in progress is held: reading stops at the bound; every answer arrives in order after', {
    timeout: 120_000,
  }, async () => {
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const setup = await pipeliningServer(SMALL, tls, gate)
    server = setup.server
    const { counts, readingStopped } = setup
    const client = await openClient(server.port, tls)
    pipelineAll(client, SMALL)
    // The server stopped reading: its socket is paused with the queue at the limit, and what
    // it did not read backs up in the kernel and in the client's own buffer.
    await readingStopped()
    expect(counts.started).toBe(1)
    expect(counts.maxWaiting).toBeLessThanOrEqual(bound(SMALL, tls))
    expect(client.writableLength).toBeGreaterThan(0)
    release()
    expect(await readAll(client, SMALL)).toEqual(inOrder(SMALL))
    expect(counts.emitted).toBe(SMALL.count)
    expect(counts.maxWaiting).toBeLessThanOrEqual(bound(SMALL, tls))
    client.destroy()
  })

  test('answers ready but never read (the issue’s case): the server holds a bounded queue', {
    timeout: 120_000,
  }, async () => {
    const setup = await pipeliningServer(SMALL, tls)
    server = setup.server
    const { counts, readingStopped } = setup
    const client = await openClient(server.port, tls)
    pipelineAll(client, SMALL)
    // Answers back up in the kernel until one can no longer be written; then the queue fills.
    await readingStopped()
    expect(counts.maxWaiting).toBeLessThanOrEqual(bound(SMALL, tls))
    expect(counts.emitted).toBeLessThan(SMALL.count)
    expect(await readAll(client, SMALL)).toEqual(inOrder(SMALL))
    expect(counts.maxWaiting).toBeLessThanOrEqual(bound(SMALL, tls))
    client.destroy()
  })

  test('large answers read slowly: node:http resumes reading at every drain, the bound holds', {
    timeout: 120_000,
  }, async () => {
    const setup = await pipeliningServer(LARGE, tls)
    server = setup.server
    const { counts } = setup
    const client = await openClient(server.port, tls)
    pipelineAll(client, LARGE)
    expect(await readAll(client, LARGE, true)).toEqual(inOrder(LARGE))
    expect(counts.maxWaiting).toBeLessThanOrEqual(bound(LARGE, tls))
    client.destroy()
  })
})
