/**
 * One HTTP request/response exchange over node:http: the scope, `receive()` with bounded
 * reading and lazy `100 Continue`, `send()` with the shared ordering tracker and real write
 * backpressure, and what happens when the application fails, returns early, or the client leaves.
 *
 * Hot path: every field is set in the constructor (one object shape), the start event is held
 * until the first body so a single-chunk response goes out with a Content-Length in one write,
 * and a request without a body never touches the request stream.
 *
 * Longer than our ~300-line norm on purpose: receive, send and completion share one small state
 * machine (finished / disconnected / failure), and spreading it over objects would cost an
 * allocation per request and make the transitions harder to audit. The head and the
 * server-written responses live in head.ts and wire.ts.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
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
  statusText,
  TSGI_VERSION,
} from '@tsgi/protocol'
import type { ServerContext } from '../context.ts'
import { connectionFields } from '../scope/scope.ts'
import type { BodyWaiter } from './body-watchdog.ts'
import { responseHead } from './head.ts'
import { sendFile } from './pathsend.ts'
import { abortSocket, writeErrorResponse } from './wire.ts'

const EMPTY = new Uint8Array(0)
/**
 * Largest body sent joined to the head in one write (see {@link NodeHTTPExchange.endInOneWrite}).
 * Measured on raw node:http, alternating: one write saves 1–3 µs per response up to 4 KiB and
 * costs about as much from 8 KiB (the copy into a string outweighs the second iovec).
 */
const ONE_WRITE = 4 * 1024
const DISCONNECT: HTTPIncomingEvent = Object.freeze({ type: 'http.disconnect' })
const NO_BODY: HTTPIncomingEvent = Object.freeze({
  type: 'http.request',
  body: EMPTY,
  moreBody: false,
})
const DISCONNECTED = Promise.resolve(DISCONNECT)
const NOTHING_MORE = Promise.resolve(NO_BODY)
const RESOLVED = Promise.resolve()
type BodyResolve = (event: HTTPIncomingEvent) => void
/** The log line (before the request) when the app returned with its start still held. */
const HELD_START_RETURNED =
  'the application returned after http.response.start without sending the body: answered 500 instead of the held start'

