/**
 * What one request/response exchange does the same on HTTP/1.1 and HTTP/2 (SPEC §5): `send()`
 * checked by the protocol's ordering tracker, the start held until the first body (so a failure
 * before it is still a 500, and a small response goes out with its length in one write),
 * Content-Length accounting, HEAD/204/304 bodyless, `receive()` with lazy `100 Continue` and
 * `http.disconnect` once the response is over, the application's return and throw, the body
 * watchdog's 408, and the one way a failed response ends (answered, or cut short).
 *
 * What differs is the transport, the abstract methods below: node:http's response and socket
 * (http/exchange.ts), or one node:http2 stream (http2/exchange.ts). A base class rather than
 * an object per side: one allocation per request and one object shape, and within one server
 * process each call site sees one transport (the benchmarks' targets serve one protocol).
 *
 * Over 300 lines, on purpose: it is one state machine (the held start, `finished`,
 * `disconnected`, `failure`) that every method reads and writes; split over files it would be
 * one object's fields behind accessors or a deeper class chain on the hot path.
 *
 * @module
 */
import {
  ClientDisconnectedError,
  ContentLengthError,
  callApplication,
  type HeaderList,
  type HTTPIncomingEvent,
  HTTPResponseTracker,
  type HTTPScope,
  IncompleteResponseError,
  isClientDisconnected,
  type SendEvent,
} from '@tsgi/protocol'
import type { ServerContext } from '../context.ts'
import { type FileTarget, sendFile } from '../http/pathsend.ts'
import { type AccessEntry, formatAccessLine } from '../logging/format.ts'
import { type BodyOwner, NOTHING_MORE, type RequestBody } from './request-body.ts'

const EMPTY = new Uint8Array(0)
const RESOLVED = Promise.resolve()
/** What `receive()` yields once the response is over. */
export const DISCONNECT: HTTPIncomingEvent = Object.freeze({ type: 'http.disconnect' })
const DISCONNECTED = Promise.resolve(DISCONNECT)
/** The log line (before the request) when the app returned with its start still held. */
const HELD_START_RETURNED =
  'the application returned after http.response.start without sending the body: answered 500 instead of the held start'
type EndResolve = (event: HTTPIncomingEvent) => void

/** Where the body goes: node:http's response or an h2 stream (both are Writables). */
export interface BodySink {
  /** Returns false while the transport is full (then wait for `drain`). */
  write(chunk: Uint8Array): boolean
  once(event: 'drain', listener: () => void): unknown
}

/** The shared half of an exchange (see the module comment); a transport extends it. */
export abstract class ExchangeCore implements BodyOwner, FileTarget {
  readonly scope: HTTPScope
  readonly tracker: HTTPResponseTracker
  protected readonly ctx: ServerContext
  /** The response's writable side (the transport's response or stream). */
  protected readonly sink: BodySink
  /** The request body, when the request has one (set by the transport's constructor). */
  protected body: RequestBody | null = null
  /** `Expect: 100-continue` with a body: `100 Continue` on the first `receive()` (SPEC §5.3). */
  protected expectContinue = false
  /** A request without a body: its one `http.request` event has been returned. */
  private bodyDone = false
  /** `receive()` calls waiting for the end of the response (the body is fully read). */
  private endWaiters: EndResolve[] | null = null
  private drainWaiter: { resolve: () => void; reject: (e: unknown) => void } | null = null
  protected headWritten = false
  /** The response is complete (ended), or the connection is gone: `receive()` yields disconnect. */
  protected finished = false
  /** The client went away before the response completed. */
  protected disconnected = false
  /** The contract violation or I/O error that ended the response, if any. */
  protected failure: Error | null = null
  protected trailers: HeaderList | null = null
  /** Bytes of the file sent by pathsend (the tracker counts body events only). */
  private fileBytes = 0
  protected appSettled = false
  /** The transport closed (response done or client gone). */
  private closed = false
  private readonly startedAt: number

  constructor(ctx: ServerContext, scope: HTTPScope, sink: BodySink) {
    this.ctx = ctx
    this.scope = scope
    this.sink = sink
    this.tracker = new HTTPResponseTracker(scope.method, scope.extensions)
    // The clock is read only when an access line will need the duration.
    this.startedAt = ctx.options.accessLog ? performance.now() : 0
  }

