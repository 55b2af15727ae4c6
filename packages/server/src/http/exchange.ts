/**
 * One HTTP request/response exchange over node:http: the scope, and the transport of the shared
 * exchange core (exchange/core.ts, which has `send()`, `receive()`, the application's call and
 * every failure rule): the head by `res.writeHead`, a small whole response in one write, the
 * `100 Continue`, trailers when the client accepts them, and a failure after the head cutting
 * the connection. The request body is read by request-body.ts.
 *
 * Hot path: every field is set in the constructors (one object shape), the start event is held
 * until the first body so a single-chunk response goes out with a Content-Length in one write,
 * and a request without a body never touches the request stream.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { statusText, TSGI_VERSION } from '@tsgi/protocol'
import type { ServerContext } from '../context.ts'
import { ExchangeCore } from '../exchange/core.ts'
import { RequestBody } from '../exchange/request-body.ts'
import { connectionFields } from '../scope/scope.ts'
import { oneWriteBody, responseHead, trailersAllowed } from './head.ts'
import { abortSocket, writeErrorResponse } from './wire.ts'

/**
 * Largest body sent joined to the head in one write (see {@link oneWriteBody}). Measured on
 * raw node:http, alternating: one write saves 1–3 µs per response up to 4 KiB and costs about
 * as much from 8 KiB (the copy into a string outweighs the second iovec).
 */
const ONE_WRITE = 4 * 1024

/** One request. Created by the dispatcher, which calls {@link run}. */
export class NodeHTTPExchange extends ExchangeCore {
  private readonly req: IncomingMessage
  private readonly res: ServerResponse
  /** The dispatcher's, shared by all exchanges: called with this request's socket. */
  private readonly onResponseDone: (socket: Socket) => void

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: ServerContext,
    expectContinue: boolean,
    onResponseDone: (socket: Socket) => void,
  ) {
    const fields = connectionFields(req, ctx, ctx.httpExtensions)
    const v = req.httpVersion
    super(
      ctx,
      {
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
      },
      res,
    )
    this.req = req
    this.res = res
    this.onResponseDone = onResponseDone
    this.expectContinue = expectContinue
    if (!ctx.options.dateHeader) res.sendDate = false
    if (fields.hasBody)
      this.body = new RequestBody(req, req, fields.contentLength, ctx.bodyWatchdog, this)
  }

  /** Calls the application. */
  run(): void {
    this.res.on('close', this.onClose)
    this.call()
  }

  /** The response being written (for client-error.ts to match the socket's). */
  override get response(): ServerResponse {
    return this.res
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

  protected writeHead(finalBody: Uint8Array | undefined, knownLength: number): void {
    this.headWritten = true
    const status = this.tracker.status
    // RFC 9110's reason phrase (413 Content Too Large), not node:http's older one (Payload Too Large).
    this.res.writeHead(
      status,
      statusText(status) || undefined,
      responseHead(this.tracker, this.ctx, finalBody, knownLength),
    )
  }

  protected end(body: Uint8Array | undefined, first: boolean): void {
    const res = this.res
    const trailers = this.trailers
    if (first && trailers === null && body !== undefined && body.byteLength <= ONE_WRITE) {
      res.end(oneWriteBody(body), 'latin1')
      return
    }
    if (trailers !== null && trailersAllowed(this.scope, this.tracker)) res.addTrailers(trailers)
    res.end(body)
  }

  protected endShort(body: Uint8Array | undefined): void {
    // What was sent goes out, then the connection closes (the client sees the body short).
    const res = this.res
    res.end(body)
    res.once('finish', () => this.req.socket.destroy())
  }

  protected writeError(status: number, reason: string | undefined): void {
    writeErrorResponse(this.res, status, reason)
  }

  /** Cuts the connection mid-response so the client sees it truncated (see {@link abortSocket}). */
  protected abort(): void {
    if (this.req.socket.destroyed) return
    this.finish()
    abortSocket(this.req.socket)
  }

  protected sendContinue(): void {
    this.res.writeContinue()
  }

  protected get statusSent(): number {
    return this.res.statusCode
  }

  private readonly onClose = (): void => {
    this.closedBy(!this.res.writableFinished)
    this.onResponseDone(this.req.socket)
    if (this.appSettled) this.ctx.endRequest()
  }
}