/** One request. Created by the dispatcher, which calls {@link run}. */
export class NodeHTTPExchange implements BodyWaiter {
  readonly scope: HTTPScope
  readonly tracker: HTTPResponseTracker
  private readonly req: IncomingMessage
  private readonly res: ServerResponse
  private readonly ctx: ServerContext
  private readonly hasBody: boolean
  /** Body bytes still to come when the request gave a Content-Length, else -1. */
  private bodyRemaining: number
  /** The dispatcher's, shared by all exchanges: called with this request's socket. */
  private readonly onResponseDone: (socket: Socket) => void
  private readonly startedAt: number
  private expectContinue: boolean
  private bodyDone = false
  /** Whether the request-stream listeners are on (only for requests that have a body). */
  private listening = false
  private bodyWaiter: BodyResolve | null = null
  /** @internal For the BodyWatchdog (its list of exchanges waiting for body bytes). */
  watchStart = 0
  /** @internal */
  watchPrev: BodyWaiter | null = null
  /** @internal */
  watchNext: BodyWaiter | null = null
  /** @internal */
  watched = false
  private endWaiters: BodyResolve[] | null = null
  private drainWaiter: { resolve: () => void; reject: (e: unknown) => void } | null = null
  private headWritten = false
  /** The response is complete (ended), or the connection is gone: `receive()` yields disconnect. */
  private finished = false
  /** The client went away before the response completed. */
  private disconnected = false
  private appSettled = false
  private responseClosed = false
  private failure: Error | null = null
  private trailers: HeaderList | null = null
  private fileBytes = 0

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: ServerContext,
    expectContinue: boolean,
    onResponseDone: (socket: Socket) => void,
  ) {
    this.req = req
    this.res = res
    this.ctx = ctx
    this.expectContinue = expectContinue
    this.onResponseDone = onResponseDone
    // The clock is read only when an access line will need the duration.
    this.startedAt = ctx.options.accessLog ? performance.now() : 0
    const fields = connectionFields(req, ctx, ctx.httpExtensions)
    this.hasBody = fields.hasBody
    this.bodyRemaining = fields.contentLength
    const v = req.httpVersion
    this.scope = {
      type: 'http',
      tsgi: TSGI_VERSION,
      httpVersion: v === '1.1' ? '1.1' : v === '1.0' ? '1.0' : '2',
      method: req.method ?? 'GET',
      scheme: fields.secure ? 'https' : 'http',
      path: fields.path,
      rawPath: fields.rawPath,
      queryString: fields.queryString,
      rootPath: fields.rootPath,
      headers: fields.headers,
      client: fields.client,
      server: fields.server,
      state: { ...ctx.state },
      extensions: fields.extensions,
    }
    this.tracker = new HTTPResponseTracker(this.scope.method, fields.extensions)
    if (!ctx.options.dateHeader) res.sendDate = false
  }

  /** Calls the application. */
  run(): void {
    this.res.on('close', this.onClose)
    this.ctx.beginRequest()
    callApplication(this.ctx.app, this.scope, this.receive, this.send, this.onReturn, this.onThrow)
  }

  // ---- receive -------------------------------------------------------------------------

  readonly receive = (): Promise<HTTPIncomingEvent> => {
    if (this.finished || this.failure !== null) return DISCONNECTED
    if (this.expectContinue) {
      this.expectContinue = false
      if (!this.headWritten) this.res.writeContinue()
    }
    if (!this.bodyDone) {
      if (!this.hasBody) {
        this.bodyDone = true
        return NOTHING_MORE
      }
      return this.readBody()
    }
    // Body fully read: the next event is the disconnect, once the response completes or the client goes.
    return new Promise((resolve) => {
      if (this.endWaiters === null) this.endWaiters = [resolve]
      else this.endWaiters.push(resolve)
    })
  }

  private readBody(): Promise<HTTPIncomingEvent> {
    const req = this.req
    const chunk: Buffer | null = req.read()
    if (chunk !== null) return Promise.resolve(this.bodyEvent(chunk))
    if (req.readableEnded) {
      this.bodyDone = true
      return NOTHING_MORE
    }
    if (!this.listening) {
      // Never removed: the request object is discarded with the exchange.
      this.listening = true
      req.on('readable', () => this.onReadable())
      req.on('end', () => this.onBodyEnd())
    }
    this.ctx.bodyWatchdog.watch(this)
    return new Promise((resolve) => {
      this.bodyWaiter = resolve
    })
  }

  private bodyEvent(chunk: Buffer): HTTPIncomingEvent {
    const req = this.req
    let last = req.complete && req.readableLength === 0
    // node:http runs the application (and its first receive) before it parses the body that
    // arrived with the head, so the chunk comes before the parser marks the message complete.
    // With a Content-Length, the last byte says it: no second receive waits for 'end'.
    if (this.bodyRemaining >= 0) {
      this.bodyRemaining -= chunk.byteLength
      if (this.bodyRemaining === 0) last = true
    }
    if (last) this.bodyDone = true
    return { type: 'http.request', body: chunk, moreBody: !last }
  }

  private onReadable(): void {
    const waiter = this.bodyWaiter
    if (waiter === null) return
    const chunk: Buffer | null = this.req.read()
    if (chunk === null) return
    this.bodyWaiter = null
    this.ctx.bodyWatchdog.unwatch(this)
    waiter(this.bodyEvent(chunk))
  }

  private onBodyEnd(): void {
    const waiter = this.bodyWaiter
    if (waiter === null) return
    this.bodyWaiter = null
    this.ctx.bodyWatchdog.unwatch(this)
    this.bodyDone = true
    waiter(NO_BODY)
  }

  /** @internal Called by the BodyWatchdog: the client sent no body bytes in time. */
  onBodyTimeout(): void {
    if (this.bodyWaiter === null || this.finished) return
    this.ctx.logger.warn(
      `request body timed out after ${this.ctx.options.timeoutRequestBody}s: ${this.describe()}`,
    )
    if (!this.headWritten) {
      this.headWritten = true
      writeErrorResponse(this.res, 408)
    } else {
      this.abortConnection()
    }
    this.markDisconnected()
  }

  /**
   * @internal The request body's framing broke after the application started (client-error.ts):
   * `status` (with `reason`) if nothing was written yet, else the connection is cut; either way
   * the application sees the client gone. Returns what happened, for the log line.
   */
  rejectBody(status: number, reason: string): 'answered' | 'aborted' | 'complete' {
    if (this.finished) return 'complete'
    this.ctx.bodyWatchdog.unwatch(this)
    if (!this.headWritten) {
      this.headWritten = true
      writeErrorResponse(this.res, status, reason)
      this.markDisconnected()
      return 'answered'
    }
    this.abortConnection()
    this.markDisconnected()
    return 'aborted'
  }

  // ---- send ----------------------------------------------------------------------------

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
        return this.sendFile(event.path)
      case 'http.response.trailers':
        if (event.headers)
          this.trailers = this.trailers ? this.trailers.concat(event.headers) : event.headers
        if (this.tracker.complete) this.end()
        return RESOLVED
      default:
        // http.response.start is held until the first body, so a failure can still become a 500.
        return RESOLVED
    }
  }

  private writeHead(finalBody: Uint8Array | undefined, knownLength: number): void {
    this.headWritten = true
    const status = this.tracker.status
    // RFC 9110's reason phrase (413 Content Too Large), not node:http's older one (Payload Too Large).
    this.res.writeHead(
      status,
      statusText(status) || undefined,
      responseHead(this.tracker, this.ctx, finalBody, knownLength),
    )
  }

  private writeBody(body: Uint8Array | undefined, more: boolean): Promise<void> {
    const res = this.res
    const t = this.tracker
    const first = !this.headWritten
    if (first) this.writeHead(more ? undefined : (body ?? EMPTY), -1)
    if (t.bodyless) {
      if (t.complete) this.end()
      return RESOLVED
    }
    if (!more && t.complete) {
      if (first && this.trailers === null && body !== undefined && body.byteLength <= ONE_WRITE)
        this.endInOneWrite(body)
      else this.end(body)
      return RESOLVED
    }
    if (body === undefined || body.byteLength === 0) return RESOLVED
    if (res.write(body)) return RESOLVED
    return this.waitForDrain()
  }

  /** Resolves when the transport drains; rejects if the client leaves first. */
  waitForDrain(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.drainWaiter = { resolve, reject }
      this.res.once('drain', () => this.onDrain())
    })
  }

  private onDrain(): void {
    const waiter = this.drainWaiter
    this.drainWaiter = null
    waiter?.resolve()
  }

  private sendFile(path: string): Promise<void> {
    return sendFile(this, path)
  }

  /** For pathsend: writes the held head with the file's size as its length when the app gave none. */
  writeHeadForFile(size: number): void {
    if (!this.headWritten) this.writeHead(undefined, size)
  }

  /** The response being written (for pathsend, and for client-error.ts to match the socket's). */
  get response(): ServerResponse {
    return this.res
  }

  /** For pathsend: whether the client went away. */
  get clientGone(): boolean {
    return this.disconnected
  }

  /** For pathsend: the file is written; end the response unless trailers follow. */
  fileSent(bytes: number): void {
    this.fileBytes = bytes
    if (this.tracker.complete) this.end()
  }

  /** For pathsend: the file could not be read. */
  fileFailed(error: Error): void {
    this.failure = error
    this.answer500OrAbort()
  }

  /**
   * A whole response in one body event, small: node:http writes a Buffer body apart from the
   * head (a writev of two), but joins a latin1 string onto the head, so the response leaves in
   * one write. latin1 maps each byte to one char, so the bytes on the wire are unchanged.
   * Profiled: the writev was the largest cost per small response.
   */
  private endInOneWrite(body: Uint8Array): void {
    const bytes = Buffer.isBuffer(body)
      ? body
      : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    this.res.end(bytes.toString('latin1'), 'latin1')
    this.finish()
  }

  private end(body?: Uint8Array): void {
    const res = this.res
    const trailers = this.trailers
    if (trailers !== null && this.trailersAllowed()) res.addTrailers(trailers)
    res.end(body)
    this.finish()
  }

  private trailersAllowed(): boolean {
    const te = this.scope.headers.find(([name]) => name === 'te')?.[1]
    return (
      this.tracker.contentLength < 0 &&
      this.scope.httpVersion === '1.1' &&
      te !== undefined &&
      /(^|,)\s*trailers\s*(;|,|$)/i.test(te)
    )
  }

  private violation(error: Error, event: SendEvent): Promise<void> {
    this.failure = error
    this.ctx.logger.error(`application broke the TSGI contract: ${this.describe()}`, error)
    if (
      error instanceof ContentLengthError &&
      this.tracker.complete &&
      event.type === 'http.response.body'
    ) {
      // A shortfall: what was sent goes out, then the connection closes (the client sees it short).
      if (!this.headWritten) this.writeHead(undefined, -1)
      const res = this.res
      res.end(event.body)
      res.once('finish', () => this.req.socket.destroy())
      this.finish()
    } else if (!this.headWritten) {
      this.headWritten = true
      writeErrorResponse(this.res, 500)
      this.finish()
    } else if (!this.finished) {
      this.abortConnection()
    }
    return Promise.reject(error)
  }

  // ---- completion ----------------------------------------------------------------------

  /** The response is complete (or abandoned): wake whoever waits for the end. */
  private finish(): void {
    if (this.finished) return
    this.finished = true
    const waiters = this.endWaiters
    if (waiters !== null) {
      this.endWaiters = null
      for (const wake of waiters) wake(DISCONNECT)
    }
    const body = this.bodyWaiter
    if (body !== null) {
      this.bodyWaiter = null
      body(DISCONNECT)
    }
  }

  private markDisconnected(): void {
    this.disconnected = true
    const drain = this.drainWaiter
    if (drain !== null) {
      this.drainWaiter = null
      drain.reject(new ClientDisconnectedError())
    }
    this.finish()
  }

  private readonly onClose = (): void => {
    this.responseClosed = true
    if (this.listening) this.ctx.bodyWatchdog.unwatch(this)
    if (!this.res.writableFinished) this.markDisconnected()
    else this.finish()
    this.log()
    this.onResponseDone(this.req.socket)
    if (this.appSettled) this.ctx.endRequest()
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
      this.failAfterApp()
    }
    if (this.responseClosed) this.ctx.endRequest()
  }

  private readonly onThrow = (error: unknown): void => {
    this.appSettled = true
    if (!(isClientDisconnected(error) && this.disconnected) && error !== this.failure) {
      this.ctx.logger.error(`exception in application: ${this.describe()}`, error)
      if (!this.disconnected) this.failAfterApp()
    }
    if (this.responseClosed) this.ctx.endRequest()
  }

  /** The app is done but the response is not: a 500 if nothing was written, else abort. */
  private failAfterApp(): void {
    if (this.tracker.complete || this.finished) return
    this.answer500OrAbort()
  }

  /** A 500 if nothing was written yet; otherwise the connection is cut mid-response. */
  private answer500OrAbort(): void {
    if (!this.headWritten) {
      this.headWritten = true
      writeErrorResponse(this.res, 500)
      this.finish()
    } else {
      this.abortConnection()
    }
  }

  /** Cuts the connection mid-response so the client sees it truncated (see {@link abortSocket}). */
  private abortConnection(): void {
    if (this.req.socket.destroyed) return
    this.finish()
    abortSocket(this.req.socket)
  }

  private describe(): string {
    const s = this.scope
    return `${s.method} ${s.rawPath}${s.queryString ? `?${s.queryString}` : ''}`
  }

  private log(): void {
    const logger = this.ctx.logger
    if (!this.ctx.options.accessLog) return
    const s = this.scope
    const client = s.client ? `${s.client.host}:${s.client.port}` : '-'
    const status = this.headWritten ? String(this.res.statusCode) : '-'
    const ms = (performance.now() - this.startedAt).toFixed(1)
    const gone = this.disconnected ? ' (client disconnected)' : ''
    logger.access(
      `${client} - "${this.describe()} HTTP/${s.httpVersion}" ${status} ${this.tracker.bytesSent + this.fileBytes}B ${ms}ms${gone}`,
    )
  }
}