  /** Writes the held head (`finalBody`: the whole body when it is known; may throw). */
  protected abstract writeHead(finalBody: Uint8Array | undefined, knownLength: number): void
  /** Ends the response, with `body` as its last bytes (`first`: nothing was written before it). */
  protected abstract end(body: Uint8Array | undefined, first: boolean): void
  /** A Content-Length shortfall: `body` goes out, then the client must see the response short. */
  protected abstract endShort(body: Uint8Array | undefined): void
  /** The server's own error answer, nothing of the response having been written. */
  protected abstract writeError(status: number, reason: string | undefined): void
  /** Cuts the response short mid-body so the client sees it truncated, and {@link finish}es. */
  protected abstract abort(): void
  /** Sends `100 Continue` (the head is not written yet). */
  protected abstract sendContinue(): void
  /** The status the client got, for the access line. */
  protected abstract get statusSent(): number

  /** Calls the application (the transport has put its close listener on). */
  protected call(): void {
    this.ctx.beginRequest()
    callApplication(this.ctx.app, this.scope, this.receive, this.send, this.onReturn, this.onThrow)
  }

  /** The application's `receive`: the body's events, then the disconnect once the response is over. */
  readonly receive = (): Promise<HTTPIncomingEvent> => {
    if (this.finished || this.failure !== null) return DISCONNECTED
    if (this.expectContinue) {
      this.expectContinue = false
      if (!this.headWritten) this.sendContinue()
    }
    const body = this.body
    if (body === null) {
      if (!this.bodyDone) {
        this.bodyDone = true
        return NOTHING_MORE
      }
    } else if (!body.done) return body.read()
    // Body fully read: the next event is the disconnect, once the response completes or the client goes.
    return new Promise((resolve) => {
      if (this.endWaiters === null) this.endWaiters = [resolve]
      else this.endWaiters.push(resolve)
    })
  }

  /** The application's `send`: checks `event` against the tracker, then writes it. */
  readonly send = (event: SendEvent): Promise<void> => {
    if (this.disconnected) return Promise.reject(new ClientDisconnectedError())
    if (this.failure !== null) return Promise.reject(this.failure)
    try {
      this.tracker.accept(event)
    } catch (error) {
      return this.violation(error as Error, event)
    }
    switch (event.type) {
      case 'http.response.body':
        return this.writeBody(event.body, event.moreBody === true)
      case 'http.response.pathsend':
        return sendFile(this, event.path)
      case 'http.response.trailers':
        if (event.headers)
          this.trailers = this.trailers ? this.trailers.concat(event.headers) : event.headers
        if (this.tracker.complete) this.complete(undefined, false)
        return RESOLVED
      default:
        // http.response.start is held until the first body, so a failure can still become a 500.
        return RESOLVED
    }
  }

  private writeBody(body: Uint8Array | undefined, more: boolean): Promise<void> {
    const t = this.tracker
    const first = !this.headWritten
    if (first) {
      try {
        this.writeHead(more ? undefined : (body ?? EMPTY), -1)
      } catch (error) {
        return this.headRefused(error as Error)
      }
    }
    if (t.bodyless) {
      // The transport may have ended the response with its head (h2's END_STREAM on HEADERS).
      if (t.complete && !this.finished) this.complete(undefined, false)
      return RESOLVED
    }
    if (!more && t.complete) {
      this.complete(body, first)
      return RESOLVED
    }
    if (body === undefined || body.byteLength === 0) return RESOLVED
    if (this.sink.write(body)) return RESOLVED
    return this.waitForDrain()
  }

  /** The transport refused a head the tracker accepted (node:http2 refuses a repeated single-value field): a 500. */
  private headRefused(error: Error): Promise<void> {
    this.failure = error
    this.ctx.logger.error(`invalid response head: ${this.describe()}`, error)
    this.failOrAbort(500)
    return Promise.reject(error)
  }

  private complete(body: Uint8Array | undefined, first: boolean): void {
    this.end(body, first)
    this.finish()
  }

