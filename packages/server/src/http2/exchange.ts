/**
 * One request/response exchange on an HTTP/2 stream (node:http2's stream API, not the compat
 * layer, which costs ~40% more CPU): the transport of the shared exchange core
 * (exchange/core.ts, which has the SPEC §5 rules: `send()`, `receive()`, the held start, the
 * application's call and every failure rule). What differs from HTTP/1.1 is here: the head is
 * `stream.respond` (ending the stream for HEAD/204/304, or waiting for trailers), a failure
 * after the head resets this stream (RST_STREAM INTERNAL_ERROR) and never the session or its
 * socket, a client's RST_STREAM is the `http.disconnect` of this stream only, and `100
 * Continue` is an informational HEADERS frame.
 *
 * @module
 */
import { constants, type ServerHttp2Stream } from 'node:http2'
import type { HTTPScope } from '@tsgi/protocol'
import type { ServerContext } from '../context.ts'
import { ExchangeCore } from '../exchange/core.ts'
import { RequestBody } from '../exchange/request-body.ts'
import { responseHead } from '../http/head.ts'
import { h2Fields, type RespondOptions, respondHead } from './response-head.ts'
import { resetStream, writeH2ErrorResponse } from './wire.ts'

const CONTINUE = /^100-continue$/i
/** `stream.respond` options, without and with the date (node only reads them: shared). */
const respondOptions = (endStream: boolean, waitForTrailers: boolean): RespondOptions[] => [
  Object.freeze({ endStream, waitForTrailers, sendDate: false }) as RespondOptions,
  Object.freeze({ endStream, waitForTrailers, sendDate: true }) as RespondOptions,
]
const END_OPTIONS = respondOptions(true, false)
const TRAILER_OPTIONS = respondOptions(false, true)
const OPEN_OPTIONS = respondOptions(false, false)

/** One request on one stream. Created by the stream handler (streams.ts), which calls {@link run}. */
export class H2Exchange extends ExchangeCore {
  private readonly stream: ServerHttp2Stream
  /** The head was sent with `waitForTrailers`: the stream ends with trailers. */
  private trailersPending = false
  private status = 0
  /** The response was ended by us (END_STREAM or trailers queued): a close after it is normal. */
  private ended = false

  constructor(
    stream: ServerHttp2Stream,
    ctx: ServerContext,
    scope: HTTPScope,
    contentLength: number,
  ) {
    super(ctx, scope, stream)
    this.stream = stream
    // END_STREAM on the HEADERS frame: no body at all; else read one (even of unknown length).
    if (!stream.endAfterHeaders && contentLength !== 0) {
      this.body = new RequestBody(stream, null, contentLength, ctx.bodyWatchdog, this)
      this.expectContinue = scope.headers.some(
        ([name, value]) => name === 'expect' && CONTINUE.test(value),
      )
    }
  }

  /** Calls the application. */
  run(): void {
    // A client's RST_STREAM while the response is open closes the stream: 'close' is this
    // stream's disconnect (no 'aborted' listener: 'close' follows it in the same turn).
    // Its 'error' listener is on since the stream arrived (streams.ts): 'close' follows one.
    this.stream.on('close', this.onClose)
    this.call()
  }

  protected writeHead(finalBody: Uint8Array | undefined, knownLength: number): void {
    this.headWritten = true
    const t = this.tracker
    this.status = t.status
    const list = responseHead(t, this.ctx, finalBody, knownLength, [':status', String(t.status)])
    // HEAD, 204 and 304 end with their head; trailers keep the stream open for them.
    const endStream = t.bodyless && t.complete
    this.trailersPending = t.trailers && !endStream
    const d = this.ctx.options.dateHeader ? 1 : 0
    const options = endStream
      ? END_OPTIONS[d]!
      : this.trailersPending
        ? TRAILER_OPTIONS[d]!
        : OPEN_OPTIONS[d]!
    try {
      respondHead(this.stream, list, options)
    } catch (error) {
      // node:http2 refuses some heads the tracker accepts (a repeated single-value field): the
      // core answers 500 instead.
      this.headWritten = false
      this.trailersPending = false
      throw error
    }
    if (endStream) {
      this.ended = true
      this.finish()
    }
  }

  protected end(body: Uint8Array | undefined): void {
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
  }

  protected endShort(body: Uint8Array | undefined): void {
    // What was sent goes out, then this stream is reset (the client sees it short).
    const stream = this.stream
    const reset = () => resetStream(stream)
    if (body !== undefined && body.byteLength > 0) stream.write(body, reset)
    else reset()
  }

  protected writeError(status: number, reason: string | undefined): void {
    this.status = status
    this.ended = true
    writeH2ErrorResponse(this.stream, this.scope.method, status, reason)
  }

  /** This stream (only) is reset. */
  protected abort(): void {
    this.finish()
    resetStream(this.stream)
  }

  protected sendContinue(): void {
    if (!this.stream.destroyed) this.stream.additionalHeaders({ ':status': 100 })
  }

  protected get statusSent(): number {
    return this.status
  }

  private readonly onClose = (): void => {
    const stream = this.stream
    // node keeps a closed stream's listeners; when V8 has pretenured node's stream objects
    // (it does, in raw node:http2 too), a stream lives until the next full GC, and through this
    // listener so would the exchange, its scope and headers: every scavenge then finds them
    // alive and V8 pretenures our allocation sites as well (bench/h2.ts: −1.9 µs per request
    // at 100 streams, in the median of 8 fresh processes).
    stream.removeListener('close', this.onClose)
    // writableFinished stays true after a client's RST: the reset code and our end decide.
    this.closedBy(!this.ended || stream.aborted || stream.rstCode !== constants.NGHTTP2_NO_ERROR)
    if (this.appSettled) this.ctx.endRequest()
  }
}
