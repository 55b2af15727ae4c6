/**
 * What the test client hands back: a buffered {@link TestResponse}, or a
 * {@link StreamingResponse} read as the application sends.
 *
 * @module
 */
import type { SendEvent } from '../application.ts'
import type { HeaderList } from '../common.ts'
import type { ProtocolError } from '../errors.ts'
import { getHeader, getHeaderValues } from '../headers.ts'
import { concat } from './body.ts'
import type { MemoryHTTPExchange } from './http-exchange.ts'

const utf8 = new TextDecoder()

/** A complete response, read into memory. */
export class TestResponse {
  /** Status code (500 when the application failed before starting its response). */
  readonly status: number
  /** Response headers as the application sent them. */
  readonly headers: HeaderList
  /** The body bytes (none for HEAD, 204 and 304, as on the wire). */
  readonly body: Uint8Array
  /** Trailer fields (extension `http.response.trailers`). */
  readonly trailers: HeaderList
  /** Whether the server would have sent `100 Continue`: the request expected it and the app read its body. */
  readonly continueSent: boolean
  /** Whether the response ended incomplete (a real client would see a truncated response). */
  readonly truncated: boolean
  /** Contract violations (only non-empty when the client is not strict). */
  readonly violations: readonly ProtocolError[]
  /** Every event the application sent, in order. */
  readonly events: readonly SendEvent[]

  constructor(exchange: MemoryHTTPExchange, body: Uint8Array) {
    this.status = exchange.tracker.status
    this.headers = exchange.tracker.headers
    this.body = body
    this.trailers = exchange.trailers
    this.continueSent = exchange.continueSent
    this.truncated = exchange.truncated
    this.violations = exchange.violations
    this.events = exchange.sent
  }

  /** The first value of a response header, case-insensitively. */
  header(name: string): string | undefined {
    return getHeader(this.headers, name)
  }

  /** Every value of a response header (e.g. each `set-cookie`). */
  headerValues(name: string): string[] {
    return getHeaderValues(this.headers, name)
  }

  /** The body decoded as UTF-8. */
  text(): string {
    return utf8.decode(this.body)
  }

  /** The body parsed as JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T
  }
}

/** A response whose body is read while the application is still sending it. */
export class StreamingResponse implements AsyncIterable<Uint8Array> {
  /** Status code. */
  readonly status: number
  /** Response headers. */
  readonly headers: HeaderList
  private readonly exchange: MemoryHTTPExchange
  private readonly finished: () => Promise<void>

  constructor(exchange: MemoryHTTPExchange, finished: () => Promise<void>) {
    this.exchange = exchange
    this.status = exchange.tracker.status
    this.headers = exchange.tracker.headers
    this.finished = finished
  }

  /** The first value of a response header, case-insensitively. */
  header(name: string): string | undefined {
    return getHeader(this.headers, name)
  }

  /** The next body chunk as the application sent it, or `null` once the body is complete. */
  read(): Promise<Uint8Array | null> {
    return this.exchange.queue.read()
  }

  /** Body chunks as they arrive. */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (let chunk = await this.read(); chunk !== null; chunk = await this.read()) yield chunk
  }

  /** The rest of the body, buffered. */
  async bytes(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = []
    for await (const chunk of this) chunks.push(chunk)
    return concat(chunks)
  }

  /** The rest of the body as UTF-8 text. */
  async text(): Promise<string> {
    return utf8.decode(await this.bytes())
  }

  /** Unread body bytes buffered between the application and this reader. */
  get buffered(): number {
    return this.exchange.queue.size
  }

  /** Trailers received so far (complete once {@link done} resolved). */
  get trailers(): HeaderList {
    return this.exchange.trailers
  }

  /** Whether the response ended incomplete. */
  get truncated(): boolean {
    return this.exchange.truncated
  }

  /** Simulates the client going away: the app's `receive()` yields `http.disconnect`, `send()` rejects. */
  disconnect(): void {
    this.exchange.disconnect()
  }

  /**
   * Resolves once the application's call has settled; rejects with the first contract
   * violation (strict clients) or the application's own error (when it rethrows).
   */
  done(): Promise<void> {
    return this.finished()
  }
}
