/**
 * The server's hold on its HTTP/2 sessions: each one is known (for shutdown), closed with
 * GOAWAY once it has had no open stream for the idle timeout, and, at shutdown, told GOAWAY
 * so that its streams in flight finish and new ones are refused, then destroyed if they
 * outlast the deadline.
 *
 * node:http2's session timeout counts inactivity of any kind, not streams: a response that
 * waits a minute for its next chunk is no reason to end the session, and a session whose last
 * stream just closed must start counting again. So the timeout is armed only while no stream
 * is open.
 *
 * A session told GOAWAY closes by itself once its streams are done, except for one: a header
 * block the peer never finishes is a stream to nghttp2 (so `close()` waits for it) but never
 * one to JavaScript. A session still open {@link LINGER_MS} (or the idle timeout, if shorter)
 * after its GOAWAY with no stream open here is destroyed: else such a peer (slowloris over h2)
 * would hold it for ever, and every graceful shutdown would wait for its deadline.
 *
 * @module
 */
import type { Http2SecureServer, Http2Server, Http2Session, ServerHttp2Stream } from 'node:http2'

/** The sessions of one HTTP/2 server. */
export interface SessionSet {
  /** The sessions currently open. */
  readonly size: number
  /**
   * Graceful shutdown: GOAWAY NO_ERROR to every session (streams in flight finish, new ones
   * are not processed, RFC 9113 §6.8); each closes once its last stream has. Resolves then.
   */
  closeAll(): Promise<void>
  /** The shutdown deadline passed: GOAWAY with `code` (default CANCEL) and destroy them all. */
  destroyAll(code?: number): void
}

/** NGHTTP2_CANCEL (RFC 9113 §7): what a stream cut by the shutdown deadline is reset with. */
const CANCEL = 0x8
/** How long a session told GOAWAY, with no stream open, may take to close (see above). */
export const LINGER_MS = 1000

/** One tracked session: its open streams, and the graceful close shared by idle and shutdown. */
class TrackedSession {
  readonly session: Http2Session
  private open = 0
  private goneAway = false
  private linger: NodeJS.Timeout | undefined
  private readonly idleTimeoutMs: number

  constructor(session: Http2Session, idleTimeoutMs: number) {
    this.session = session
    this.idleTimeoutMs = idleTimeoutMs
    // Activity of any kind re-arms node's timer; only a session without streams is idle.
    session.on('timeout', () => {
      if (this.open === 0) this.goAway()
    })
    session.on('stream', (stream: ServerHttp2Stream) => {
      if (this.open++ === 0 && idleTimeoutMs > 0) session.setTimeout(0)
      stream.once('close', () => this.streamClosed())
    })
    session.once('close', () => clearTimeout(this.linger))
    this.arm()
  }

  /** GOAWAY NO_ERROR (idempotent); the session closes after its streams, or lingers out. */
  goAway(): void {
    if (this.goneAway || this.session.destroyed) return
    this.goneAway = true
    this.session.close()
    if (this.open === 0) this.startLinger()
  }

  private streamClosed(): void {
    if (--this.open !== 0 || this.session.destroyed) return
    if (this.goneAway) this.startLinger()
    else this.arm()
  }

  private arm(): void {
    if (this.idleTimeoutMs > 0) this.session.setTimeout(this.idleTimeoutMs)
  }

  private startLinger(): void {
    if (this.linger !== undefined) return
    const ms = this.idleTimeoutMs > 0 ? Math.min(this.idleTimeoutMs, LINGER_MS) : LINGER_MS
    this.linger = setTimeout(() => {
      if (this.open === 0 && !this.session.destroyed) this.session.destroy()
    }, ms)
    this.linger.unref()
  }
}

/**
 * Tracks the sessions of `server` from now on, with an idle timeout of `idleTimeoutMs`
 * (0: none). Only one tracker per server.
 */
export function trackSessions(
  server: Http2Server | Http2SecureServer,
  idleTimeoutMs: number,
): SessionSet {
  const sessions = new Set<TrackedSession>()
  let closing = false
  server.on('session', (session: Http2Session) => {
    const tracked = new TrackedSession(session, idleTimeoutMs)
    sessions.add(tracked)
    session.once('close', () => sessions.delete(tracked))
    // A session's own errors (a peer's protocol error, a reset socket) end that session only.
    session.on('error', () => {})
    if (closing) tracked.goAway()
  })
  return {
    get size() {
      return sessions.size
    },
    closeAll() {
      closing = true
      const all = [...sessions]
      return Promise.all(
        all.map(
          (tracked) =>
            new Promise<void>((resolve) => {
              if (tracked.session.destroyed) return resolve()
              tracked.session.once('close', () => resolve())
              tracked.goAway()
            }),
        ),
      ).then(() => {})
    },
    destroyAll(code = CANCEL) {
      closing = true
      // A number alone is the GOAWAY code (destroy(undefined, code) would send NO_ERROR); the
      // session then emits an 'error' for it, which the listener above swallows.
      for (const { session } of [...sessions]) session.destroy(code as unknown as Error)
    },
  }
}
