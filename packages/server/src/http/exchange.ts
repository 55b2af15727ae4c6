/**
 * One HTTP request/response exchange over node:http: the scope, `receive()` with lazy
 * `100 Continue` (the body itself is read by request-body.ts), the application's call, and
 * what happens when it fails, returns early, or the client leaves. The response side (`send()`,
 * the head, backpressure, the failed-response path) is the base class in response.ts.
 *
 * Hot path: every field is set in the constructor (one object shape), the start event is held
 * until the first body so a single-chunk response goes out with a Content-Length in one write,
 * and a request without a body never touches the request stream.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import {
  callApplication,
  type HTTPIncomingEvent,
  IncompleteResponseError,
  isClientDisconnected,
  TSGI_VERSION,
} from '@tsgi/protocol'
import type { ServerContext } from '../context.ts'
import { type AccessEntry, formatAccessLine } from '../logging/format.ts'
import { connectionFields } from '../scope/scope.ts'
import { type BodyOwner, NOTHING_MORE, RequestBody } from './request-body.ts'
import { DISCONNECT, ExchangeResponse } from './response.ts'

const DISCONNECTED = Promise.resolve(DISCONNECT)
/** The log line (before the request) when the app returned with its start still held. */
const HELD_START_RETURNED =
  'the application returned after http.response.start without sending the body: answered 500 instead of the held start'

/** One request. Created by the dispatcher, which calls {@link run}. */
export class NodeHTTPExchange extends ExchangeResponse implements BodyOwner {
  /** The dispatcher's, shared by all exchanges: called with this request's socket. */
  private readonly onResponseDone: (socket: Socket) => void
  private readonly startedAt: number
  private expectContinue: boolean
  /** A request without a body: its one `http.request` event has been returned. */
  private bodyDone = false
  private appSettled = false
  private responseClosed = false

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: ServerContext,
    expectContinue: boolean,
    onResponseDone: (socket: Socket) => void,
  ) {
    const fields = connectionFields(req, ctx, ctx.httpExtensions)
    const v = req.httpVersion
    super(req, res, ctx, {
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
    })
    this.expectContinue = expectContinue
    this.onResponseDone = onResponseDone
    // The clock is read only when an access line will need the duration.
    this.startedAt = ctx.options.accessLog ? performance.now() : 0
    if (fields.hasBody)
      this.body = new RequestBody(req, fields.contentLength, ctx.bodyWatchdog, this)
  }

  /** Calls the application. */
  run(): void {
    this.res.on('close', this.onClose)
    this.ctx.beginRequest()
    callApplication(this.ctx.app, this.scope, this.receive, this.send, this.onReturn, this.onThrow)
  }

  /** The application's `receive`: the body's events, then the disconnect once the response is over. */
  readonly receive = (): Promise<HTTPIncomingEvent> => {
    if (this.finished || this.failure !== null) return DISCONNECTED
    if (this.expectContinue) {
      this.expectContinue = false
      if (!this.headWritten) this.res.writeContinue()
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

  /** Called by the body: the client sent no body bytes in time. */
  bodyTimedOut(): void {
    if (this.body?.waiting !== true || this.finished) return
    this.ctx.logger.warn(
      `request body timed out after ${this.ctx.options.timeoutRequestBody}s: ${this.describe()}`,
    )
    this.failOrAbort(408)
    this.markDisconnected()
  }

  /**
   * The request body's framing broke after the application started (client-error.ts):
   * `status` (with `reason`) if nothing was written yet, else the connection is cut; either way
   * the application sees the client gone. Returns what happened, for the log line.
   */
  rejectBody(status: number, reason: string): 'answered' | 'aborted' | 'complete' {
    if (this.finished) return 'complete'
    this.body?.stop()
    const outcome = this.failOrAbort(status, reason)
    this.markDisconnected()
    return outcome
  }

  private readonly onClose = (): void => {
    this.responseClosed = true
    this.body?.stop()
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
      this.failOrAbort(500)
    }
    if (this.responseClosed) this.ctx.endRequest()
  }

  private readonly onThrow = (error: unknown): void => {
    this.appSettled = true
    if (!(isClientDisconnected(error) && this.disconnected) && error !== this.failure) {
      this.ctx.logger.error(`exception in application: ${this.describe()}`, error)
      // The app is done but the response is not: a 500 if nothing was written, else abort.
      if (!this.disconnected && !this.tracker.complete) this.failOrAbort(500)
    }
    if (this.responseClosed) this.ctx.endRequest()
  }

  private log(): void {
    const logger = this.ctx.logger
    if (!this.ctx.options.accessLog) return
    const s = this.scope
    const entry: AccessEntry = {
      client: s.client ? `${s.client.host}:${s.client.port}` : null,
      method: s.method,
      path: s.queryString ? `${s.rawPath}?${s.queryString}` : s.rawPath,
      httpVersion: s.httpVersion,
      status: this.headWritten ? this.res.statusCode : null,
      bytes: this.tracker.bytesSent + this.fileBytes,
      duration: performance.now() - this.startedAt,
      disconnected: this.disconnected,
    }
    logger.access(formatAccessLine(entry), entry)
  }
}