  /** Resolves when the transport drains; rejects if the client leaves first. */
  waitForDrain(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.drainWaiter = { resolve, reject }
      this.sink.once('drain', () => {
        const waiter = this.drainWaiter
        this.drainWaiter = null
        waiter?.resolve()
      })
    })
  }

  // FileTarget (pathsend).
  /** Where pathsend writes the file. */
  get response(): BodySink {
    return this.sink
  }

  /** For pathsend: whether the client went away. */
  get clientGone(): boolean {
    return this.disconnected
  }

  /** For pathsend: writes the held head with the file's size as its length when the app gave none. */
  writeHeadForFile(size: number): void {
    if (!this.headWritten) this.writeHead(undefined, size)
  }

  /** For pathsend: the file is written; end the response unless trailers follow. */
  fileSent(bytes: number): void {
    this.fileBytes = bytes
    if (this.tracker.complete && !this.finished) this.complete(undefined, false)
  }

  /** For pathsend: the file could not be read. */
  fileFailed(error: Error): void {
    this.failure = error
    this.failOrAbort(500)
  }

  /** Called by the body watchdog: the client sent no body bytes in time. */
  bodyTimedOut(): void {
    if (this.body?.waiting !== true || this.finished) return
    this.ctx.logger.warn(
      `request body timed out after ${this.ctx.options.timeoutRequestBody}s: ${this.describe()}`,
    )
    this.failOrAbort(408)
    this.markDisconnected()
  }

  private violation(error: Error, event: SendEvent): Promise<void> {
    this.failure = error
    this.ctx.logger.error(`application broke the TSGI contract: ${this.describe()}`, error)
    if (
      error instanceof ContentLengthError &&
      this.tracker.complete &&
      event.type === 'http.response.body'
    ) {
      // A shortfall: what was sent goes out, then the client sees it short.
      if (!this.headWritten) this.writeHead(undefined, -1)
      this.endShort(event.body)
      this.finish()
    } else {
      this.failOrAbort(500)
    }
    return Promise.reject(error)
  }

  /** The response is complete (or abandoned): wake whoever waits for the end. */
  protected finish(): void {
    if (this.finished) return
    this.finished = true
    const waiters = this.endWaiters
    if (waiters !== null) {
      this.endWaiters = null
      for (const wake of waiters) wake(DISCONNECT)
    }
    this.body?.cancel(DISCONNECT)
  }

  /** The client is gone (or, after a 408, treated so): a send waiting for drain rejects. */
  protected markDisconnected(): void {
    this.disconnected = true
    const drain = this.drainWaiter
    if (drain !== null) {
      this.drainWaiter = null
      drain.reject(new ClientDisconnectedError())
    }
    this.finish()
  }

  /**
   * The one way a failed response ends: `status` (with `reason`) if nothing was written yet,
   * else the transport cuts it short so the client sees it truncated. Nothing happens once the
   * response is complete or abandoned.
   */
  protected failOrAbort(status: number, reason?: string): 'answered' | 'aborted' | 'complete' {
    if (this.finished) return 'complete'
    if (!this.headWritten) {
      this.headWritten = true
      this.writeError(status, reason)
      this.finish()
      return 'answered'
    }
    this.abort()
    return 'aborted'
  }

  /** The transport closed: `gone` when the response did not complete. Logs the access line. */
  protected closedBy(gone: boolean): void {
    this.closed = true
    this.body?.stop()
    if (gone) this.markDisconnected()
    else this.finish()
    this.log()
  }

  private readonly onReturn = (): void => {
    this.appSettled = true
    if (!this.disconnected && this.failure === null && !this.tracker.complete) {
      const started = this.tracker.started
      // A start still held (no body yet) is replaced by the 500: say so, not "without a start".
      const message =
        started && !this.headWritten
          ? HELD_START_RETURNED
          : new IncompleteResponseError(started ? 'body' : 'start').message
      this.ctx.logger.error(`${message}: ${this.describe()}`)
      this.failOrAbort(500)
    }
    if (this.closed) this.ctx.endRequest()
  }

  private readonly onThrow = (error: unknown): void => {
    this.appSettled = true
    if (!(isClientDisconnected(error) && this.disconnected) && error !== this.failure) {
      this.ctx.logger.error(`exception in application: ${this.describe()}`, error)
      // The app is done but the response is not: a 500 if nothing was written, else abort.
      if (!this.disconnected && !this.tracker.complete) this.failOrAbort(500)
    }
    if (this.closed) this.ctx.endRequest()
  }

  private log(): void {
    if (!this.ctx.options.accessLog) return
    const s = this.scope
    const entry: AccessEntry = {
      client: s.client ? `${s.client.host}:${s.client.port}` : null,
      method: s.method,
      path: s.queryString ? `${s.rawPath}?${s.queryString}` : s.rawPath,
      httpVersion: s.httpVersion,
      status: this.headWritten ? this.statusSent : null,
      bytes: this.tracker.bytesSent + this.fileBytes,
      duration: performance.now() - this.startedAt,
      disconnected: this.disconnected,
    }
    this.ctx.logger.access(formatAccessLine(entry), entry)
  }

  /** `METHOD /path?query`, for log lines. */
  protected describe(): string {
    const s = this.scope
    return `${s.method} ${s.rawPath}${s.queryString ? `?${s.queryString}` : ''}`
  }
}
