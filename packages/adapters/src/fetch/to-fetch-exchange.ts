/**
 * One request of `toFetch`: a TSGI `http` unit driven by a `Request`, answered with a
 * `Response` whose body is the one body event as is, or a pull-based stream fed by `send()`.
 *
 * One object per request with its methods on the prototype: the closures of an exchange
 * (receive, send, the promise callbacks) are the few the app and the promises need, so a
 * request allocates little (GC was a quarter of the JavaScript time on Deno).
 *
 * @module
 */
import {
  type Application,
  ClientDisconnectedError,
  callApplication,
  type HTTPIncomingEvent,
  HTTPResponseTracker,
  type HTTPScope,
  IncompleteResponseError,
  isClientDisconnected,
  type SendEvent,
} from '@tsgi/protocol'
import { RequestBody } from './to-fetch-body.ts'
import { type FileOpener, openForPathsend } from './to-fetch-pathsend.ts'
import { closingResponse } from './to-fetch-refusal.ts'
import { responseOf } from './to-fetch-response.ts'
import type { Cuttable, InFlight } from './to-fetch-shutdown.ts'
import { ResponseStream } from './to-fetch-stream.ts'
import type { WaitUntil } from './to-fetch-wait-until.ts'

/** What a `Response` can be built with. */
type ResponseBody = ConstructorParameters<typeof Response>[0]

const EMPTY = new Uint8Array(0)
/** What `send()` returns when nothing waits: one shared settled promise, no async frame. */
const SENT = Promise.resolve()

const disconnect = (): HTTPIncomingEvent => ({ type: 'http.disconnect' })

/** Runs `app` for `request`; resolves with the `Response` once the start and first body arrived. */
export function exchange(
  app: Application,
  request: Request,
  scope: HTTPScope,
  onError: (error: unknown) => void,
  files: FileOpener | undefined,
  inFlight: InFlight,
  waitUntil?: WaitUntil,
): Promise<Response> {
  const unit = new Exchange(request, scope, onError, files, inFlight)
  const result = new Promise<Response>((resolve) => {
    unit.resolve = resolve
  })
  // In flight until the application returned: `close()` waits for it, or cuts it.
  inFlight.add(unit)
  const receive = () => unit.receive()
  const send = (event: SendEvent) => unit.send(event)
  if (waitUntil === undefined) {
    callApplication(app, scope, receive, send, unit.onReturn, unit.onThrow)
  } else {
    // A Worker cancels what runs after its response unless it is handed to ctx.waitUntil.
    waitUntil(
      new Promise<void>((ended) =>
        callApplication(
          app,
          scope,
          receive,
          send,
          () => ended(unit.onReturn()),
          (error) => ended(unit.onThrow(error)),
        ),
      ),
    )
  }
  return result
}

/** The state of one request. */
class Exchange implements Cuttable {
  readonly request: Request
  readonly tracker: HTTPResponseTracker
  readonly onError: (error: unknown) => void
  readonly files: FileOpener | undefined
  readonly inFlight: InFlight
  resolve: (response: Response) => void = noop
  answered = false
  /** The client left (or the exchange was cut): every wait ends, `send()` rejects. */
  gone = false
  /** The exchange is over for the app: the response completed, failed, or the client left. */
  finished = false
  readonly body: RequestBody
  /** Wakes a `receive()` waiting for the end of the exchange. */
  wakeEnded: (() => void) | null = null
  ended: Promise<void> | undefined = undefined
  /** The streamed body, once the answer is one. */
  stream: ResponseStream | null = null
  signal: AbortSignal | undefined = undefined
  /** The `abort` listener of `request.signal` (and the stream's cancel): the client left. */
  leave: (() => void) | undefined = undefined

  constructor(
    request: Request,
    scope: HTTPScope,
    onError: (error: unknown) => void,
    files: FileOpener | undefined,
    inFlight: InFlight,
  ) {
    this.request = request
    this.body = new RequestBody(request, this)
    this.tracker = new HTTPResponseTracker(scope.method, scope.extensions)
    this.onError = onError
    this.files = files
    this.inFlight = inFlight
  }

  depart(): void {
    if (this.gone) return
    this.gone = true
    this.wake()
    this.stream?.wake()
    this.body.cancel()
  }

  /**
   * `request.signal` is watched only once the app waits on this exchange (a streamed body
   * read, the wait for `http.disconnect`, backpressure, a file, a streamed answer): touching
   * it makes Deno create the signal and abort it, DOMException and all, after every delivered
   * response (~5 µs a request, ~7 on a POST). Before that, a client leaving changes nothing
   * the app could see: its answer is dropped. A small body read whole needs no signal: a body
   * cut short fails that read (Bun, Deno), which is the client leaving.
   */
  watch(): void {
    if (this.signal !== undefined) return
    const signal = this.request.signal
    this.signal = signal
    if (signal.aborted) this.depart()
    else signal.addEventListener('abort', this.leaver(), { once: true })
  }

  leaver(): () => void {
    this.leave ??= () => this.depart()
    return this.leave
  }

