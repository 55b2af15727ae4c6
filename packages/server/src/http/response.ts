/**
 * The response half of an exchange: `send()` checked by the shared ordering tracker, the held
 * start written with the first body (a small whole response in one write), real write
 * backpressure, pathsend, and the one way a failed response ends (answered or aborted). The
 * request half, and the application's call, are {@link NodeHTTPExchange}'s (exchange.ts).
 *
 * A base class rather than a second object: one allocation per request, one object shape, and
 * the state both halves read (finished / disconnected / failure) kept in one place.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  ClientDisconnectedError,
  ContentLengthError,
  type HeaderList,
  type HTTPIncomingEvent,
  HTTPResponseTracker,
  type HTTPScope,
  type SendEvent,
  statusText,
} from '@tsgi/protocol'
import type { ServerContext } from '../context.ts'
import { oneWriteBody, responseHead, trailersAllowed } from './head.ts'
import { sendFile } from './pathsend.ts'
import type { RequestBody } from './request-body.ts'
import { abortSocket, writeErrorResponse } from './wire.ts'

const EMPTY = new Uint8Array(0)
/**
 * Largest body sent joined to the head in one write (see {@link oneWriteBody}). Measured on
 * raw node:http, alternating: one write saves 1–3 µs per response up to 4 KiB and costs about
 * as much from 8 KiB (the copy into a string outweighs the second iovec).
 */
const ONE_WRITE = 4 * 1024
/** What `receive()` yields once the response is over. */
export const DISCONNECT: HTTPIncomingEvent = Object.freeze({ type: 'http.disconnect' })
const RESOLVED = Promise.resolve()
type EndResolve = (event: HTTPIncomingEvent) => void

/** The response side of one exchange (see the module comment). */
export class ExchangeResponse {
  readonly scope: HTTPScope
  readonly tracker: HTTPResponseTracker
  protected readonly req: IncomingMessage
  protected readonly res: ServerResponse
  protected readonly ctx: ServerContext
  /** The request body, when the request announced one (set by the exchange). */
  protected body: RequestBody | null = null
  /** `receive()` calls waiting for the end of the response (the body is fully read). */
  protected endWaiters: EndResolve[] | null = null
  private drainWaiter: { resolve: () => void; reject: (e: unknown) => void } | null = null
  protected headWritten = false
  /** The response is complete (ended), or the connection is gone: `receive()` yields disconnect. */
  protected finished = false
  /** The client went away before the response completed. */
  protected disconnected = false
  /** The contract violation or I/O error that ended the response, if any. */
  protected failure: Error | null = null
  private trailers: HeaderList | null = null
  /** Bytes of the file sent by pathsend (the tracker counts body events only). */
  protected fileBytes = 0

  constructor(req: IncomingMessage, res: ServerResponse, ctx: ServerContext, scope: HTTPScope) {
    this.req = req
    this.res = res
    this.ctx = ctx
    this.scope = scope
    this.tracker = new HTTPResponseTracker(scope.method, scope.extensions)
    if (!ctx.options.dateHeader) res.sendDate = false
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
      if (first && this.trailers === null && body !== undefined && body.byteLength <= ONE_WRITE) {
        res.end(oneWriteBody(body), 'latin1')
        this.finish()
      } else this.end(body)
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
    this.failOrAbort(500)
  }

  private end(body?: Uint8Array): void {
    const res = this.res
    const trailers = this.trailers
    if (trailers !== null && trailersAllowed(this.scope, this.tracker)) res.addTrailers(trailers)
    res.end(body)
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
      // A shortfall: what was sent goes out, then the connection closes (the client sees it short).
      if (!this.headWritten) this.writeHead(undefined, -1)
      const res = this.res
      res.end(event.body)
      res.once('finish', () => this.req.socket.destroy())
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

  /** The client is gone: a send waiting for drain rejects, and the response is over. */
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
   * else the connection is cut mid-response so the client sees it truncated. Nothing happens
   * once the response is complete or abandoned.
   */
  protected failOrAbort(status: number, reason?: string): 'answered' | 'aborted' | 'complete' {
    if (this.finished) return 'complete'
    if (!this.headWritten) {
      this.headWritten = true
      writeErrorResponse(this.res, status, reason)
      this.finish()
      return 'answered'
    }
    this.abortConnection()
    return 'aborted'
  }

  /** Cuts the connection mid-response so the client sees it truncated (see {@link abortSocket}). */
  private abortConnection(): void {
    if (this.req.socket.destroyed) return
    this.finish()
    abortSocket(this.req.socket)
  }

  /** `METHOD /path?query`, for log lines. */
  protected describe(): string {
    const s = this.scope
    return `${s.method} ${s.rawPath}${s.queryString ? `?${s.queryString}` : ''}`
  }
}
