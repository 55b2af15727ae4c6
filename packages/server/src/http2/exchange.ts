/**
 * One request/response exchange on an HTTP/2 stream (node:http2's stream API, not the compat
 * layer, which costs ~40% more CPU). The same SPEC §5 rules as the HTTP/1.1 exchange
 * (http/exchange.ts + http/response.ts), per stream: `send()` checked by the shared ordering
 * tracker, the start held until the first body (so a failure before it is still a 500),
 * Content-Length checked, HEAD/204/304 bodyless, `receive()` yielding `http.disconnect` once the
 * response is over. What differs is the transport: a failure after the head resets this stream
 * (RST_STREAM INTERNAL_ERROR) and never the session or its socket, a client's RST_STREAM is the
 * `http.disconnect` of this stream only, and there is no `100 Continue` to send by hand or
 * connection to close.
 *
 * @module
 */
import { constants, type ServerHttp2Stream } from 'node:http2'
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
import { responseHead } from '../http/head.ts'
import { type FileTarget, sendFile } from '../http/pathsend.ts'
import { type BodyOwner, NOTHING_MORE } from '../http/request-body.ts'
import { DISCONNECT } from '../http/response.ts'
import { type AccessEntry, formatAccessLine } from '../logging/format.ts'
import { H2RequestBody } from './request-body.ts'
import { h2Fields, h2ResponseHeaders } from './response-head.ts'
import { resetStream, writeH2ErrorResponse } from './wire.ts'

const RESOLVED = Promise.resolve()
const DISCONNECTED = Promise.resolve(DISCONNECT)
const EMPTY = new Uint8Array(0)
const HELD_START_RETURNED =
  'the application returned after http.response.start without sending the body: answered 500 instead of the held start'
type EndResolve = (event: HTTPIncomingEvent) => void

/** One request on one stream. Created by the stream handler (serve.ts), which calls {@link run}. */
export class H2Exchange implements BodyOwner, FileTarget {
  readonly scope: HTTPScope
  readonly tracker: HTTPResponseTracker
  private readonly stream: ServerHttp2Stream
  private readonly ctx: ServerContext
  private readonly body: H2RequestBody | null
  private readonly startedAt: number
  private bodyDone = false
  private endWaiters: EndResolve[] | null = null
  private drainWaiter: { resolve: () => void; reject: (e: unknown) => void } | null = null
  private headWritten = false
  /** The head was sent with `waitForTrailers`: the stream ends with trailers. */
  private trailersPending = false
  private status = 0
  private finished = false
  /** The response was ended by us (END_STREAM or trailers queued): a close after it is normal. */
  private ended = false
  private disconnected = false
  private failure: Error | null = null
  private trailers: HeaderList | null = null
  private fileBytes = 0
  private appSettled = false
  private streamClosed = false
  /** `Expect: 100-continue` with a body: `100 Continue` on the first `receive()` (SPEC §5.3). */
  private expectContinue: boolean

  constructor(
    stream: ServerHttp2Stream,
    ctx: ServerContext,
    scope: HTTPScope,
    contentLength: number,
  ) {
    this.stream = stream
    this.ctx = ctx
    this.scope = scope
    this.tracker = new HTTPResponseTracker(scope.method, scope.extensions)
    this.startedAt = ctx.options.accessLog ? performance.now() : 0
    // END_STREAM on the HEADERS frame: no body at all; else read one (even of unknown length).
    this.body =
      stream.endAfterHeaders || contentLength === 0
        ? null
        : new H2RequestBody(stream, contentLength, ctx.bodyWatchdog, this)
    this.expectContinue =
      this.body !== null &&
      scope.headers.some(([name, value]) => name === 'expect' && /^100-continue$/i.test(value))
  }

