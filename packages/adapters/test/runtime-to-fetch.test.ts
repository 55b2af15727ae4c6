/**
 * `toFetch` on Bun and Deno, driven from Node: the host script of each runtime serves
 * test/runtimes/apps/probe.ts, and the tests talk to it over real sockets — WebSocket echo and
 * close codes, backpressure to a slow reader (HTTP and WebSocket), a disconnect seen as
 * `http.disconnect`, rootPath and the client address, lifespan once and a clean SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DEADLINE, until } from './fetch-helpers.ts'
import { findRuntime, hostScript, type Runtime, requireRuntimes, runArgs } from './runtimes/find.ts'

const APP = fileURLToPath(new URL('./runtimes/apps/probe.ts', import.meta.url))
const CHUNK = 64 * 1024

interface Host {
  child: ChildProcess
  port: number
  stdout: string
  exit: Promise<number | null>
}

/** Starts the host of `runtime` on a free port; resolves once it printed its address. */
function startHost(runtime: Runtime, bin: string): Promise<Host> {
  const child = spawn(
    bin,
    [...runArgs(runtime), hostScript(runtime), APP, '--port', '0', '--root-path', '/mnt'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const host = { child, port: 0, stdout: '' } as Host
  host.exit = new Promise((r) => child.on('exit', (code) => r(code)))
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d
  })
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      host.stdout += d
      const m = /serving on http:\/\/[^:]+:(\d+)/.exec(host.stdout)
      if (m && host.port === 0) {
        host.port = Number(m[1])
        resolve(host)
      }
    })
    host.exit.then((code) => reject(new Error(`${runtime} host exited (${code}): ${stderr}`)))
  })
}

const record = async (host: Host) =>
  (await (await fetch(`http://127.0.0.1:${host.port}/record`)).json()) as {
    startups: number
    streamed: number
    waited: string | null
    flooded: number
    wsClosed: { code: number; reason: string } | null
  }

/** Polls `value()` until `done` holds of it (a deadline, not a wait: 10 s on a busy machine). */
async function poll<T>(value: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const end = Date.now() + DEADLINE
  for (;;) {
    const v = await value()
    if (done(v) || Date.now() > end) return v
  }
}

/** Polls `value()` until it is at least `min` and has not changed over 25 polls in a row. */
async function settled(value: () => Promise<number>, min: number): Promise<number> {
  let last = -1
  let same = 0
  const end = Date.now() + 2 * DEADLINE
  while (Date.now() < end) {
    const v = await value()
    same = v === last && v >= min ? same + 1 : 0
    last = v
    if (same >= 25) return v
  }
  throw new Error(`the value did not settle (last ${last})`)
}

/** Opens a raw socket, writes `head`, and resolves with the socket and the response head. */
function rawRequest(
  port: number,
  head: string,
): Promise<{ socket: Socket; head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let buffer = Buffer.alloc(0)
    const onData = (d: Buffer) => {
      buffer = Buffer.concat([buffer, d])
      const end = buffer.indexOf('\r\n\r\n')
      if (end === -1) return
      socket.off('data', onData)
      socket.pause()
      resolve({
        socket,
        head: buffer.subarray(0, end).toString('latin1'),
        rest: buffer.subarray(end + 4),
      })
    }
    socket.on('data', onData)
    socket.on('error', reject)
    socket.write(head)
  })
}

/** Reads from `socket` (resumed) until `count` bytes arrived after `already`. */
function readAtLeast(socket: Socket, already: number, count: number): Promise<number> {
  return new Promise((resolve) => {
    let got = already
    socket.on('data', (d: Buffer) => {
      got += d.byteLength
      if (got >= count) {
        resolve(got)
        socket.destroy()
      }
    })
    socket.resume()
  })
}

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
      host = await startHost(runtime, bin)
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
