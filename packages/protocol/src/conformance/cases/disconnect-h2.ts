/**
 * The HTTP/2 forms of the disconnect and response-backpressure cases (disconnect.ts, SPEC.md
 * §5.3.5, §5.4.6, §5.7): a client leaving is RST_STREAM CANCEL on its stream (§5.10.3), and a
 * client that does not read is one that gives no flow-control credit (§5.10.5).
 *
 * @module
 */
import { constants } from 'node:http2'
import { ErrorCode } from '../../errors.ts'
import { type H2Form, h2, isolated, open } from './h2-util.ts'
import { expectThat, recorded, sampleUntilStill, token } from './util.ts'

/** The flow-control window the backpressure form grants: room for some sends, not unbounded. */
const WINDOW = 1024 * 1024

const forms: Record<string, H2Form> = {
  async 'disconnect.mid-request'(ctx) {
    const t = token()
    const s = await open(ctx, `/echo-body?t=${t}`, {
      method: 'POST',
      headers: [['content-length', '100']],
      body: ['abc'],
      open: true,
    })
    await recorded(ctx, t, (x) => x.arrived === true)
    s.stream.close(constants.NGHTTP2_CANCEL)
    const r = await recorded(ctx, t, (x) => x.disconnected === true)
    expectThat(
      r.disconnected === true,
      '3 of 100 body bytes, then RST_STREAM CANCEL',
      JSON.stringify(r),
      'receive() → http.disconnect',
    )
  },
  async 'disconnect.send-rejects'(ctx) {
    const t = token()
    const s = await open(ctx, `/wait-disconnect?t=${t}`)
    await recorded(ctx, t, (x) => x.waiting === true)
    s.stream.close(constants.NGHTTP2_CANCEL)
    const r = await recorded(ctx, t, (x) => x.sendAfter !== undefined)
    expectThat(
      r.event === 'http.disconnect' && r.sendAfter === ErrorCode.clientDisconnected,
      'a request, then RST_STREAM CANCEL without waiting',
      JSON.stringify(r),
      `receive() → http.disconnect, then send() → ${ErrorCode.clientDisconnected}`,
    )
  },
  async 'disconnect.mid-stream'(ctx) {
    const t = token()
    const s = await open(ctx, `/stream-forever?t=${t}`)
    await new Promise<void>((resolve) => {
      const check = () => {
        if (s.received() <= 100_000) return
        s.stream.off('data', check)
        resolve()
      }
      s.stream.on('data', check)
      s.stream.once('close', resolve)
    })
    s.stream.close(constants.NGHTTP2_CANCEL)
    const r = await recorded(ctx, t, (x) => x.next !== undefined)
    expectThat(
      r.rejected === ErrorCode.clientDisconnected && r.next === 'http.disconnect',
      'read 100 kB of an endless stream, then RST_STREAM CANCEL',
      JSON.stringify(r),
      `send() → ${ErrorCode.clientDisconnected}, then receive() → http.disconnect`,
    )
  },
  async 'disconnect.receive-after-complete'(ctx) {
    const t = token()
    await h2(ctx, `/receive-after?t=${t}`)
    const r = await recorded(ctx, t, (x) => x.events !== undefined)
    expectThat(
      JSON.stringify(r.events) === '["http.disconnect","http.disconnect"]',
      'a complete response, then receive() twice',
      JSON.stringify(r.events),
      'http.disconnect, http.disconnect',
    )
  },
  async 'disconnect.response-backpressure'(ctx) {
    const t = token()
    // A session of its own whose windows leave room for some 64 KiB sends (the default
    // 65 535 bytes would not complete one), and a stream that is never read: no
    // WINDOW_UPDATE ever comes, so send() must stop resolving.
    const session = await isolated(ctx)
    try {
      await new Promise<void>((resolve, reject) =>
        session.settings({ initialWindowSize: WINDOW }, (error) =>
          error ? reject(error) : resolve(),
        ),
      )
      session.setLocalWindowSize(WINDOW)
      const s = await open(ctx, `/stream-forever?t=${t}`, { session })
      s.stream.pause()
      const { value: sent } = await sampleUntilStill(
        async () => Number((await recorded(ctx, t)).sent ?? 0),
        512,
        true,
      )
      s.stream.close(constants.NGHTTP2_CANCEL)
      expectThat(
        sent > 0 && sent < 512,
        `an endless 64 KiB stream to a client that never reads (windows of ${WINDOW} bytes)`,
        `${sent} sends resolved (${sent * 64} KiB)`,
        'send() to stop resolving after a bounded amount (well under 32 MiB)',
      )
    } finally {
      session.destroy()
    }
  },
}

/** The HTTP/2 form of disconnect case `id` (every one has one). */
export const disconnectH2 = (id: string): H2Form | undefined => forms[id]