  /** Calls the application. */
  run(): void {
    const stream = this.stream
    stream.on('close', this.onClose)
    // A client's RST_STREAM while the response is open closes the stream: 'close' is this
    // stream's disconnect (no 'aborted' listener: 'close' follows it in the same turn).
    // Its 'error' listener is on since the stream arrived (streams.ts): 'close' follows one.
    this.ctx.beginRequest()
    callApplication(this.ctx.app, this.scope, this.receive, this.send, this.onReturn, this.onThrow)
  }

  /** The application's `receive`. */
  readonly receive = (): Promise<HTTPIncomingEvent> => {
    if (this.finished || this.failure !== null) return DISCONNECTED
    if (this.expectContinue) {
      this.expectContinue = false
      if (!this.headWritten && !this.stream.destroyed)
        this.stream.additionalHeaders({ ':status': 100 })
    }
    const body = this.body
    if (body === null) {
      if (!this.bodyDone) {
        this.bodyDone = true
        return NOTHING_MORE
      }
    } else if (!body.done) return body.read()
    return new Promise((resolve) => {
      if (this.endWaiters === null) this.endWaiters = [resolve]
      else this.endWaiters.push(resolve)
    })
  }

  /** The application's `send`. */
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
        if (this.tracker.complete) this.end()
        return RESOLVED
      default:
        return RESOLVED
    }
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

  // FileTarget (pathsend): the stream is what the file is written to.
  get response(): { write(chunk: Uint8Array): boolean } {
    return this.stream
  }

  get clientGone(): boolean {
    return this.disconnected
  }

  writeHeadForFile(size: number): void {
    if (!this.headWritten) this.writeHead(undefined, size)
  }

  fileSent(bytes: number): void {
    this.fileBytes = bytes
    if (this.tracker.complete) this.end()
  }

  fileFailed(error: Error): void {
    this.failure = error
    this.failOrAbort(500)
  }

  /** Resolves when the stream drains (flow-control window and buffer); rejects if it is reset. */
  waitForDrain(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.drainWaiter = { resolve, reject }
      this.stream.once('drain', () => {
        const waiter = this.drainWaiter
        this.drainWaiter = null
        waiter?.resolve()
      })
    })
  }

  private writeHead(finalBody: Uint8Array | undefined, knownLength: number): void {
    this.headWritten = true
    const t = this.tracker
    this.status = t.status
    const headers = h2ResponseHeaders(t.status, responseHead(t, this.ctx, finalBody, knownLength))
    // HEAD, 204 and 304 end with their head; trailers keep the stream open for them.
    const endStream = t.bodyless && t.complete
    this.trailersPending = t.trailers && !endStream
    try {
      this.stream.respond(headers, {
        endStream,
        waitForTrailers: this.trailersPending,
        sendDate: this.ctx.options.dateHeader,
      } as Parameters<ServerHttp2Stream['respond']>[1])
    } catch (error) {
      // node:http2 refuses some heads tracker accepts (a repeated single-value field): a 500.
      this.headWritten = false
      this.trailersPending = false
      throw error
    }
    if (endStream) {
      this.ended = true
      this.finish()
    }
  }

  private writeBody(body: Uint8Array | undefined, more: boolean): Promise<void> {
    const t = this.tracker
    if (!this.headWritten) {
      try {
        this.writeHead(more ? undefined : (body ?? EMPTY), -1)
      } catch (error) {
        this.failure = error as Error
        this.ctx.logger.error(`invalid response head: ${this.describe()}`, error)
        this.failOrAbort(500)
        return Promise.reject(error)
      }
    }
    if (t.bodyless) {
      if (t.complete && !this.ended) this.end()
      return RESOLVED
    }
    if (!more && t.complete) {
      this.end(body)
      return RESOLVED
    }
    if (body === undefined || body.byteLength === 0) return RESOLVED
    if (this.stream.write(body)) return RESOLVED
    return this.waitForDrain()
  }

  private end(body?: Uint8Array): void {
    const stream = this.stream
    this.ended = true
    if (this.trailersPending) {
      const trailers = this.trailers
      stream.once('wantTrailers', () => {
        stream.sendTrailers(trailers === null ? {} : h2Fields(trailers))
      })
    }
    if (body !== undefined && body.byteLength > 0) stream.end(body)
    else stream.end()
    // A client still sending the body gets RST_STREAM NO_ERROR from node itself once this
    // end is flushed (RFC 9113 §8.1; test/http2-serve-streams.test.ts holds node to it).
    this.finish()
  }

  private violation(error: Error, event: SendEvent): Promise<void> {
    this.failure = error
    this.ctx.logger.error(`application broke the TSGI contract: ${this.describe()}`, error)
    if (
      error instanceof ContentLengthError &&
      this.tracker.complete &&
      event.type === 'http.response.body'
    ) {
      // A shortfall: what was sent goes out, then this stream is reset (the client sees it short).
      if (!this.headWritten) this.writeHead(undefined, -1)
      const stream = this.stream
      const reset = () => resetStream(stream)
      if (event.body !== undefined && event.body.byteLength > 0) stream.write(event.body, reset)
      else reset()
      this.finish()
    } else {
      this.failOrAbort(500)
    }
    return Promise.reject(error)
  }

  private finish(): void {
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
  private markDisconnected(): void {
    this.disconnected = true
    const drain = this.drainWaiter
    if (drain !== null) {
      this.drainWaiter = null
      drain.reject(new ClientDisconnectedError())
    }
    this.finish()
  }

  /** `status` if nothing was written yet, else this stream (only) is reset. */
  private failOrAbort(status: number): 'answered' | 'aborted' | 'complete' {
    if (this.finished) return 'complete'
    if (!this.headWritten) {
      this.headWritten = true
      this.status = status
      this.ended = true
      writeH2ErrorResponse(this.stream, this.scope.method, status)
      this.finish()
      return 'answered'
    }
    this.finish()
    resetStream(this.stream)
    return 'aborted'
  }

  private readonly onClose = (): void => {
    this.streamClosed = true
    this.body?.stop()
    const stream = this.stream
    // writableFinished stays true after a client's RST: the reset code and our end decide.
    if (!this.ended || stream.aborted || stream.rstCode !== constants.NGHTTP2_NO_ERROR)
      this.markDisconnected()
    else this.finish()
    this.log()
    if (this.appSettled) this.ctx.endRequest()
  }

  private readonly onReturn = (): void => {
    this.appSettled = true
    if (!this.disconnected && this.failure === null && !this.tracker.complete) {
      const started = this.tracker.started
      const message =
        started && !this.headWritten
          ? HELD_START_RETURNED
          : new IncompleteResponseError(started ? 'body' : 'start').message
      this.ctx.logger.error(`${message}: ${this.describe()}`)
      this.failOrAbort(500)
    }
    if (this.streamClosed) this.ctx.endRequest()
  }

  private readonly onThrow = (error: unknown): void => {
    this.appSettled = true
    if (!(isClientDisconnected(error) && this.disconnected) && error !== this.failure) {
      this.ctx.logger.error(`exception in application: ${this.describe()}`, error)
      if (!this.disconnected && !this.tracker.complete) this.failOrAbort(500)
    }
    if (this.streamClosed) this.ctx.endRequest()
  }

  private log(): void {
    if (!this.ctx.options.accessLog) return
    const s = this.scope
    const entry: AccessEntry = {
      client: s.client ? `${s.client.host}:${s.client.port}` : null,
      method: s.method,
      path: s.queryString ? `${s.rawPath}?${s.queryString}` : s.rawPath,
      httpVersion: s.httpVersion,
      status: this.headWritten ? this.status : null,
      bytes: this.tracker.bytesSent + this.fileBytes,
      duration: performance.now() - this.startedAt,
      disconnected: this.disconnected,
    }
    this.ctx.logger.access(formatAccessLine(entry), entry)
  }

  private describe(): string {
    const s = this.scope
    return `${s.method} ${s.rawPath}${s.queryString ? `?${s.queryString}` : ''}`
  }
}
