/**
 * One request of `toFetch`: a TSGI `http` unit driven by a `Request`, answered with a
 * `Response` whose body is a pull-based stream fed by `send()`.
 *
 * @module
 */
import {
  type Address,
  type Application,
  ClientDisconnectedError,
  decodePath,
  type Extensions,
  type HeaderList,
  type HTTPIncomingEvent,
  HTTPResponseTracker,
  type HTTPScope,
  IncompleteResponseError,
  isClientDisconnected,
  type SendEvent,
  type State,
  TSGI_VERSION,
} from '@tsgi/protocol'
import { wholeBodyLength } from './to-fetch-body.ts'
import { type FileOpener, openForPathsend } from './to-fetch-pathsend.ts'
import { closingResponse } from './to-fetch-refusal.ts'

/** What one read of the request body gives. */
type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>

const EMPTY = new Uint8Array(0)
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade'])
/** What a `Response` can be built with. */
type ResponseBody = ConstructorParameters<typeof Response>[0]

/** Bytes the response stream holds before `send()` waits for the client to read. */
const HIGH_WATER_MARK = 64 * 1024

/** Where a request came from and what the host offers, shared by `http` and `websocket` scopes. */
export interface ScopeBase {
  client: Address | null
  state: State
  /** The mount prefix (`scope.rootPath`), prefixed to `path` and `rawPath`. */
  rootPath: string
  extensions: Extensions
}

