/**
 * The ordering rules of an HTTP response (SPEC.md §5.3) as a small state machine that servers,
 * test clients and checkers share, so they all accept and reject exactly the same sequences.
 *
 * @module
 */
import type { SendEvent } from './application.ts'
import type { Extensions, HeaderList } from './common.ts'
import { ContentLengthError, InvalidEventError, UnexpectedEventError } from './errors.ts'
import { checkHeaderList } from './fields.ts'
import { isBodylessResponse } from './status.ts'
import { validateSendEvent } from './validate.ts'

/** Where a response is: waiting for its start, its body, its trailers, or complete. */
export type HTTPResponsePhase = 'start' | 'body' | 'trailers' | 'complete'

const EMPTY: HeaderList = []

/** Whether `value` is one or more ASCII digits (a loop: cheaper than a regexp for a few chars). */
function isDecimal(value: string): boolean {
  const n = value.length
  if (n === 0) return false
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/**
 * Whether `event` is a well-formed `http.response.start` or `http.response.body`: the same
 * checks as {@link validateSendEvent}, written for the two events of nearly every response
 * (no rule lookup, no context object). `true` proves the full validator would accept it;
 * `false` only sends the event to the full validator, which finds and names the problem, so a
 * malformed event is rejected with the same error as before. Profiled: the generic path was
 * most of the tracker's cost per response.
 */
function isWellFormed(event: SendEvent, extensions: Extensions | undefined): boolean {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return false
  const e = event as unknown as Record<string, unknown>
  const type = e.type
  if (type === 'http.response.body') {
    const body = e.body
    const more = e.moreBody
    return (
      (body === undefined || body instanceof Uint8Array) &&
      (more === undefined || more === true || more === false)
    )
  }
  if (type !== 'http.response.start') return false
  const status = e.status
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599)
    return false
  const trailers = e.trailers
  if (trailers !== undefined && trailers !== false) {
    if (trailers !== true) return false
    if (extensions && !extensions['http.response.trailers']) return false
  }
  const headers = e.headers
  return headers === undefined || checkHeaderList(headers, 'headers') === undefined
}

/**
 * Tracks one HTTP response and rejects events its state does not allow: a body before the
 * start, a second start, anything after the end, a body past the declared `Content-Length`,
 * pathsend mixed with body events, trailers that were not announced.
 *
 * Every field is set in the constructor so the object keeps one shape on the hot path.
 */
export class HTTPResponseTracker {
  /** Current phase. */
  phase: HTTPResponsePhase = 'start'
  /** Status from `http.response.start` (0 before it). */
  status = 0
  /** Headers from `http.response.start`. */
  headers: HeaderList = EMPTY
  /** Whether body bytes are dropped: HEAD requests and 204/304 responses (set at start). */
  bodyless = false
  /** Declared `Content-Length`, or -1 when the application declared none. */
  contentLength = -1
  /** Body bytes the application has sent so far (dropped ones included). */
  bytesSent = 0
  /** Whether the application announced trailers. */
  trailers = false
  /** Whether the body was sent through `http.response.pathsend`. */
  pathsend = false
  private readonly method: string
  private readonly extensions: Extensions | undefined
  private readonly validate: boolean

  /**
   * @param method The request method (HEAD responses drop their body).
   * @param extensions The extensions offered; extension events are refused when absent.
   * @param validate Whether to check event shapes too (turn off only if validated elsewhere).
   */
  constructor(method: string, extensions?: Extensions, validate = true) {
    this.method = method
    this.extensions = extensions
    this.validate = validate
  }

  /** Whether `http.response.start` has been accepted. */
  get started(): boolean {
    return this.phase !== 'start'
  }

  /** Whether the response is complete: final body (and trailers) accepted. */
  get complete(): boolean {
    return this.phase === 'complete'
  }

  /**
   * Records `event` or throws why it is not allowed now: `InvalidEventError` (shape),
   * `UnexpectedEventError` (order) or `ContentLengthError` (framing). A shortfall against the
   * declared length is detected on the final body: the tracker completes, then throws.
   */
  accept(event: SendEvent): void {
    if (this.validate && !isWellFormed(event, this.extensions)) {
      const error = validateSendEvent(event, { scopeType: 'http', extensions: this.extensions })
      if (error) throw error
    }
    switch (event.type) {
      case 'http.response.start':
        if (this.phase !== 'start')
          throw this.unexpected(event.type, 'twice: the response has already started')
        this.start(event.status, event.headers ?? EMPTY, event.trailers === true)
        return
      case 'http.response.body': {
        if (this.phase !== 'body') throw this.outOfOrder(event.type)
        const size = event.body ? event.body.byteLength : 0
        if (
          !this.bodyless &&
          this.contentLength >= 0 &&
          this.bytesSent + size > this.contentLength
        ) {
          throw new ContentLengthError(this.contentLength, this.bytesSent + size)
        }
        this.bytesSent += size
        if (event.moreBody !== true) this.finishBody()
        return
      }
      case 'http.response.pathsend':
        if (this.phase !== 'body') throw this.outOfOrder(event.type)
        if (this.bytesSent > 0)
          throw this.unexpected(event.type, 'after http.response.body: the two cannot be mixed')
        this.pathsend = true
        this.phase = this.trailers ? 'trailers' : 'complete'
        return
      case 'http.response.trailers':
        if (this.phase !== 'trailers') {
          throw this.unexpected(
            event.type,
            this.phase === 'start'
              ? 'before http.response.start'
              : !this.trailers
                ? 'without trailers: true in http.response.start'
                : this.phase === 'body'
                  ? 'before the final body'
                  : 'after the response is complete',
          )
        }
        if (event.moreTrailers !== true) this.phase = 'complete'
        return
      default:
        throw new InvalidEventError(event.type, 'type', 'belongs to another scope type, not http')
    }
  }

  private start(status: number, headers: HeaderList, trailers: boolean): void {
    let contentLength = -1
    for (let i = 0; i < headers.length; i++) {
      // By index, not destructured (the iterator protocol, per header of every response).
      const pair = headers[i]!
      const name = pair[0]
      // The lowercase spelling first: a copy per header only for names written otherwise.
      if (
        name.length !== 14 ||
        (name !== 'content-length' && name.toLowerCase() !== 'content-length')
      )
        continue
      const value = pair[1]
      if (contentLength !== -1 || !isDecimal(value)) {
        throw new InvalidEventError(
          'http.response.start',
          `headers[${i}][1]`,
          contentLength !== -1
            ? 'is a second content-length header'
            : `must be a decimal content-length, got ${JSON.stringify(value)}`,
        )
      }
      contentLength = Number(value)
    }
    this.status = status
    this.headers = headers
    this.trailers = trailers
    this.contentLength = contentLength
    this.bodyless = isBodylessResponse(status, this.method)
    this.phase = 'body'
  }

  private finishBody(): void {
    this.phase = this.trailers ? 'trailers' : 'complete'
    if (!this.bodyless && this.contentLength >= 0 && this.bytesSent < this.contentLength) {
      throw new ContentLengthError(this.contentLength, this.bytesSent)
    }
  }

  private outOfOrder(type: string): UnexpectedEventError {
    switch (this.phase) {
      case 'start':
        return this.unexpected(type, 'before http.response.start')
      case 'trailers':
        return this.unexpected(type, 'after the final body: only http.response.trailers may follow')
      case 'complete':
        return this.unexpected(type, 'after the response is complete')
      default:
        return this.unexpected(type, 'now')
    }
  }

  private unexpected(type: string, reason: string): UnexpectedEventError {
    return new UnexpectedEventError(type, this.phase, reason)
  }
}
