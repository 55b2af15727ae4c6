/**
 * Reading one request body for `receive()`, on HTTP/1.1 (node:http's request) and HTTP/2 (the
 * stream): a chunk already buffered is returned at once, otherwise one waiter is woken by the
 * stream, and the body watchdog times the wait. The stream is only read when the application
 * asks, so the transport's own backpressure holds the client back meanwhile: TCP's window on
 * HTTP/1.1, h2 flow control (no WINDOW_UPDATE while node's readable buffer is full) on HTTP/2.
 *
 * Only requests that announce a body get one of these: a GET never touches the request stream
 * and never allocates it.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import type { HTTPIncomingEvent } from '@tsgi/protocol'
import type { BodyWaiter, BodyWatchdog } from '../http/body-watchdog.ts'

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
  private readonly source: Readable
  /** The HTTP/1.1 request (the same object as `source`), else null: see {@link event}. */
  private readonly message: IncomingMessage | null
  private readonly watchdog: BodyWatchdog
  private readonly owner: BodyOwner
  /** Body bytes still to come when the request gave a Content-Length, else -1. */
  private remaining: number
  /** Whether the request-stream listeners are on (added on the first wait). */
  private listening = false
  /** The source's 'end' was seen. */
  private ended = false
  private waiter: BodyResolve | null = null

  constructor(
    source: Readable,
    message: IncomingMessage | null,
    contentLength: number,
    watchdog: BodyWatchdog,
    owner: BodyOwner,
  ) {
    this.source = source
    this.message = message
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
    const source = this.source
    const chunk: Buffer | null = source.read()
    if (chunk !== null) return Promise.resolve(this.event(chunk))
    if (this.ended || source.readableEnded) {
      this.done = true
      return NOTHING_MORE
    }
    if (!this.listening) {
      // Never removed: the request (or stream) is discarded with the exchange.
      this.listening = true
      source.on('readable', () => this.onReadable())
      source.on('end', () => this.onEnd())
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
    let last: boolean
    if (this.remaining >= 0) {
      // With a Content-Length, the last byte says it: no second receive waits for 'end'.
      // node:http runs the application (and its first receive) before it parses the body that
      // arrived with the head, so the chunk comes before the parser marks the message complete;
      // on h2, nghttp2 checks the DATA against the length.
      this.remaining -= chunk.byteLength
      last = this.remaining <= 0
    } else {
      // Chunked HTTP/1.1: the parser may have seen the end already. h2 without a length: 'end'.
      last = this.message?.complete === true && this.message.readableLength === 0
    }
    if (last) this.done = true
    return { type: 'http.request', body: chunk, moreBody: !last }
  }

  private onReadable(): void {
    const waiter = this.waiter
    if (waiter === null) return
    const chunk: Buffer | null = this.source.read()
    if (chunk === null) return
    this.waiter = null
    this.stop()
    waiter(this.event(chunk))
  }

  private onEnd(): void {
    this.ended = true
    const waiter = this.waiter
    if (waiter === null) return
    this.waiter = null
    this.stop()
    this.done = true
    waiter(NO_BODY)
  }
}
