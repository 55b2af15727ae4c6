/**
 * HTTP/1.1 and h2c with prior knowledge on one cleartext port (src/http2/h2c.ts): real clients
 * of both kinds, the preface arriving in pieces, and clients that never show their protocol.
 */
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { createServer as createH2Server, type Http2Server, connect as h2connect } from 'node:http2'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { Client, request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { attachH2c, type H2cOptions } from '../src/http2/h2c.ts'
import { http2Limits, http2ServerOptions } from '../src/http2/limits.ts'
import type { PrefaceFailure } from '../src/http2/preface.ts'
import { FrameType, getBlock, H2Wire, headers, PREFACE, settings } from './h2-frames.ts'
import { rawRequest, until } from './helpers.ts'

interface Pair {
  http1: Server
  h2: Http2Server
  port: number
  /** The server side of every connection accepted, in order. */
  sockets: Socket[]
  failures: PrefaceFailure[]
}

let pair: Pair | undefined
afterEach(async () => {
  if (pair === undefined) return
  pair.http1.closeAllConnections()
  for (const socket of pair.sockets) socket.destroy()
  await new Promise((resolve) => pair!.http1.close(resolve))
  pair = undefined
})

/** Answers `<protocol> <method> <path> <body length>` on both sides. */
function answer(req: { httpVersion: string; method?: string; url?: string }, body: Buffer): string {
  return `${req.httpVersion} ${req.method} ${req.url} ${body.byteLength}`
}

async function startPair(
  options: H2cOptions = {},
  http1Options: { headersTimeout?: number } = {},
): Promise<Pair> {
  const http1 = createServer({ connectionsCheckingInterval: 50, ...http1Options }, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => res.end(`http1 ${answer(req, Buffer.concat(chunks))}`))
  })
  const h2 = createH2Server(http2ServerOptions(http2Limits()), (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => res.end(`h2 ${answer(req, Buffer.concat(chunks))}`))
  })
  const failures: PrefaceFailure[] = []
  attachH2c(http1, h2, {
    ...options,
    onPrefaceFailure: (_socket, why) => failures.push(why),
  })
  const sockets: Socket[] = []
  http1.on('connection', (s: Socket) => sockets.push(s))
  http1.listen(0, '127.0.0.1')
  await once(http1, 'listening')
  const port = (http1.address() as AddressInfo).port
  pair = { http1, h2, port, sockets, failures }
  return pair
}

/** The body of a GET over node:http2's client, with prior knowledge. */
async function h2get(port: number, path: string, body?: string): Promise<string> {
  const session = h2connect(`http://127.0.0.1:${port}`)
  try {
    const stream = session.request({ ':path': path, ':method': body ? 'POST' : 'GET' })
    stream.end(body)
    let text = ''
    stream.setEncoding('utf8')
    stream.on('data', (c: string) => (text += c))
    await once(stream, 'end')
    return text
  } finally {
    session.close()
  }
}

/** Waits until the server side of the `n`th connection has read `bytes` bytes. */
function serverRead(p: Pair, n: number, bytes: number): Promise<void> {
  return until(() => (p.sockets[n]?.bytesRead ?? 0) >= bytes)
}

describe('HTTP/1.1 and h2c on one port', () => {
  test('node:http2 (prior knowledge) gets h2, undici plain gets HTTP/1.1, same port', async () => {
    const { port } = await startPair()
    expect(await h2get(port, '/a?x=1')).toBe('h2 2.0 GET /a?x=1 0')
    expect(await h2get(port, '/upload', 'hello')).toBe('h2 2.0 POST /upload 5')
    const res = await request(`http://127.0.0.1:${port}/b`, { method: 'POST', body: 'abc' })
    expect(await res.body.text()).toBe('http1 1.1 POST /b 3')
  })

  test('undici with allowH2 + useH2c speaks h2; a keep-alive HTTP/1.1 connection stays HTTP/1.1', async () => {
    const { port } = await startPair()
    // useH2c is in undici's Client options but not (yet) in its types.
    const client = new Client(`http://127.0.0.1:${port}`, {
      allowH2: true,
      useH2c: true,
    } as ConstructorParameters<typeof Client>[1])
    try {
      const res = await request(`http://127.0.0.1:${port}/via-undici`, { dispatcher: client })
      expect(await res.body.text()).toBe('h2 2.0 GET /via-undici 0')
    } finally {
      await client.close()
    }
    const two =
      'GET /1 HTTP/1.1\r\nhost: x\r\n\r\nGET /2 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'
    const raw = await rawRequest(port, two)
    expect(raw).toContain('http1 1.1 GET /1 0')
    expect(raw).toContain('http1 1.1 GET /2 0')
  })

  test('the preface split over several reads is still h2', async () => {
    const p = await startPair()
    const wire = await H2Wire.connect(p.port)
    try {
      const pieces = [PREFACE.subarray(0, 1), PREFACE.subarray(1, 10), PREFACE.subarray(10, 23)]
      let written = 0
      for (const piece of pieces) {
        await wire.write(piece)
        written += piece.byteLength
        // Each piece reaches the server as a read of its own before the next is sent.
        await serverRead(p, 0, written)
      }
      await wire.write(PREFACE.subarray(23), settings(), headers(1, getBlock('/split')))
      const response = await wire.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 1)
      expect(response.streamId).toBe(1)
      const data = await wire.waitFor((f) => f.type === FrameType.DATA && f.streamId === 1)
      expect(data.payload.toString()).toBe('h2 2.0 GET /split 0')
    } finally {
      wire.close()
    }
  })

  test('a request starting like the preface (P, then O) is HTTP/1.1, across reads', async () => {
    const p = await startPair()
    const client = connect(p.port, '127.0.0.1')
    const received: Buffer[] = []
    client.on('data', (c: Buffer) => received.push(c))
    await once(client, 'connect')
    client.write('P')
    // The first byte alone decides nothing: it is read on its own, and the connection waits.
    await serverRead(p, 0, 1)
    client.write('OST /p HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi')
    await once(client, 'close')
    expect(Buffer.concat(received).toString()).toContain('http1 1.1 POST /p 2')
    expect(p.failures).toEqual([])
  })

  test('a client that sends nothing is disconnected after the preface timeout', async () => {
    const p = await startPair({ prefaceTimeoutMs: 100 })
    const client = connect(p.port, '127.0.0.1')
    client.on('error', () => {})
    await once(client, 'close')
    expect(p.failures).toEqual(['timeout'])
  })

  test('a client that stops inside the preface is disconnected too (timeout, then closed)', async () => {
    const p = await startPair({ prefaceTimeoutMs: 100 })
    const client = connect(p.port, '127.0.0.1')
    client.on('error', () => {})
    client.write(PREFACE.subarray(0, 20))
    await once(client, 'close')
    expect(p.sockets[0]?.bytesRead).toBe(20)
    expect(p.failures).toEqual(['timeout'])
    const early = connect(p.port, '127.0.0.1')
    early.end(PREFACE.subarray(0, 5))
    await once(early, 'close')
    await until(() => p.failures.length === 2)
    expect(p.failures).toEqual(['timeout', 'closed'])
  })

  test('HTTP/1.1 keeps node:http header timeout once handed over (connection tracking is on)', async () => {
    const p = await startPair({}, { headersTimeout: 200 })
    const raw = await rawRequest(p.port, 'GET / HTTP/1.1\r\nhost: x\r\n')
    expect(raw).toMatch(/^HTTP\/1\.1 408 /)
    expect(p.failures).toEqual([])
  })
})
