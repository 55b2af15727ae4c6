/**
 * The shutdown helpers of drain.ts over HTTP/2 (SPEC.md §5.9, §5.10.7): requests held in
 * flight are streams whose last DATA byte the case withholds, the start of the shutdown is the
 * GOAWAY the server sends at once on an idle session, and a session opened after it must not
 * be served. Every wait is on an event, with a deadline.
 *
 * @module
 */
import type { ClientHttp2Session } from 'node:http2'
import type { RunningServer } from '../harness.ts'
import { type CaseContext, ConformanceFailure } from '../types.ts'
import { h2, isolated, type OpenStream, open } from './h2-util.ts'
import { recorded, token } from './util.ts'

/** What reaches a server of the case's own over HTTP/2: the run's client, the server's URL. */
export const over = (ctx: CaseContext, server: RunningServer) => ({
  h2: ctx.h2,
  fetch: ctx.fetch,
  url: server.url,
})

type Target = ReturnType<typeof over>

/** Resolves `undefined` after `ms` (raced against an event). */
const deadline = (ms: number) =>
  new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())

/** Streams in flight: each a `POST /hold` whose last body byte the case withholds. */
export interface HeldStreams {
  sessions: ClientHttp2Session[]
  /** Sends the last body byte of each; resolves with each one's status (0: no answer). */
  finish(): Promise<number[]>
}

/**
 * Opens `n` `POST /hold?t=` streams missing their last body byte, spread over up to 4 sessions,
 * and resolves once the app has seen all `n` (its record counts them).
 */
export async function holdStreams(to: Target, n: number): Promise<HeldStreams> {
  const t = token()
  const sessions = await Promise.all(Array.from({ length: Math.min(n, 4) }, () => isolated(to)))
  const streams: OpenStream[] = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      open(to, `/hold?t=${t}`, {
        method: 'POST',
        headers: [['content-length', '1']],
        open: true,
        session: sessions[i % sessions.length],
      }),
    ),
  )
  const r = await recorded(to, t, (x) => x.arrived === n)
  if (r.arrived !== n) {
    for (const s of sessions) s.destroy()
    throw new ConformanceFailure(
      `${n} HTTP/2 requests with a body still to come`,
      `the app saw ${String(r.arrived ?? 0)}`,
      `all ${n} to reach the app`,
    )
  }
  return {
    sessions,
    async finish() {
      for (const s of streams) if (!s.stream.destroyed) s.stream.end('x')
      const statuses = await Promise.all(
        streams.map(async (s) => (await Promise.race([s.result, deadline(15_000)]))?.status ?? 0),
      )
      for (const s of sessions) s.destroy()
      return statuses
    },
  }
}

/** An HTTP/2 session that has had one request answered and now has no stream open. */
export async function idleSession(to: Target): Promise<ClientHttp2Session> {
  const session = await isolated(to)
  const r = await h2(to, '/record', { session })
  if (r.status !== 200 || session.closed || session.destroyed) {
    session.destroy()
    throw new ConformanceFailure(
      'GET /record over HTTP/2',
      `${r.status ?? 'no answer'}, or the session closed`,
      'an answer, the session kept open',
    )
  }
  return session
}

/** What `session` sees first: GOAWAY, a close without one, or neither within `deadlineMs`. */
async function firstEnd(
  session: ClientHttp2Session,
  deadlineMs: number,
): Promise<'goaway' | 'close' | 'none'> {
  if (session.closed || session.destroyed) return 'close'
  const seen = await Promise.race([
    new Promise<'goaway' | 'close'>((resolve) => {
      session.once('goaway', () => resolve('goaway'))
      session.once('close', () => resolve('close'))
    }),
    deadline(deadlineMs),
  ])
  return seen ?? 'none'
}

/** Resolves `true` once `session` got GOAWAY or was closed, `false` after `deadlineMs`. */
export async function goawaySeen(session: ClientHttp2Session, deadlineMs = 10_000) {
  return (await firstEnd(session, deadlineMs)) !== 'none'
}

/**
 * Resolves `true` once `session` is told GOAWAY — the frame itself, not a close — and `false`
 * if it closes without one or `deadlineMs` passes: a session with a stream in flight must be
 * told at once, while that stream goes on (SPEC.md §5.10.7).
 */
export async function goawayTold(session: ClientHttp2Session, deadlineMs = 10_000) {
  return (await firstEnd(session, deadlineMs)) === 'goaway'
}

/**
 * What a session opened during the shutdown got for `GET /length/1`: refused, GOAWAY before
 * the request, a refused or reset stream, a 503 — or `served: …`, or no answer in 10 s.
 */
export async function newSession(to: Target): Promise<string> {
  let session: ClientHttp2Session | undefined
  const connecting = isolated(to)
  try {
    session = await Promise.race([connecting, deadline(10_000)])
  } catch (error) {
    return `refused (${(error as NodeJS.ErrnoException).code})`
  }
  if (session === undefined) {
    // A session that connects after the deadline is closed then, never left open.
    connecting.then((s) => s.destroy()).catch(() => {})
    return 'no session in 10 s'
  }
  try {
    if (session.closed || session.destroyed) return 'GOAWAY before the request'
    let opened: OpenStream
    try {
      opened = await open(to, '/length/1', { session })
    } catch (error) {
      // node:http2 refuses a request on a session told GOAWAY.
      return `GOAWAY before the request (${(error as NodeJS.ErrnoException).code})`
    }
    const r = await Promise.race([opened.result, deadline(10_000)])
    if (r === undefined) return 'no answer in 10 s'
    if (r.status === undefined) return `closed without a response (rstCode ${r.rstCode})`
    return r.status === 503 ? '503' : `served: ${r.status}`
  } finally {
    session.destroy()
  }
}
