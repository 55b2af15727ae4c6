/**
 * `toFetch` on Bun and Deno, driven from Node: the host script of each runtime serves
 * test/runtimes/apps/probe.ts, and the tests talk to it over real sockets — WebSocket echo and
 * close codes, backpressure to a slow reader (HTTP and WebSocket), a disconnect seen as
 * `http.disconnect`, rootPath and the client address, lifespan once and a clean SIGTERM.
 */
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { until } from './fetch-helpers.ts'
import {
  type Host,
  poll,
  rawRequest,
  readAtLeast,
  record,
  settled,
  startHost,
} from './runtimes/driver.ts'
import { findRuntime, requireRuntimes } from './runtimes/find.ts'

const CHUNK = 64 * 1024

const runtimes = (['bun', 'deno'] as const).map((r) => [r, findRuntime(r)] as const)

for (const [runtime, bin] of runtimes) {
  const skip = bin === null && !requireRuntimes
  const title = skip
    ? `toFetch on ${runtime} (skipped: ${runtime} not found in TSGI_${runtime.toUpperCase()}, ~/.cache/tsgi, PATH)`
    : `toFetch on ${runtime}`
  describe(title, () => {
    let host: Host
    beforeAll(async () => {
      if (skip) return
      if (bin === null) throw new Error(`${runtime} not found (TSGI_REQUIRE_RUNTIMES=1)`)
      host = await startHost(runtime, bin, ['--root-path', '/mnt'])
    }, 60_000)
    afterAll(() => {
      if (host && host.child.exitCode === null) host.child.kill('SIGKILL')
    })
    const it = test.skipIf(skip)

    it('scope: rootPath prefixed, the client is the peer, lifespan state copied in', async () => {
      const { socket, head, rest } = await rawRequest(
        host.port,
        'GET /scope HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
      )
      const body = await new Promise<string>((r) => {
        let text = rest.toString()
        socket.on('data', (d: Buffer) => {
          text += d
        })
        socket.on('end', () => r(text))
        socket.resume()
      })
      expect(head).toMatch(/^HTTP\/1.1 200/)
      const scope = JSON.parse(body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1))
      expect(scope).toMatchObject({
        rootPath: '/mnt',
        path: '/mnt/scope',
        rawPath: '/mnt/scope',
        client: { host: '127.0.0.1', port: socket.localPort },
        state: { started: true },
        extensions: {},
      })
    })

    it('scope.headers read long after the response went out still has every field', async () => {
      const res = await fetch(`http://127.0.0.1:${host.port}/late-headers`, {
        headers: { 'x-probe': 'late' },
      })
      expect(await res.json()).toEqual({ answered: true })
      await fetch(`http://127.0.0.1:${host.port}/release-late`)
      const late = await poll(
        async () => (await record(host)).lateHeaders,
        (h) => h !== null,
      )
      expect(late).toContainEqual(['x-probe', 'late'])
      expect(late).toContainEqual(['host', `127.0.0.1:${host.port}`])
    })

    it('WebSocket: subprotocol, text and bytes echoed, the app’s close code and reason', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws`, ['other', 'chat'])
      ws.binaryType = 'arraybuffer'
      const messages: unknown[] = []
      const closed = new Promise<{ code: number; reason: string }>((r) =>
        ws.addEventListener('close', (e) => r({ code: e.code, reason: e.reason })),
      )
      ws.addEventListener('message', (e) => messages.push(e.data))
      await new Promise((r) => ws.addEventListener('open', r))
      expect(ws.protocol).toBe('chat')
      ws.send('héllo')
      ws.send(new Uint8Array([0, 1, 254, 255]))
      await until(() => messages.length === 2, 'two echoes')
      expect(messages[0]).toBe('echo:héllo')
      expect([...new Uint8Array(messages[1] as ArrayBuffer)]).toEqual([0, 1, 254, 255])
      ws.send('close:4001')
      expect(await closed).toEqual({ code: 4001, reason: 'asked' })
    })

    it('WebSocket: the client’s close code and reason reach the app', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws`)
      await new Promise((r) => ws.addEventListener('open', r))
      ws.close(4002, 'bye')
      const seen = await poll(
        async () => (await record(host)).wsClosed,
        (c) => c !== null,
      )
      expect(seen).toEqual({ code: 4002, reason: 'bye' })
    })

    it('WebSocket backpressure: the app’s send() waits while the client reads nothing', async () => {
      const key = randomBytes(16).toString('base64')
      const { socket, head, rest } = await rawRequest(
        host.port,
        `GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n\r\n`,
      )
      expect(head).toMatch(/^HTTP\/1.1 101/)
      expect(head).toMatch(/sec-websocket-protocol: chat/i)
      expect(head).toMatch(/x-accepted: yes/i)
      const text = Buffer.from('flood:1024')
      const mask = randomBytes(4)
      socket.write(
        Buffer.concat([
          Buffer.from([0x81, 0x80 | text.length]),
          mask,
          text.map((b, i) => b ^ (mask[i % 4] as number)),
        ]),
      )
      // 64 MiB offered; with the client not reading, the app gets only socket buffers ahead.
      const flooded = await settled(async () => (await record(host)).flooded, CHUNK)
      expect(flooded).toBeLessThan(24 * 1024 * 1024)
      const got = await readAtLeast(socket, rest.byteLength, 1024 * CHUNK)
      expect(got).toBeGreaterThanOrEqual(1024 * CHUNK)
    })

    it('HTTP backpressure: a slow reader holds the app’s send()', async () => {
      const { socket, rest } = await rawRequest(
        host.port,
        'GET /stream?n=1024 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
      )
      const streamed = await settled(async () => (await record(host)).streamed, CHUNK)
      expect(streamed).toBeLessThan(24 * 1024 * 1024)
      const got = await readAtLeast(socket, rest.byteLength, 1024 * CHUNK)
      expect(got).toBeGreaterThanOrEqual(1024 * CHUNK)
    })

    it('a client leaving mid-body gives the app http.disconnect', async () => {
      const socket = connect(host.port, '127.0.0.1')
      await new Promise((r) => socket.on('connect', r))
      socket.write('POST /wait HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc')
      socket.destroy()
      const waited = await poll(
        async () => (await record(host)).waited,
        (w) => w !== null,
      )
      expect(waited).toBe('http.disconnect')
    })

    it('lifespan: startup ran once; SIGTERM closes WebSockets with 1012, runs shutdown once, exits 0', async () => {
      expect((await record(host)).startups).toBe(1)
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws`)
      const closed = new Promise<number>((r) => ws.addEventListener('close', (e) => r(e.code)))
      await new Promise((r) => ws.addEventListener('open', r))
      host.child.kill('SIGTERM')
      expect(await closed).toBe(1012)
      expect(await host.exit).toBe(0)
      expect(host.stdout.match(/lifespan shutdown/g)).toEqual(['lifespan shutdown'])
    })
  })
}
