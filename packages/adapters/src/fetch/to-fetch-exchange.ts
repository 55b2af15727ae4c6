/**
 * One request of `toFetch`: a TSGI `http` unit driven by a `Request`, answered with a
 * `Response` whose body is the one body event as is, or a pull-based stream fed by `send()`.
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
import type { InFlight } from './to-fetch-shutdown.ts'

/** What one read of the request body gives. */
type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>

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
  const tracker = new HTTPResponseTracker(scope.method, scope.extensions)
  // The body is opened on the first `receive()`: an app that never reads it costs nothing, and
  // `request.body` is not even looked at for a small sized body (on Bun and Deno the getter
  // makes a ReadableStream of a body they already hold: ~5 µs a POST).
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  let gone = false
  let bodyDone = false
  let finished = false
  let ended: Promise<void> | undefined
  let wakeEnded: (() => void) | null = null
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null
  let pulled: (() => void) | null = null
  let resolve!: (response: Response) => void
  const result = new Promise<Response>((r) => {
    resolve = r
  })
  let answered = false

  const leave = (): void => {
    if (gone) return
    gone = true
    wake()
    pulled?.()
    if (reader !== undefined) reader.cancel().catch(() => {})
    else if (!request.bodyUsed) request.body?.cancel().catch(() => {})
  }
  // `request.signal` is watched only once the app waits on this exchange (a streamed body read,
  // the wait for `http.disconnect`, backpressure, a file, a streamed answer): touching it makes
  // Deno create the signal and abort it, DOMException and all, after every delivered response
  // (~5 µs a request, ~7 on a POST). Before that, a client leaving changes nothing the app
  // could see: its answer is dropped. A small body read whole needs no signal: a body cut
  // short fails that read (Bun, Deno), which is the client leaving.
  let signal: AbortSignal | undefined
  const watch = (): void => {
    if (signal !== undefined) return
    signal = request.signal
    if (signal.aborted) leave()
    else signal.addEventListener('abort', leave, { once: true })
  }
  /** Ends a pending body read early (the client left, or the exchange ended). */
  let stopRead: (() => void) | null = null
  /** The exchange is over for the app: the response completed, failed, or the client left. */
  const wake = (): void => {
    finished = true
    stopRead?.()
    wakeEnded?.()
  }

  const receive = (): Promise<HTTPIncomingEvent> => {
    if (gone || tracker.complete) return Promise.resolve(disconnect())
    if (!bodyDone && reader === undefined && wholeBodyLength(request) !== undefined) {
      bodyDone = true
      return readWhole(request, (stop) => {
        stopRead = stop
      }).then((body) => {
        stopRead = null
        if (body === undefined || gone) {
          leave()
          return disconnect()
        }
        return { type: 'http.request', body, moreBody: false }
      })
    }
    return receiveSlow()
  }

  const receiveSlow = async (): Promise<HTTPIncomingEvent> => {
    watch()
    if (gone) return disconnect()
    if (!bodyDone && reader === undefined && request.body === null) {
      bodyDone = true
      return { type: 'http.request', body: EMPTY, moreBody: false }
    }
    if (!bodyDone) {
      reader ??= (request.body as ReadableStream<Uint8Array>).getReader()
      const open = reader
      // A body cut short errors the read (Deno): that is the client leaving.
      // Not Promise.race with `ended`: each race leaves a reaction on that long-lived promise
      // holding the settled race, and so its chunk, until the exchange ends (64 MiB retained).
      const read = await new Promise<ReadResult | undefined>((settle) => {
        stopRead = () => settle(undefined)
        open.read().then(settle, () => settle(undefined))
      })
      stopRead = null
      if (read === undefined || gone) {
        leave()
        return disconnect()
      }
      if (read.done) {
        bodyDone = true
        return { type: 'http.request', body: EMPTY, moreBody: false }
      }
      return { type: 'http.request', body: read.value, moreBody: true }
    }
    if (!finished) {
      ended ??= new Promise<void>((r) => {
        wakeEnded = r
      })
      await ended
    }
    return disconnect()
  }

  const answer = (body: ResponseBody, size?: number): void => {
    answered = true
    if (tracker.bodyless && body instanceof ReadableStream) body.cancel().catch(() => {})
    resolve(responseOf(tracker, tracker.bodyless ? null : body, size))
  }

  const stream = (): ReadableStream<Uint8Array> =>
    new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          controller = c
        },
        pull: () => {
          pulled?.()
        },
        cancel: leave,
      },
      { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
    )

  /** Backpressure: waits until the client read the queue below the high-water mark. */
  const drained = async (c: ReadableStreamDefaultController<Uint8Array>): Promise<void> => {
    watch()
    while (!gone && (c.desiredSize ?? 0) <= 0) {
      await new Promise<void>((r) => {
        pulled = r
      })
      pulled = null
    }
    if (gone) throw new ClientDisconnectedError()
  }

  const sendFile = async (path: string): Promise<void> => {
    watch()
    // Rejects with the file's error (the app's failure then makes the 500).
    const file = await openForPathsend(files as FileOpener, path, tracker.headers)
    if (gone) {
      if (file.body instanceof ReadableStream) file.body.cancel().catch(() => {})
      throw new ClientDisconnectedError()
    }
    answer(file.body, file.size)
    wake()
  }

  /** One event, synchronously where nothing waits (the common case: no async frame at all). */
  const deliver = (event: SendEvent): Promise<void> => {
    // After the response completed, an event is the app's mistake whether or not the client
    // is still there (Deno aborts `request.signal` once a response is delivered).
    if (tracker.complete) tracker.accept(event)
    if (gone) throw new ClientDisconnectedError()
    tracker.accept(event)
    if (event.type === 'http.response.pathsend' && files !== undefined) return sendFile(event.path)
    if (event.type !== 'http.response.body') return SENT
    const body = event.body ?? EMPTY
    const more = event.moreBody === true
    if (!answered) {
      if (!more || tracker.bodyless) {
        // The whole body at once: the bytes are the `Response` body, no stream machinery.
        answer(more ? null : body)
        if (!more) wake()
        return SENT
      }
      // A streamed answer lasts: the client may leave at any point of it.
      watch()
      answer(stream())
    }
    const c = controller as ReadableStreamDefaultController<Uint8Array> | null
    if (c === null) {
      if (!more) wake()
      return SENT
    }
    if (body.byteLength > 0) c.enqueue(body)
    if (!more) {
      c.close()
      wake()
      return SENT
    }
    return (c.desiredSize ?? 0) > 0 ? SENT : drained(c)
  }
  const send = (event: SendEvent): Promise<void> => {
    try {
      return deliver(event)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  const cutStream = async (error: unknown): Promise<void> => {
    // Bun drops what it read from a stream but had not written when the stream errors in the
    // same turn: let the client have the queue, and the runtime one macrotask to write it.
    watch()
    while (!gone && controller !== null && (controller.desiredSize ?? 0) < HIGH_WATER_MARK) {
      await new Promise<void>((r) => {
        pulled = r
      })
      pulled = null
    }
    await new Promise((r) => setTimeout(r, 0))
    controller?.error(error)
  }

  const fail = (error: unknown): void => {
    // After the client left, nothing is an application error and nobody reads the answer.
    if (!gone && !isClientDisconnected(error)) onError(error)
    if (!answered) {
      // Nothing was written yet (a start alone is held until its first body): a 500 that
      // closes the connection, as the reference server answers.
      answered = true
      resolve(
        gone ? new Response(null, { status: 500 }) : closingResponse(500, 'Internal Server Error'),
      )
    } else void cutStream(error)
    wake()
  }

  /** The graceful-shutdown deadline passed with this request in flight (`close()`). */
  const cut = (): void => {
    inFlight.delete(cut)
    const streaming = answered && !tracker.complete
    leave()
    if (!answered) {
      answered = true
      resolve(closingResponse(503, 'Service Unavailable'))
    } else if (streaming) controller?.error(new Error('toFetch: shut down mid-response'))
  }

  const returned = (): void => {
    inFlight.delete(cut)
    // Not answered yet though complete: the last body event was refused (say it fell short of
    // its Content-Length), so nothing went out.
    if (!tracker.complete || !answered)
      fail(new IncompleteResponseError(tracker.started ? 'body' : 'start'))
    // Complete and returned: nothing waits on the client any more (a stream cancel still
    // reaches `leave`). Deno aborts the signal of every delivered response; without the
    // listener that abort costs it nothing here.
    else signal?.removeEventListener('abort', leave)
  }
  const rejected = (error: unknown): void => {
    inFlight.delete(cut)
    fail(error ?? new Error('the application rejected'))
  }

  // In flight until the application returned: `close()` waits for it, or cuts it.
  inFlight.add(cut)
  let running: Promise<void>
  try {
    running = app(scope, receive, send)
  } catch (error) {
    running = Promise.reject(error)
  }
  Promise.resolve(running).then(returned, rejected)
  return result
}

/** What a `Response` can be built with. */
type ResponseBody = ConstructorParameters<typeof Response>[0]
