/**
 * Reading one HTTP/2 request body for `receive()`, with flow control as the backpressure: the
 * stream is only read when the application asks, so once node's readable buffer is full node
 * stops consuming, no WINDOW_UPDATE reopens the client's window, and the client stops sending.
 * A chunk already buffered is returned at once; otherwise one waiter is woken by the stream,
 * and the body watchdog times the wait (as on HTTP/1.1, http/request-body.ts).
 *
 * @module
 */
import type { ServerHttp2Stream } from 'node:http2'
import type { HTTPIncomingEvent } from '@tsgi/protocol'
import type { BodyWaiter, BodyWatchdog } from '../http/body-watchdog.ts'
import { type BodyOwner, NO_BODY, NOTHING_MORE } from '../http/request-body.ts'

type BodyResolve = (event: HTTPIncomingEvent) => void

/** The body of one h2 request, read on demand. Its `watch*` fields belong to the watchdog. */
export class H2RequestBody implements BodyWaiter {
  /** The last event has been returned: the next `receive()` waits for the response's end. */
  done = false
  watchStart = 0
  watchPrev: BodyWaiter | null = null
  watchNext: BodyWaiter | null = null
  watched = false
  private readonly stream: ServerHttp2Stream
  private readonly watchdog: BodyWatchdog
  private readonly owner: BodyOwner
  /** Body bytes still to come when the request gave a Content-Length, else -1. */
  private remaining: number
  private ended = false
  private listening = false
  private waiter: BodyResolve | null = null

  constructor(
    stream: ServerHttp2Stream,
    contentLength: number,
    watchdog: BodyWatchdog,
    owner: BodyOwner,
  ) {
    this.stream = stream
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
    const chunk: Buffer | null = this.stream.read()
    if (chunk !== null) return Promise.resolve(this.event(chunk))
    if (this.ended || this.stream.readableEnded) {
      this.done = true
      return NOTHING_MORE
    }
    if (!this.listening) {
      this.listening = true
      this.stream.on('readable', () => this.onReadable())
      this.stream.on('end', () => this.onEnd())
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

  /** Stops timing the wait. */
  stop(): void {
    if (this.watched) this.watchdog.unwatch(this)
  }

  /** Called by the watchdog. */
  onBodyTimeout(): void {
    this.owner.bodyTimedOut()
  }

  private event(chunk: Buffer): HTTPIncomingEvent {
    let last = false
    // With a Content-Length (nghttp2 checks the DATA against it), the last byte says it.
    if (this.remaining >= 0) {
      this.remaining -= chunk.byteLength
      if (this.remaining <= 0) last = true
    }
    if (last) this.done = true
    return { type: 'http.request', body: chunk, moreBody: !last }
  }

  private onReadable(): void {
    const waiter = this.waiter
    if (waiter === null) return
    const chunk: Buffer | null = this.stream.read()
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
