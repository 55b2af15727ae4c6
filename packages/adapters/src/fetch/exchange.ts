/**
 * The request side of one `fromFetch` exchange: the `Request` built from the scope, its body
 * stream pulled from `receive()`, and the abort signal that follows the client.
 *
 * @module
 */
import {
  ClientDisconnectedError,
  getHeader,
  type HeaderList,
  type HTTPScope,
  type Receive,
  type ReceiveEvent,
} from '@tsgi/protocol'

/** The URL of the request: scheme, authority from `host` (else the server address), raw target. */
export function requestURL(scope: HTTPScope): string {
  let host = getHeader(scope.headers, 'host')
  if (host === undefined || host === '') {
    const server = scope.server
    if (server === null || server.port === null) host = 'localhost'
    else host = `${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`
  }
  // rawPath is already percent-encoded (and carries rootPath): the URL parser keeps %XX as is.
  const path = scope.rawPath.startsWith('/') ? scope.rawPath : `/${scope.rawPath}`
  const query = scope.queryString === '' ? '' : `?${scope.queryString}`
  return `${scope.scheme}://${host}${path}${query}`
}

/** Whether the request has a body a `Request` can carry (GET and HEAD never do in fetch). */
function hasBody(scope: HTTPScope): boolean {
  if (scope.method === 'GET' || scope.method === 'HEAD') return false
  for (const [name, value] of scope.headers) {
    if (name === 'transfer-encoding') return true
    if (name === 'content-length' && value.trim() !== '0') return true
  }
  return false
}

/**
 * The request's header fields as `Headers` init: the scope's list itself (undici copies it into
 * the request's own list once; an intermediate `Headers` would be a second copy), unless several
 * `cookie` fields must be joined with '; ' (HTTP/2 splits them), not the ', ' of `Headers`.
 */
function requestHeaders(headers: HeaderList): HeaderList {
  let cookies = 0
  for (const [name] of headers) if (name === 'cookie') cookies++
  if (cookies < 2) return headers
  const list: HeaderList = []
  let cookie: string | undefined
  for (const [name, value] of headers) {
    if (name !== 'cookie') list.push([name, value])
    else cookie = cookie === undefined ? value : `${cookie}; ${value}`
  }
  list.push(['cookie', cookie!])
  return list
}

/**
 * The `Request` handlers get: a native `Request` (a subclass, so `instanceof Request` holds and
 * every method is the runtime's own) whose `signal` is the exchange's own abort signal. Handing
 * that signal to the `Request` constructor instead makes undici follow it with an event
 * listener, a `WeakRef` and a `FinalizationRegistry` entry per request: about 3.5 µs, a sixth of
 * a whole request's CPU time. `clone()` keeps the signal; a `new Request(request)` or
 * `fetch(request)` follows the runtime's inner signal, which never aborts, so a proxy that must
 * stop when the client leaves passes `{ signal: request.signal }` (documented).
 */
class AdaptedRequest extends Request {
  readonly #signal: AbortSignal

  constructor(input: string | Request, init: RequestInit | undefined, signal: AbortSignal) {
    super(input, init)
    this.#signal = signal
  }

  static {
    // On the prototype, as on Request.prototype (TypeScript types both as plain properties).
    const clone = Request.prototype.clone
    Object.defineProperties(AdaptedRequest.prototype, {
      signal: {
        configurable: true,
        enumerable: true,
        get(this: AdaptedRequest): AbortSignal {
          return this.#signal
        },
      },
      // A copy with the same signal (the runtime's clone() would follow its inner one).
      clone: {
        configurable: true,
        writable: true,
        value(this: AdaptedRequest): Request {
          return new AdaptedRequest(clone.call(this), undefined, this.#signal)
        },
      },
    })
  }
}

function isDisconnect(event: ReceiveEvent): boolean {
  return event.type === 'http.disconnect'
}

/**
 * One exchange's request side. At most one `receive()` is pending at any time: the body's
 * `pull` while the handler reads, then (once the body was fully read, or at once for a request
 * without a body) a watcher whose pending `receive()` resolves `http.disconnect` when the client
 * leaves (SPEC §5.3.4, §5.7). The watcher never reads ahead of the handler: it starts only
 * after the last body chunk was handed over.
 */
export class FetchExchange {
  /** Aborted (once) when the client leaves before the response is complete. */
  readonly controller = new AbortController()
  /**
   * Set just before the final response event is sent: the `http.disconnect` a server delivers
   * once the response is complete is then not a client leaving.
   */
  completing = false
  private readonly receive: Receive

  constructor(receive: Receive) {
    this.receive = receive
  }

  /** Builds the `Request` the handler gets. */
  request(scope: HTTPScope): Request {
    const init: RequestInit = { method: scope.method, headers: requestHeaders(scope.headers) }
    if (hasBody(scope)) {
      init.body = this.body()
      init.duplex = 'half'
    } else {
      // No body stream at all for a request without a body (GET, HEAD, no length).
      this.watch()
    }
    return new AdaptedRequest(requestURL(scope), init, this.controller.signal)
  }

  /** The client left: abort the signal, unless the response already completed. */
  disconnected(): void {
    if (!this.completing) this.abort()
  }

  /** Aborts the request signal (idempotent). */
  abort(): void {
    if (!this.controller.signal.aborted) this.controller.abort(new ClientDisconnectedError())
  }

  /** Waits (reading and dropping any body events) for `http.disconnect`. */
  private watch(): void {
    const step = (event: ReceiveEvent): void => {
      if (isDisconnect(event)) this.disconnected()
      else this.receive().then(step, noop)
    }
    this.receive().then(step, noop)
  }

  /** The request body: a stream pulled from `receive()` one event per read, nothing ahead. */
  private body(): ReadableStream<Uint8Array> {
    let cancelled = false
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          // Empty chunks are skipped: a read resolves with bytes or with the end.
          for (;;) {
            const event = await this.receive()
            if (event.type !== 'http.request') {
              this.disconnected()
              if (!cancelled)
                controller.error(this.controller.signal.reason ?? new ClientDisconnectedError())
              return
            }
            if (!event.moreBody) {
              if (!cancelled) {
                if (event.body.byteLength > 0) controller.enqueue(event.body)
                controller.close()
              }
              this.watch()
              return
            }
            if (cancelled) return
            if (event.body.byteLength > 0) {
              controller.enqueue(event.body)
              return
            }
          }
        },
        cancel: () => {
          // The handler gave up on the body. The server drains or closes what is left;
          // reading on just to watch for a disconnect would be reading ahead of the handler.
          cancelled = true
        },
      },
      { highWaterMark: 0 },
    )
  }
}

function noop(): void {}
