/**
 * One HTTP request driven through an application in memory, with the rules a real server
 * applies (SPEC.md §5): ordering through the shared tracker, `http.disconnect` after the
 * response or the client is gone, lazy `100 Continue`, backpressure, disconnects.
 *
 * @module
 */
import type { Application, SendEvent } from '../application.ts'
import { callApplication } from '../call-application.ts'
import type { HeaderList } from '../common.ts'
import { type Deferred, deferred } from '../deferred.ts'
import {
  ClientDisconnectedError,
  ContentLengthError,
  IncompleteResponseError,
  isClientDisconnected,
  ProtocolError,
} from '../errors.ts'
import { getHeader } from '../headers.ts'
import type { HTTPDisconnectEvent, HTTPIncomingEvent, HTTPScope } from '../http.ts'
import { HTTPResponseTracker } from '../http-response-tracker.ts'
import { type BodyInit, bodyChunks, ChunkQueue } from './body.ts'

const DISCONNECT: HTTPDisconnectEvent = Object.freeze({
  type: 'http.disconnect',
}) as HTTPDisconnectEvent
const utf8 = new TextEncoder()

/** How an exchange behaves; see `TestClientOptions`. */
export interface ExchangeOptions {
  body: BodyInit | undefined
  highWaterMark: number
  signal: AbortSignal | undefined
}

/**
 * One request the test client drives in memory, and its state as the test sees it (the
 * in-memory counterpart of a server's exchange over a socket).
 */
export class MemoryHTTPExchange {
  readonly scope: HTTPScope
  readonly tracker: HTTPResponseTracker
  readonly queue: ChunkQueue
  /** Contract violations, in order. */
  readonly violations: ProtocolError[] = []
  /** Every event the application sent, accepted or not. */
  readonly sent: SendEvent[] = []
  /** Trailer fields received. */
  trailers: HeaderList = []
  /** Whether `100 Continue` would have been sent (the request expected it and the app read). */
  continueSent = false
  /** Whether the client side is gone. */
  disconnected = false
  /** Whether the response ended without being complete (the server would abort the connection). */
  truncated = false
  /** How many `http.disconnect` events the application was given. */
  disconnectsDelivered = 0
  /** The error the application threw, unless it was the disconnect it was told about. */
  appError: unknown = undefined
  /** Settles when the response has started (or the app finished without starting it). */
  readonly started: Deferred<void> = deferred()
  /** Settles when the application's call has settled. */
  readonly done: Deferred<void> = deferred()
  private readonly body: AsyncGenerator<[Uint8Array, boolean]>
  private bodyDone = false
  private receiving: Promise<unknown> = Promise.resolve()
  private readonly gone: Deferred<void> = deferred()
  private readonly waiters: Array<(event: HTTPDisconnectEvent) => void> = []
  private failure: ProtocolError | undefined = undefined

  constructor(scope: HTTPScope, options: ExchangeOptions) {
    this.scope = scope
    this.tracker = new HTTPResponseTracker(scope.method, scope.extensions)
    this.queue = new ChunkQueue(options.highWaterMark)
    this.body = bodyChunks(options.body)
    const { signal } = options
    if (signal) {
      if (signal.aborted) this.disconnect()
      else signal.addEventListener('abort', () => this.disconnect(), { once: true })
    }
  }

  /** Runs the application; `done` settles with it. */
  run(app: Application): void {
    const receive = (): Promise<HTTPIncomingEvent> => {
      const next = this.receiving.then(() => this.nextEvent())
      this.receiving = next.catch(() => {})
      return next
    }
    const send = (event: SendEvent): Promise<void> => this.send(event)
    callApplication(
      app,
      this.scope,
      receive,
      send,
      () => this.settle(undefined, false),
      (error) => this.settle(error, true),
    )
  }

  /** Simulates the client going away. */
  disconnect(): void {
    if (this.disconnected) return
    this.disconnected = true
    this.gone.resolve()
    this.wakeReceivers()
    this.queue.releaseWriters()
  }