/** The fields of a scope read from `request.url` and `request.headers`. */
export function requestFields(request: Request, rootPath: string) {
  // Bun gives a bare path as `request.url` to an HTTP/1.0 request without Host.
  const url = new URL(request.url, 'http://localhost')
  const headers: HeaderList = []
  // Runtimes differ on whether `host` is in request.headers: make it always there, first.
  if (!request.headers.has('host')) headers.push(['host', url.host])
  for (const [name, value] of request.headers) {
    // An absolute-form target's authority replaces Host (RFC 9112 §3.2.2), as the URL has it.
    headers.push([
      name,
      name === 'host' && value !== url.host && url.host !== '' ? url.host : value,
    ])
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:'
  return {
    secure,
    path: rootPath + decodePath(url.pathname),
    rawPath: rootPath + url.pathname,
    queryString: url.search.slice(1),
    headers,
    server: { host: url.hostname, port: url.port === '' ? (secure ? 443 : 80) : Number(url.port) },
  }
}

/** Builds the `http` scope of `request`. */
export function scopeOf(request: Request, base: ScopeBase): HTTPScope {
  const { secure, ...fields } = requestFields(request, base.rootPath)
  return {
    type: 'http',
    tsgi: TSGI_VERSION,
    // A `Request` does not say which HTTP version carried it.
    httpVersion: '1.1',
    method: request.method,
    scheme: secure ? 'https' : 'http',
    ...fields,
    rootPath: base.rootPath,
    client: base.client,
    state: { ...base.state },
    extensions: { ...base.extensions },
  }
}

/** Runs `app` for `request`; resolves with the `Response` once the start and first body arrived. */
export function exchange(
  app: Application,
  request: Request,
  scope: HTTPScope,
  onError: (error: unknown) => void,
  files: FileOpener | undefined,
  inFlight: Set<Promise<void>>,
): Promise<Response> {
  const tracker = new HTTPResponseTracker(scope.method, scope.extensions)
  // The body is opened on the first `receive()`: an app that never reads it costs nothing.
  const hasBody = request.body !== null
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  let gone = false
  let bodyDone = false
  let wake: (() => void) | null = null
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
    wake?.()
    pulled?.()
    if (reader !== undefined) reader.cancel().catch(() => {})
    else if (hasBody && !request.bodyUsed) request.body?.cancel().catch(() => {})
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
  const ended = new Promise<void>((r) => {
    wake = () => {
      stopRead?.()
      r()
    }
  })

  const receive = async (): Promise<HTTPIncomingEvent> => {
    if (gone || tracker.complete) return { type: 'http.disconnect' }
    if (!bodyDone && hasBody && reader === undefined && wholeBodyLength(request) !== undefined)
      return readWhole()
    watch()
    if (gone) return { type: 'http.disconnect' }
    if (!bodyDone && hasBody) {
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
        return { type: 'http.disconnect' }
      }
      if (read.done) {
        bodyDone = true
        return { type: 'http.request', body: EMPTY, moreBody: false }
      }
      return { type: 'http.request', body: read.value, moreBody: true }
    }
    if (!bodyDone) {
      bodyDone = true
      return { type: 'http.request', body: EMPTY, moreBody: false }
    }
    await ended
    return { type: 'http.disconnect' }
  }

  /** The whole small body as one event; a body cut short rejects: the client left. */
  const readWhole = async (): Promise<HTTPIncomingEvent> => {
    bodyDone = true
    const bytes = await new Promise<ArrayBuffer | undefined>((settle) => {
      stopRead = () => settle(undefined)
      request.arrayBuffer().then(settle, () => settle(undefined))
    })
    stopRead = null
    if (bytes === undefined || gone) {
      leave()
      return { type: 'http.disconnect' }
    }
    return { type: 'http.request', body: new Uint8Array(bytes), moreBody: false }
  }

  const answer = (body: ResponseBody, size?: number): void => {
    answered = true
    const headers = new Headers()
    for (const [name, value] of tracker.headers) {
      // Framing is the host's (SPEC §5.4.3): hop-by-hop fields are not the app's to send.
      if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, value)
    }
    if (size !== undefined && !headers.has('content-length'))
      headers.set('content-length', String(size))
    if (tracker.bodyless && body instanceof ReadableStream) body.cancel().catch(() => {})
    resolve(new Response(tracker.bodyless ? null : body, { status: tracker.status, headers }))
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

  const send = async (event: SendEvent): Promise<void> => {
    // After the response completed, an event is the app's mistake whether or not the client
    // is still there (Deno aborts `request.signal` once a response is delivered).
    if (tracker.complete) tracker.accept(event)
    if (gone) throw new ClientDisconnectedError()
    tracker.accept(event)
    if (event.type === 'http.response.pathsend' && files !== undefined) {
      watch()
      // Rejects with the file's error (the app's failure then makes the 500).
      const file = await openForPathsend(files, event.path, tracker.headers)
      if (gone) {
        if (file.body instanceof ReadableStream) file.body.cancel().catch(() => {})
        throw new ClientDisconnectedError()
      }
      answer(file.body, file.size)
      wake?.()
      return
    }
    if (event.type !== 'http.response.body') return
    const body = event.body ?? EMPTY
    const more = event.moreBody === true
    if (!answered) {
      if (!more || tracker.bodyless) {
        // The whole body at once: no stream machinery.
        answer(more ? null : body)
        if (!more) wake?.()
        return
      }
      // A streamed answer lasts: the client may leave at any point of it.
      watch()
      answer(stream())
    }
    if (controller === null) {
      if (!more) wake?.()
      return
    }
    if (body.byteLength > 0) controller.enqueue(body)
    if (!more) {
      controller.close()
      wake?.()
      return
    }
    // Backpressure: wait until the client read the queue below the high-water mark.
    if ((controller.desiredSize ?? 0) <= 0) watch()
    while (!gone && (controller.desiredSize ?? 0) <= 0) {
      await new Promise<void>((r) => {
        pulled = r
      })
      pulled = null
    }
    if (gone) throw new ClientDisconnectedError()
  }

  const cut = async (error: unknown): Promise<void> => {
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
    } else void cut(error)
    wake?.()
  }

  // In flight until the application returned: `close()` waits for these before the lifespan.
  const running: Promise<void> = Promise.resolve()
    .then(() => app(scope, receive, send))
    .then(
      () => {
        // Not answered yet though complete: the last body event was refused (say it fell short
        // of its Content-Length), so nothing went out.
        if (!tracker.complete || !answered)
          fail(new IncompleteResponseError(tracker.started ? 'body' : 'start'))
        // Complete and returned: nothing waits on the client any more (a stream cancel still
        // reaches `leave`). Deno aborts the signal of every delivered response; without the
        // listener that abort costs it nothing here.
        else signal?.removeEventListener('abort', leave)
      },
      (error: unknown) => fail(error ?? new Error('the application rejected')),
    )
    .finally(() => inFlight.delete(running))
  inFlight.add(running)
  return result
}
