/**
 * The server's hold on its HTTP/2 sessions: each one is known (for shutdown), closed with
 * GOAWAY once it has had no open stream for the idle timeout, and, at shutdown, told GOAWAY
 * so that its streams in flight finish and new ones are refused, then destroyed if they
 * outlast the deadline.
 *
 * Idle means no open stream, not no traffic: a response that waits a minute for its next chunk
 * is no reason to end the session, and a session whose last stream just closed starts counting
 * again. So the idle timer is the tracker's own, not node:http2's session timeout (which counts
 * inactivity of any kind, and would have to be disarmed and re-armed around every stream, a
 * measured cost of each request on a session with one stream at a time): it is refreshed when
 * the last stream closes, and a firing while a stream is open is ignored (that close refreshes
 * it).
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
  /** The idle timer (see the module comment), or undefined without an idle timeout. */
  private readonly idle: NodeJS.Timeout | undefined
  /** One listener for every stream of the session (none allocated per stream). */
  private readonly onStreamClose = () => this.streamClosed()

  constructor(session: Http2Session, idleTimeoutMs: number) {
    this.session = session
    this.idleTimeoutMs = idleTimeoutMs
    if (idleTimeoutMs > 0) {
      this.idle = setTimeout(() => {
        if (this.open === 0) this.goAway()
      }, idleTimeoutMs)
      this.idle.unref()
    }
    session.on('stream', (stream: ServerHttp2Stream) => {
      this.open++
      // 'on', not 'once' (no wrapper per stream): a stream closes once and is then dropped.
      stream.on('close', this.onStreamClose)
    })
    session.once('close', () => {
      clearTimeout(this.linger)
      clearTimeout(this.idle)
    })
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
    else this.idle?.refresh()
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
