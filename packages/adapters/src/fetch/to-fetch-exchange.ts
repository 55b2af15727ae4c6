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
  type HTTPIncomingEvent,
  HTTPResponseTracker,
  type HTTPScope,
  IncompleteResponseError,
  isClientDisconnected,
  type SendEvent,
} from '@tsgi/protocol'
import { readWhole, wholeBodyLength } from './to-fetch-body.ts'
import { type FileOpener, openForPathsend } from './to-fetch-pathsend.ts'
import { closingResponse } from './to-fetch-refusal.ts'
import { responseOf } from './to-fetch-response.ts'
import type { Cuttable, InFlight } from './to-fetch-shutdown.ts'

/** What one read of the request body gives. */
type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>
/** What a `Response` can be built with. */
type ResponseBody = ConstructorParameters<typeof Response>[0]

const EMPTY = new Uint8Array(0)
/** What `send()` returns when nothing waits: one shared settled promise, no async frame. */
const SENT = Promise.resolve()

/** Bytes the response stream holds before `send()` waits for the client to read. */
const HIGH_WATER_MARK = 64 * 1024

const disconnect = (): HTTPIncomingEvent => ({ type: 'http.disconnect' })

/** Runs `app` for `request`; resolves with the `Response` once the start and first body arrived. */
export function exchange(
  app: Application,
  request: Request,
  scope: HTTPScope,
  onError: (error: unknown) => void,
  files: FileOpener | undefined,
  inFlight: InFlight,
): Promise<Response> {
  const unit = new Exchange(request, scope, onError, files, inFlight)
  const result = new Promise<Response>((resolve) => {
    unit.resolve = resolve
  })
  // In flight until the application returned: `close()` waits for it, or cuts it.
  inFlight.add(unit)
  let running: Promise<void>
  try {
    running = app(
      scope,
      () => unit.receive(),
      (event) => unit.send(event),
    )
  } catch (error) {
    running = Promise.reject(error)
  }
  Promise.resolve(running).then(
    () => unit.returned(),
    (error: unknown) => unit.rejected(error),
  )
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
  bodyDone = false
  /**
   * The body is opened on the first `receive()`: an app that never reads it costs nothing, and
   * `request.body` is not even looked at for a small sized body (on Bun and Deno the getter
   * makes a ReadableStream of a body they already hold: ~5 µs a POST).
   */
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined = undefined
  /** Ends a pending body read early (the client left, or the exchange ended). */
  stopRead: (() => void) | null = null
  /** Wakes a `receive()` waiting for the end of the exchange. */
  wakeEnded: (() => void) | null = null
  ended: Promise<void> | undefined = undefined
  controller: ReadableStreamDefaultController<Uint8Array> | null = null
  /** Wakes a `send()` waiting for the client to read (or the cut of a failed stream). */
  pulled: (() => void) | null = null
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
    this.tracker = new HTTPResponseTracker(scope.method, scope.extensions)
    this.onError = onError
    this.files = files
    this.inFlight = inFlight
  }

  depart(): void {
    if (this.gone) return
    this.gone = true
    this.wake()
    this.pulled?.()
    if (this.reader !== undefined) this.reader.cancel().catch(noop)
    else if (!this.request.bodyUsed) this.request.body?.cancel().catch(noop)
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
    this.stopRead?.()
    this.wakeEnded?.()
  }

  receive(): Promise<HTTPIncomingEvent> {
    if (this.gone || this.tracker.complete) return Promise.resolve(disconnect())
    if (!this.bodyDone && this.reader === undefined && wholeBodyLength(this.request) !== undefined)
      return this.receiveWhole()
    return this.receiveSlow()
  }

  receiveWhole(): Promise<HTTPIncomingEvent> {
    this.bodyDone = true
    return readWhole(this.request, (stop) => {
      this.stopRead = stop
    }).then((body): HTTPIncomingEvent => {
      this.stopRead = null
      if (body === undefined || this.gone) {
        this.depart()
        return disconnect()
      }
      return { type: 'http.request', body, moreBody: false }
    })
  }

  async receiveSlow(): Promise<HTTPIncomingEvent> {
    this.watch()
    if (this.gone) return disconnect()
    if (!this.bodyDone && this.reader === undefined && this.request.body === null) {
      this.bodyDone = true
      return { type: 'http.request', body: EMPTY, moreBody: false }
    }
    if (!this.bodyDone) {
      this.reader ??= (this.request.body as ReadableStream<Uint8Array>).getReader()
      const open = this.reader
      // A body cut short errors the read (Deno): that is the client leaving.
      // Not Promise.race with `ended`: each race leaves a reaction on that long-lived promise
      // holding the settled race, and so its chunk, until the exchange ends (64 MiB retained).
      const read = await new Promise<ReadResult | undefined>((settle) => {
        this.stopRead = () => settle(undefined)
        open.read().then(settle, () => settle(undefined))
      })
      this.stopRead = null
      if (read === undefined || this.gone) {
        this.depart()
        return disconnect()
      }
      if (read.done) {
        this.bodyDone = true
        return { type: 'http.request', body: EMPTY, moreBody: false }
      }
      return { type: 'http.request', body: read.value, moreBody: true }
    }
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

  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.controller = c
        },
        pull: () => {
          this.pulled?.()
        },
        cancel: this.leaver(),
      },
      { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
    )
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
      this.answer(this.stream())
    }
    const c = this.controller
    if (c === null) {
      if (!more) this.wake()
      return SENT
    }
    if (body.byteLength > 0) c.enqueue(body)
    if (!more) {
      c.close()
      this.wake()
      return SENT
    }
    return (c.desiredSize ?? 0) > 0 ? SENT : this.drained(c)
  }

  /** Backpressure: waits until the client read the queue below the high-water mark. */
  async drained(c: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    this.watch()
    while (!this.gone && (c.desiredSize ?? 0) <= 0) await this.nextPull()
    if (this.gone) throw new ClientDisconnectedError()
  }

  nextPull(): Promise<void> {
    return new Promise<void>((r) => {
      this.pulled = () => {
        this.pulled = null
        r()
      }
    })
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

  async cutStream(error: unknown): Promise<void> {
    // Bun drops what it read from a stream but had not written when the stream errors in the
    // same turn: let the client have the queue, and the runtime one macrotask to write it.
    this.watch()
    while (
      !this.gone &&
      this.controller !== null &&
      (this.controller.desiredSize ?? 0) < HIGH_WATER_MARK
    )
      await this.nextPull()
    await new Promise((r) => setTimeout(r, 0))
    this.controller?.error(error)
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
    } else void this.cutStream(error)
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
    } else if (streaming) this.controller?.error(new Error('toFetch: shut down mid-response'))
  }

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