  private async nextEvent(): Promise<HTTPIncomingEvent> {
    if (this.disconnected || this.tracker.complete || this.failure) return this.deliverDisconnect()
    if (!this.bodyDone) {
      if (
        !this.continueSent &&
        getHeader(this.scope.headers, 'expect')?.toLowerCase() === '100-continue'
      ) {
        this.continueSent = true
      }
      let step: IteratorResult<[Uint8Array, boolean]> | undefined
      try {
        step = await Promise.race([this.body.next(), this.gone.promise.then(() => undefined)])
      } catch {
        // A request body source that fails is a client that broke off its upload.
        this.disconnect()
      }
      if (!step || this.disconnected) return this.deliverDisconnect()
      if (step.done) {
        this.bodyDone = true
        return { type: 'http.request', body: new Uint8Array(0), moreBody: false }
      }
      const [body, moreBody] = step.value
      if (!moreBody) this.bodyDone = true
      return { type: 'http.request', body, moreBody }
    }
    // Body fully read: the next event is the disconnect, once the response completes or the client goes.
    await new Promise<HTTPDisconnectEvent>((resolve) => this.waiters.push(resolve))
    return this.deliverDisconnect()
  }

  private deliverDisconnect(): HTTPDisconnectEvent {
    this.disconnectsDelivered++
    return DISCONNECT
  }

  private wakeReceivers(): void {
    for (const wake of this.waiters.splice(0)) wake(DISCONNECT)
  }

  private async send(event: SendEvent): Promise<void> {
    if (this.disconnected) throw new ClientDisconnectedError()
    this.sent.push(event)
    if (this.failure) throw this.failure
    const wasStarted = this.tracker.started
    try {
      this.tracker.accept(event)
    } catch (error) {
      if (error instanceof ContentLengthError && this.tracker.complete) {
        // Shortfall on the final body: the bytes go out, then the server closes the connection.
        if (event.type === 'http.response.body' && event.body) await this.queue.push(event.body)
        this.truncated = true
        this.finish()
      }
      throw this.violate(error)
    }
    if (!wasStarted) this.started.resolve()
    switch (event.type) {
      case 'http.response.body':
        if (event.body && event.body.byteLength > 0 && !this.tracker.bodyless) {
          await this.queue.push(event.body)
          if (this.disconnected) throw new ClientDisconnectedError()
        }
        break
      case 'http.response.pathsend':
        await this.sendFile(event.path)
        break
      case 'http.response.trailers':
        this.trailers = this.trailers.concat(event.headers ?? [])
        break
    }
    if (this.tracker.complete) this.finish()
  }

  private async sendFile(path: string): Promise<void> {
    const { readFile } = await import('node:fs/promises')
    let data: Uint8Array
    try {
      data = await readFile(path)
    } catch (error) {
      this.truncated = true
      this.finish()
      throw error
    }
    if (!this.tracker.bodyless) await this.queue.push(data)
  }

  private violate(error: unknown): unknown {
    if (error instanceof ProtocolError) {
      this.violations.push(error)
      this.failure ??= error
    }
    return error
  }

  private finish(): void {
    this.queue.end()
    this.wakeReceivers()
  }

  private settle(error: unknown, threw: boolean): void {
    if (threw && !(isClientDisconnected(error) && this.disconnected)) this.appError = error
    if (!this.disconnected && !threw && !this.failure) {
      if (!this.tracker.started) this.violate(new IncompleteResponseError('start'))
      else if (!this.tracker.complete) this.violate(new IncompleteResponseError('body'))
    }
    if (!this.tracker.started && !this.disconnected) this.respondWithError()
    else if (!this.tracker.complete) this.truncated = true
    this.started.resolve()
    this.finish()
    this.done.resolve()
  }

  /** What a server does when the application fails before starting the response: a plain 500. */
  private respondWithError(): void {
    const body = utf8.encode('Internal Server Error')
    this.tracker.status = 500
    this.tracker.headers = [
      ['content-type', 'text/plain; charset=utf-8'],
      ['content-length', String(body.byteLength)],
      ['connection', 'close'],
    ]
    void this.queue.push(body)
  }
}