  wake(): void {
    this.finished = true
    this.body.interrupt()
    this.wakeEnded?.()
  }

  receive(): Promise<HTTPIncomingEvent> {
    if (this.gone || this.tracker.complete) return Promise.resolve(disconnect())
    if (this.body.whole) return this.body.readWhole()
    return this.receiveSlow()
  }

  async receiveSlow(): Promise<HTTPIncomingEvent> {
    this.watch()
    if (this.gone) return disconnect()
    if (!this.body.done) return this.body.readNext()
    if (!this.finished) {
      this.ended ??= new Promise<void>((r) => {
        this.wakeEnded = r
      })
      await this.ended
    }
    return disconnect()
  }

  answer(body: ResponseBody, size?: number): void {
    this.answered = true
    const tracker = this.tracker
    if (tracker.bodyless && body instanceof ReadableStream) body.cancel().catch(noop)
    this.resolve(responseOf(tracker, tracker.bodyless ? null : body, size))
  }

  send(event: SendEvent): Promise<void> {
    try {
      return this.deliver(event)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** One event, synchronously where nothing waits (the common case: no async frame at all). */
  deliver(event: SendEvent): Promise<void> {
    const tracker = this.tracker
    // After the response completed, an event is the app's mistake whether or not the client
    // is still there (Deno aborts `request.signal` once a response is delivered).
    if (tracker.complete) tracker.accept(event)
    if (this.gone) throw new ClientDisconnectedError()
    tracker.accept(event)
    if (event.type === 'http.response.pathsend' && this.files !== undefined)
      return this.sendFile(this.files, event.path)
    if (event.type !== 'http.response.body') return SENT
    const body = event.body ?? EMPTY
    const more = event.moreBody === true
    if (!this.answered) {
      if (!more || tracker.bodyless) {
        // The whole body at once: the bytes are the `Response` body, no stream machinery.
        this.answer(more ? null : body)
        if (!more) this.wake()
        return SENT
      }
      // A streamed answer lasts: the client may leave at any point of it.
      this.watch()
      this.stream = new ResponseStream(this.leaver())
      this.answer(this.stream.readable)
    }
    const stream = this.stream
    if (stream === null) {
      if (!more) this.wake()
      return SENT
    }
    stream.enqueue(body)
    if (!more) {
      stream.close()
      this.wake()
      return SENT
    }
    return stream.full ? this.drained(stream) : SENT
  }

  /** Backpressure: waits until the client read the queue below the high-water mark. */
  async drained(stream: ResponseStream): Promise<void> {
    this.watch()
    while (!this.gone && stream.full) await stream.nextPull()
    if (this.gone) throw new ClientDisconnectedError()
  }

  async sendFile(files: FileOpener, path: string): Promise<void> {
    this.watch()
    // Rejects with the file's error (the app's failure then makes the 500).
    const file = await openForPathsend(files, path, this.tracker.headers)
    if (this.gone) {
      if (file.body instanceof ReadableStream) file.body.cancel().catch(noop)
      throw new ClientDisconnectedError()
    }
    this.answer(file.body, file.size)
    this.wake()
  }

  fail(error: unknown): void {
    // After the client left, nothing is an application error and nobody reads the answer.
    if (!this.gone && !isClientDisconnected(error)) this.onError(error)
    if (!this.answered) {
      // Nothing was written yet (a start alone is held until its first body): a 500 that
      // closes the connection, as the reference server answers.
      this.answered = true
      this.resolve(
        this.gone
          ? new Response(null, { status: 500 })
          : closingResponse(500, 'Internal Server Error'),
      )
    } else if (this.stream !== null) {
      // What was queued reaches the client, then the stream errors and the runtime cuts.
      this.watch()
      void this.stream.cut(error, () => this.gone)
    }
    this.wake()
  }

  /** The graceful-shutdown deadline passed with this request in flight (`close()`). */
  cut(): void {
    this.inFlight.delete(this)
    const streaming = this.answered && !this.tracker.complete
    this.depart()
    if (!this.answered) {
      this.answered = true
      this.resolve(closingResponse(503, 'Service Unavailable'))
    } else if (streaming) this.stream?.error(new Error('toFetch: shut down mid-response'))
  }

  readonly onReturn = (): void => this.returned()
  readonly onThrow = (error: unknown): void => this.rejected(error)

  returned(): void {
    this.inFlight.delete(this)
    // Not answered yet though complete: the last body event was refused (say it fell short of
    // its Content-Length), so nothing went out.
    if (!this.tracker.complete || !this.answered)
      this.fail(new IncompleteResponseError(this.tracker.started ? 'body' : 'start'))
    // Complete and returned: nothing waits on the client any more (a stream cancel still
    // reaches `depart`). Deno aborts the signal of every delivered response; without the
    // listener that abort costs it nothing here.
    else if (this.leave !== undefined) this.signal?.removeEventListener('abort', this.leave)
  }

  rejected(error: unknown): void {
    this.inFlight.delete(this)
    this.fail(error ?? new Error('the application rejected'))
  }
}

function noop(): void {}
