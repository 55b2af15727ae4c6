/**
 * The HTTP/2 forms of the request-body cases that need more than one request/response
 * exchange (body.ts): `Expect: 100-continue` on a stream, and flow control as the body's
 * backpressure (SPEC.md §5.3.2, §5.10.5).
 *
 * @module
 */
import { constants } from 'node:http2'
import type { CaseContext } from '../types.ts'
import { isolated, open, type StreamResult } from './h2-util.ts'
import { fetchText, recorded, sampleUntilStill } from './util.ts'

/** Resolves `false` after `ms` (a deadline raced against an event, never a wait by itself). */
const deadline = (ms: number) =>
  new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref())

/**
 * `POST path` with `expect: 100-continue` and a 2-byte body withheld: whether a `100` head
 * came first (within 2 s, as the HTTP/1.1 case), then the body is sent and the result read.
 */
export async function h2Expect(
  ctx: CaseContext,
  path: string,
): Promise<{ continued: boolean; result: StreamResult }> {
  const s = await open(ctx, path, {
    method: 'POST',
    headers: [
      ['content-length', '2'],
      ['expect', '100-continue'],
    ],
    open: true,
  })
  const continued = await Promise.race([
    new Promise<boolean>((resolve) => {
      s.stream.once('continue', () => resolve(true))
      s.stream.once('close', () => resolve(false))
    }),
    deadline(2000),
  ])
  // An app that answered without reading has ended the stream (the server resets the rest).
  const answered = await Promise.race([s.result.then(() => true), deadline(continued ? 0 : 5000)])
  if (!answered && !s.stream.destroyed) s.stream.end('ab')
  return { continued, result: await s.result }
}

/**
 * Sends up to `size` body bytes to `/read-one?t=` (the app takes one body event, then reads no
 * more until `/release?t=`) on a session of its own, never buffering more than 1 MiB in the
 * client, and returns how many the server took (write callbacks fire once nghttp2 sent the
 * bytes, which flow control allows only as far as the server's windows), sampled every 100 ms
 * until it stops growing for a second.
 */
export async function h2BackpressureAccepted(
  ctx: CaseContext,
  t: string,
  size: number,
): Promise<{ accepted: number; stopped: boolean }> {
  const session = await isolated(ctx)
  try {
    const s = await open(ctx, `/read-one?t=${t}`, {
      method: 'POST',
      headers: [['content-length', String(size)]],
      open: true,
      session,
    })
    const chunk = Buffer.alloc(64 * 1024)
    let accepted = 0
    let done = false
    const pump = async () => {
      for (let written = 0; written < size && !done && !s.stream.destroyed; ) {
        if (s.stream.writableLength >= 1024 * 1024) {
          // Both listeners go once either fires: one left per pass would pile up.
          await new Promise<void>((r) => {
            const on = () => {
              s.stream.off('drain', on)
              s.stream.off('close', on)
              r()
            }
            s.stream.once('drain', on)
            s.stream.once('close', on)
          })
          continue
        }
        s.stream.write(chunk, (error) => {
          if (!error) accepted += chunk.length
        })
        written += chunk.length
      }
    }
    const pumping = pump()
    await recorded(ctx, t, (x) => x.first === true)
    const { stopped } = await sampleUntilStill(() => accepted, size)
    done = true
    s.stream.close(constants.NGHTTP2_CANCEL)
    await Promise.all([pumping, s.result])
    return { accepted, stopped }
  } finally {
    session.destroy()
    await fetchText(ctx, `/release?t=${t}`)
  }
}
