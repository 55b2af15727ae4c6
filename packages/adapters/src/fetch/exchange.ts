/**
 * The request side of one `fromFetch` exchange: the `Request` built from the scope, its body
 * stream pulled from `receive()`, and the abort signal that follows the client.
 *
 * @module
 */
import {
  ClientDisconnectedError,
  getHeader,
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
    const headers = new Headers()
    let cookie: string | undefined
    for (const [name, value] of scope.headers) {
      // Several cookie fields (HTTP/2 splits them) join with '; ', not the ', ' of Headers.
      if (name === 'cookie') cookie = cookie === undefined ? value : `${cookie}; ${value}`
      else headers.append(name, value)
    }
    if (cookie !== undefined) headers.set('cookie', cookie)
    const init: RequestInit = { method: scope.method, headers, signal: this.controller.signal }
    if (hasBody(scope)) {
      init.body = this.body()
      init.duplex = 'half'
    } else {
      this.watch()
    }
    return new Request(requestURL(scope), init)
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
