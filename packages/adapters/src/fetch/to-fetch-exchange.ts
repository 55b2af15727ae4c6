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

const EMPTY = new Uint8Array(0)
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade'])
/** Bytes the response stream holds before `send()` waits for the client to read. */
const HIGH_WATER_MARK = 64 * 1024

/** Builds the `http` scope of `request`. */
export function scopeOf(request: Request, client: Address | null, state: State): HTTPScope {
  const url = new URL(request.url)
  const headers: HeaderList = []
  // Runtimes differ on whether `host` is in request.headers: make it always there, first.
  if (!request.headers.has('host')) headers.push(['host', url.host])
  for (const [name, value] of request.headers) headers.push([name, value])
  const https = url.protocol === 'https:'
  return {
    type: 'http',
    tsgi: TSGI_VERSION,
    httpVersion: '1.1',
    method: request.method,
    scheme: https ? 'https' : 'http',
    path: decodePath(url.pathname),
    rawPath: url.pathname,
    queryString: url.search.slice(1),
    rootPath: '',
    headers,
    client,
    server: { host: url.hostname, port: url.port === '' ? (https ? 443 : 80) : Number(url.port) },
    state: { ...state },
    extensions: {},
  }
}

/** Runs `app` for `request`; resolves with the `Response` once the start and first body arrived. */
export function exchange(
  app: Application,
  request: Request,
  scope: HTTPScope,
  onError: (error: unknown) => void,
): Promise<Response> {
  const tracker = new HTTPResponseTracker(scope.method, scope.extensions)
  const reader = request.body?.getReader()
  let gone = false
  let bodyDone = reader === undefined
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
    reader?.cancel().catch(() => {})
  }
  request.signal.addEventListener('abort', leave, { once: true })
  const ended = new Promise<void>((r) => {
    wake = r
  })

  const receive = async (): Promise<HTTPIncomingEvent> => {
    if (gone || tracker.complete) return { type: 'http.disconnect' }
    if (!bodyDone && reader !== undefined) {
      const read = await Promise.race([reader.read(), ended.then(() => undefined)])
      if (read === undefined || gone) return { type: 'http.disconnect' }
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

  const answer = (body: Uint8Array | ReadableStream<Uint8Array> | null): void => {
    answered = true
    const headers = new Headers()
    for (const [name, value] of tracker.headers) {
      // Framing is the host's (SPEC §5.4.3): hop-by-hop fields are not the app's to send.
      if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, value)
    }
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
    if (gone) throw new ClientDisconnectedError()
    tracker.accept(event)
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
    while (!gone && (controller.desiredSize ?? 0) <= 0) {
      await new Promise<void>((r) => {
        pulled = r
      })
      pulled = null
    }
    if (gone) throw new ClientDisconnectedError()
  }

  const fail = (error: unknown): void => {
    // After the client left, nothing is an application error and nobody reads the answer.
    if (!gone && !isClientDisconnected(error)) onError(error)
    if (!answered) {
      answered = true
      resolve(new Response(gone ? null : 'Internal Server Error', { status: 500 }))
    } else controller?.error(error)
    wake?.()
  }

  Promise.resolve()
    .then(() => app(scope, receive, send))
    .then(
      () => {
        if (!tracker.complete) fail(new IncompleteResponseError(tracker.started ? 'body' : 'start'))
      },
      (error: unknown) => fail(error ?? new Error('the application rejected')),
    )
  return result
}
