/**
 * `toFetch`'s bounds on Bun and Deno, over real sockets: an app that does not receive its
 * WebSocket messages holds the peer back (Bun pauses reading) or ends the session with 1008
 * (Deno cannot pause), and `close()` past its deadline cuts the requests still running (a 503
 * for one not answered, a cut connection for a streamed one) and still exits cleanly.
 */
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Host, poll, rawRequest, record, startHost } from './runtimes/driver.ts'
import { findRuntime, requireRuntimes } from './runtimes/find.ts'

const FRAMES = 1100
const PAYLOAD = 60_000

/** One masked binary frame of `PAYLOAD` bytes (a zero mask: the payload goes as it is). */
const frame = Buffer.concat([
  Buffer.from([0x82, 0x80 | 126, PAYLOAD >> 8, PAYLOAD & 0xff, 0, 0, 0, 0]),
  Buffer.alloc(PAYLOAD, 7),
])
/** A masked close frame with code 1000. */
const closeFrame = Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8])

/** Everything `socket` receives until it closes, and whether it ended cleanly. */
function untilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1')
    })
    socket.on('error', () => {})
    socket.on('close', () => resolve(text))
    socket.resume()
  })
}

const runtimes = (['bun', 'deno'] as const).map((r) => [r, findRuntime(r)] as const)

for (const [runtime, bin] of runtimes) {
  const skip = bin === null && !requireRuntimes
  const title = skip
    ? `toFetch limits on ${runtime} (skipped: ${runtime} not found in TSGI_${runtime.toUpperCase()}, ~/.cache/tsgi, PATH)`
    : `toFetch limits on ${runtime}`
  describe(title, () => {
    let host: Host
    beforeAll(async () => {
      if (skip) return
      if (bin === null) throw new Error(`${runtime} not found (TSGI_REQUIRE_RUNTIMES=1)`)
      host = await startHost(runtime, bin, ['--timeout-graceful-shutdown', '1'])
    }, 60_000)
    afterAll(() => {
      if (host && host.child.exitCode === null) host.child.kill('SIGKILL')
    })
    const it = test.skipIf(skip)

    it('an app not receiving: Bun stops reading, Deno closes with 1008', async () => {
      const { socket, head } = await rawRequest(
        host.port,
        'GET /ws-hold HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      )
      socket.on('error', () => {})
      socket.resume()
      expect(head).toMatch(/^HTTP\/1.1 101/)
      for (let i = 0; i < FRAMES; i++) socket.write(frame)
      socket.write(closeFrame)
      const total = FRAMES * frame.byteLength + closeFrame.byteLength
      if (runtime === 'bun') {
        // Taken by the server (and the kernel buffers between): settles far below the 66 MB.
        let last = -1
        let same = 0
        const taken = await poll(
          async () => {
            await record(host)
            const now = total - socket.writableLength
            same = now === last ? same + 1 : 0
            last = now
            return now
          },
          () => same >= 25,
        )
        expect(same).toBeGreaterThanOrEqual(25)
        expect(taken).toBeLessThan(24 * 1024 * 1024)
        await fetch(`http://127.0.0.1:${host.port}/release`)
        // Reading resumes as the app catches up: every message arrives, then the close.
        const held = await poll(
          async () => (await record(host)).held,
          (h) => h !== null,
        )
        expect(held).toEqual({ messages: FRAMES, bytes: FRAMES * PAYLOAD, code: 1000 })
      } else {
        // Deno sends its close frame and drops the connection, so the client may see only
        // the reset: the code is checked where the app saw it.
        await new Promise((r) => socket.on('close', r))
        await fetch(`http://127.0.0.1:${host.port}/release`)
        const held = await poll(
          async () => (await record(host)).held,
          (h) => h !== null,
        )
        // What was queued when the bound was passed, then the close the app is told of.
        expect(held?.code).toBe(1008)
        expect(held?.bytes).toBeGreaterThan(8 * 1024 * 1024)
        expect(held?.bytes).toBeLessThanOrEqual(16 * 1024 * 1024 + PAYLOAD)
      }
      socket.destroy()
    })

    it('close() past its deadline: a 503 for the unanswered request, the streamed one cut, exit 0', async () => {
      const unanswered = connect(host.port, '127.0.0.1')
      unanswered.write('GET /hang HTTP/1.1\r\nHost: h\r\n\r\n')
      const first = untilClosed(unanswered)
      const { socket: streamed, rest } = await rawRequest(
        host.port,
        'GET /hang-stream HTTP/1.1\r\nHost: h\r\n\r\n',
      )
      const second = untilClosed(streamed)
      // Both apps are running before the shutdown begins.
      const hanging = await poll(
        async () => (await record(host)).hanging,
        (n) => n === 2,
      )
      expect(hanging).toBe(2)
      host.child.kill('SIGTERM')
      const answer = await first
      expect(answer).toMatch(/^HTTP\/1.1 503/)
      expect(answer).toMatch(/connection: close/i)
      const cut = rest.toString('latin1') + (await second)
      expect(cut).toContain('aaaaa')
      // A chunked body ends with an empty last chunk: a cut one does not.
      expect(cut.endsWith('0\r\n\r\n')).toBe(false)
      expect(await host.exit).toBe(0)
      expect(host.stdout.match(/^cut$/gm)).toEqual(['cut', 'cut'])
      expect(host.stdout.match(/lifespan shutdown/g)).toEqual(['lifespan shutdown'])
    })
  })
}
