/**
 * Reading one request body for `receive()`: a chunk already buffered is returned at once,
 * otherwise one waiter is woken by the request stream, and the body watchdog times the wait.
 *
 * Only requests that announce a body get one of these: a GET never touches the request stream
 * and never allocates it.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { HTTPIncomingEvent } from '@tsgi/protocol'
import type { BodyWaiter, BodyWatchdog } from './body-watchdog.ts'

const EMPTY = new Uint8Array(0)
/** The last `http.request` event of a body that ended without a final chunk (or had none). */
export const NO_BODY: HTTPIncomingEvent = Object.freeze({
  type: 'http.request',
  body: EMPTY,
  moreBody: false,
})
/** {@link NO_BODY}, already resolved (one promise shared by every request). */
export const NOTHING_MORE = Promise.resolve(NO_BODY)
type BodyResolve = (event: HTTPIncomingEvent) => void

/** Who is told when the client sent no body bytes in time. */
export interface BodyOwner {
  /** The wait for body bytes outlasted the body timeout. */
  bodyTimedOut(): void
}

/** The body of one request, read on demand. Its `watch*` fields belong to the watchdog. */
export class RequestBody implements BodyWaiter {
  /** The last event has been returned: the next `receive()` waits for the response's end. */
  done = false
  watchStart = 0
  watchPrev: BodyWaiter | null = null
  watchNext: BodyWaiter | null = null
  watched = false
  private readonly req: IncomingMessage
  private readonly watchdog: BodyWatchdog
  private readonly owner: BodyOwner
  /** Body bytes still to come when the request gave a Content-Length, else -1. */
  private remaining: number
  /** Whether the request-stream listeners are on (added on the first wait). */
  private listening = false
  private waiter: BodyResolve | null = null

  constructor(
    req: IncomingMessage,
    contentLength: number,
    watchdog: BodyWatchdog,
    owner: BodyOwner,
  ) {
    this.req = req
    this.remaining = contentLength
    this.watchdog = watchdog
    this.owner = owner
  }

  /** Whether a `receive()` is waiting for body bytes. */
  get waiting(): boolean {
    return this.waiter !== null
  }

  /** The next `http.request` event (the caller checks {@link done} first). */
  read(): Promise<HTTPIncomingEvent> {
    const req = this.req
    const chunk: Buffer | null = req.read()
    if (chunk !== null) return Promise.resolve(this.event(chunk))
    if (req.readableEnded) {
      this.done = true
      return NOTHING_MORE
    }
    if (!this.listening) {
      // Never removed: the request object is discarded with the exchange.
      this.listening = true
      req.on('readable', () => this.onReadable())
      req.on('end', () => this.onEnd())
    }
    this.watchdog.watch(this)
    return new Promise((resolve) => {
      this.waiter = resolve
    })
  }

  /** Wakes a waiting `receive()` with `event` (the disconnect) and stops timing it. */
  cancel(event: HTTPIncomingEvent): void {
    this.stop()
    const waiter = this.waiter
    if (waiter === null) return
    this.waiter = null
    waiter(event)
  }

  /** Stops timing the wait (the response is over, or the body's framing broke). */
  stop(): void {
    if (this.watched) this.watchdog.unwatch(this)
  }

  /** Called by the watchdog. */
  onBodyTimeout(): void {
    this.owner.bodyTimedOut()
  }

  private event(chunk: Buffer): HTTPIncomingEvent {
    const req = this.req
    let last = req.complete && req.readableLength === 0
    // node:http runs the application (and its first receive) before it parses the body that
    // arrived with the head, so the chunk comes before the parser marks the message complete.
    // With a Content-Length, the last byte says it: no second receive waits for 'end'.
    if (this.remaining >= 0) {
      this.remaining -= chunk.byteLength
      if (this.remaining === 0) last = true
    }
    if (last) this.done = true
    return { type: 'http.request', body: chunk, moreBody: !last }
  }

  private onReadable(): void {
    const waiter = this.waiter
    if (waiter === null) return
    const chunk: Buffer | null = this.req.read()
    if (chunk === null) return
    this.waiter = null
    this.stop()
    waiter(this.event(chunk))
  }

  private onEnd(): void {
    const waiter = this.waiter
    if (waiter === null) return
    this.waiter = null
    this.stop()
    this.done = true
    waiter(NO_BODY)
  }
}
