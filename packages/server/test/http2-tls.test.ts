/**
 * h2 and HTTP/1.1 on one TLS port (src/http2/secure.ts): what ALPN chooses, and which request
 * and response objects each protocol hands the `request` listener (the exchange depends on it).
 */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { IncomingMessage, ServerResponse } from 'node:http'
import {
  type Http2SecureServer,
  Http2ServerRequest,
  Http2ServerResponse,
  connect as h2connect,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { Agent, request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { http2Limits } from '../src/http2/limits.ts'
import { createSecureHttp2Server } from '../src/http2/secure.ts'

const key = readFileSync(new URL('./tls/key.pem', import.meta.url))
const cert = readFileSync(new URL('./tls/cert.pem', import.meta.url))

interface Seen {
  version: string
  req: string
  res: string
  alpn: string | false | undefined
}

let server: Http2SecureServer | undefined
afterEach(async () => {
  if (server === undefined) return
  const s = server
  server = undefined
  await new Promise((resolve) => s.close(resolve))
})

async function start(
  shouldUpgradeCallback?: (req: IncomingMessage) => boolean,
): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = []
  const s = createSecureHttp2Server({ key, cert }, http2Limits(), { shouldUpgradeCallback })
  s.on(
    'request',
    (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
      const socket = 'stream' in req ? req.stream.session?.socket : req.socket
      seen.push({
        version: req.httpVersion,
        req: req.constructor.name,
        res: res.constructor.name,
        alpn: (socket as { alpnProtocol?: string | false } | undefined)?.alpnProtocol,
      })
      res.end(`${req.httpVersion} ${req.url}`)
    },
  )
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  server = s
  return { port: (s.address() as AddressInfo).port, seen }
}

describe('h2 + HTTP/1.1 over TLS on one port (ALPN)', () => {
  test('an h2 client gets h2 and the compat objects (Http2ServerRequest / Http2ServerResponse)', async () => {
    const { port, seen } = await start()
    const session = h2connect(`https://127.0.0.1:${port}`, { ca: cert })
    const stream = session.request({ ':path': '/h2' })
    let body = ''
    stream.setEncoding('utf8')
    stream.on('data', (c: string) => (body += c))
    await once(stream, 'end')
    session.close()
    expect(body).toBe('2.0 /h2')
    expect(seen).toEqual([
      { version: '2.0', req: Http2ServerRequest.name, res: Http2ServerResponse.name, alpn: 'h2' },
    ])
  })

  test('undici with allowH2 negotiates h2', async () => {
    const { port, seen } = await start()
    const agent = new Agent({ allowH2: true, connect: { ca: cert } })
    try {
      const res = await request(`https://127.0.0.1:${port}/undici`, { dispatcher: agent })
      expect(await res.body.text()).toBe('2.0 /undici')
    } finally {
      await agent.close()
    }
    expect(seen[0]?.alpn).toBe('h2')
  })

  test('an HTTP/1.1 client (ALPN http/1.1) gets node:http IncomingMessage / ServerResponse', async () => {
    const { port, seen } = await start()
    const agent = new Agent({ connect: { ca: cert } })
    try {
      const res = await request(`https://127.0.0.1:${port}/h1`, { dispatcher: agent })
      expect(await res.body.text()).toBe('1.1 /h1')
    } finally {
      await agent.close()
    }
    expect(seen).toEqual([
      { version: '1.1', req: IncomingMessage.name, res: ServerResponse.name, alpn: 'http/1.1' },
    ])
    expect(seen[0]!.req).not.toBe(Http2ServerRequest.name)
  })

  test('a TLS client offering no ALPN at all is served HTTP/1.1', async () => {
    const { port, seen } = await start()
    const socket = tlsConnect({ port, host: '127.0.0.1', ca: cert, servername: 'localhost' })
    await once(socket, 'secureConnect')
    socket.end('GET /no-alpn HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    await once(socket, 'close')
    expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 200 [\s\S]*1\.1 \/no-alpn$/)
    expect(seen[0]).toMatchObject({ req: IncomingMessage.name, alpn: false })
  })

  test('our upgrade decision replaces allowHTTP1 "any upgrade listener": Upgrade: h2c stays a request', async () => {
    const { port, seen } = await start((req) => req.headers.upgrade?.toLowerCase() === 'websocket')
    let upgrades = 0
    server!.on('upgrade', (_req, socket) => {
      upgrades++
      socket.destroy()
    })
    const socket = tlsConnect({ port, host: '127.0.0.1', ca: cert, servername: 'localhost' })
    await once(socket, 'secureConnect')
    socket.end(
      'GET /up HTTP/1.1\r\nhost: x\r\nconnection: upgrade, http2-settings\r\nupgrade: h2c\r\nhttp2-settings: AAMAAABkAAQAAP__\r\n\r\n',
    )
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    await once(socket, 'close')
    expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 200 /)
    expect(upgrades).toBe(0)
    expect(seen).toHaveLength(1)
  })
})
