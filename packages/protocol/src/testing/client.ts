/**
 * The in-memory test client: drives any TSGI application without a socket.
 *
 * @module
 */
import type { Application } from '../application.ts'
import type { Address, Extensions, HeaderList, ServerAddress, State } from '../common.ts'
import { type HeaderInit, toHeaderList } from '../headers.ts'
import type { HTTPScope } from '../http.ts'
import { LifespanRunner, type LifespanRunnerMode } from '../lifespan-runner.ts'
import { decodePath } from '../path.ts'
import { TSGI_VERSION } from '../version.ts'
import type { WebSocketScope } from '../websocket.ts'
import { type BodyInit, concat, knownLength } from './body.ts'
import { MemoryHTTPExchange } from './http-exchange.ts'
import { StreamingResponse, TestResponse } from './response.ts'
import { TestWebSocket, WebSocketSession } from './websocket-session.ts'

/** Options of {@link createTestClient}. */
export interface TestClientOptions {
  /** Mount prefix: set as `rootPath` and prefixed to `path` and `rawPath`. Default `''`. */
  rootPath?: string
  /** `http` (default) or `https`; WebSocket scopes get `ws` / `wss` to match. */
  scheme?: 'http' | 'https'
  /** The client address in scopes. Default `{ host: '127.0.0.1', port: 50000 }`. */
  client?: Address | null
  /** The server address in scopes. Default `{ host: 'testserver', port: 80 }`. */
  server?: ServerAddress | null
  /** Extensions offered. Default: trailers, pathsend and the WebSocket denial response. */
  extensions?: Extensions
  /** Headers sent with every request, before the request's own. Default `host: testserver`. */
  headers?: HeaderInit
  /**
   * Strict (default): a contract violation rejects the request, even if the application caught
   * the rejected `send()`. Non-strict: violations are listed on the response.
   */
  strict?: boolean
  /**
   * Rethrow (default): an error the application throws rejects the request. Otherwise the
   * client behaves like a server: a 500 before the response started, a truncated response after.
   */
  rethrow?: boolean
  /** Unread bytes a streamed response buffers before the app's `send()` waits. Default 64 KiB. */
  highWaterMark?: number
  /** Lifespan mode for {@link TestClient.startup}. Default `auto`. */
  lifespan?: LifespanRunnerMode
}

/** One request. */
export interface RequestInit {
  /** Method, uppercased. Default `GET`. */
  method?: string
  /** Request target: path and optional `?query`, as on the wire (unescaped characters are escaped). */
  path?: string
  /** Query parameters appended to the target (form-encoded). */
  query?:
    | string
    | Record<string, string | number | boolean | ReadonlyArray<string | number | boolean>>
  /** Request headers; names are lowercased. */
  headers?: HeaderInit
  /** Body: bytes, text, or chunks (each chunk becomes one `http.request` event). */
  body?: BodyInit
  /** A JSON body; sets `content-type: application/json` unless given. */
  json?: unknown
  /** HTTP version. Default `1.1`. */
  httpVersion?: '1.0' | '1.1' | '2'
  /** Overrides the client address for this request. */
  client?: Address | null
  /** Aborting it disconnects the client. */
  signal?: AbortSignal
}

/** A WebSocket handshake. */
export interface WebSocketInit {
  /** Subprotocols to offer. */
  subprotocols?: string[]
  /** Handshake request headers. */
  headers?: HeaderInit
}

/** Drives an application in memory. */
export interface TestClient {
  /** Sends a request and buffers the whole response; resolves once the application has returned. */
  request(target: string | RequestInit, init?: RequestInit): Promise<TestResponse>
  /** Sends a request; resolves once the response has started, with its body still streaming. */
  stream(target: string | RequestInit, init?: RequestInit): Promise<StreamingResponse>
  /** Opens a WebSocket session; rejects with `WebSocketDeniedError` when the application refuses it. */
  websocket(path: string, init?: WebSocketInit): Promise<TestWebSocket>
  /** Runs lifespan startup; resolves with the state. Throws `LifespanFailedError` on `startup.failed`. */
  startup(): Promise<State>
  /** Runs lifespan shutdown. Throws `LifespanFailedError` on `shutdown.failed`. */
  shutdown(): Promise<void>
  /** `true` after a completed startup, `false` when the app has no lifespan, `undefined` before startup. */
  readonly lifespanSupported: boolean | undefined
  /** Runs shutdown if startup ran (for `await using`). */
  [Symbol.asyncDispose](): Promise<void>
}

const DEFAULT_EXTENSIONS: Extensions = {
  'http.response.trailers': {},
  'http.response.pathsend': {},
  'websocket.http.response': {},
}

function splitTarget(
  target: string,
  query: RequestInit['query'],
): [rawPath: string, queryString: string] {
  const escaped = target.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c))
  const q = escaped.indexOf('?')
  let rawPath = q === -1 ? escaped : escaped.slice(0, q)
  let queryString = q === -1 ? '' : escaped.slice(q + 1)
  if (!rawPath.startsWith('/') && rawPath !== '*') rawPath = `/${rawPath}`
  if (query !== undefined) {
    let extra: string
    if (typeof query === 'string') {
      extra = query.startsWith('?') ? query.slice(1) : query
    } else {
      const params = new URLSearchParams()
      for (const [key, value] of Object.entries(query)) {
        for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item))
      }
      extra = params.toString()
    }
    if (extra) queryString = queryString ? `${queryString}&${extra}` : extra
  }
  return [rawPath, queryString]
}

/**
 * Creates a test client for `app`. Every event the application sends is checked against the
 * contract; by default a violation or an application error rejects the request loudly.
 *
 * @example
 * ```ts
 * const client = createTestClient(app)
 * const res = await client.request('/hello?name=tsgi')
 * expect(res.status).toBe(200)
 * ```
 */
export function createTestClient(app: Application, options: TestClientOptions = {}): TestClient {
  const rootPath = options.rootPath ?? ''
  const scheme = options.scheme ?? 'http'
  const extensions = options.extensions ?? DEFAULT_EXTENSIONS
  const baseHeaders = toHeaderList(options.headers ?? { host: 'testserver' }, true)
  const strict = options.strict ?? true
  const rethrow = options.rethrow ?? true
  const highWaterMark = options.highWaterMark ?? 64 * 1024
  const defaultClient =
    options.client !== undefined ? options.client : { host: '127.0.0.1', port: 50000 }
  const lifespan = new LifespanRunner()
  let started = false

  const resolveInit = (target: string | RequestInit, init?: RequestInit): RequestInit =>
    typeof target === 'string' ? { ...init, path: target } : target

  const connection = (target: string, query: RequestInit['query'], headers: HeaderList) => {
    const [raw, queryString] = splitTarget(target, query)
    return {
      tsgi: TSGI_VERSION,
      path: rootPath + decodePath(raw),
      rawPath: rootPath + raw,
      queryString,
      rootPath,
      headers,
      server: options.server === undefined ? { host: 'testserver', port: 80 } : options.server,
      state: { ...lifespan.state },
      extensions,
    }
  }

  const start = (init: RequestInit, mark: number): MemoryHTTPExchange => {
    const headers = baseHeaders.concat(toHeaderList(init.headers, true))
    let body = init.body
    if (init.json !== undefined) {
      body = JSON.stringify(init.json)
      if (!headers.some(([n]) => n === 'content-type'))
        headers.push(['content-type', 'application/json'])
    }
    if (
      body !== undefined &&
      !headers.some(([n]) => n === 'content-length' || n === 'transfer-encoding')
    ) {
      const length = knownLength(body)
      headers.push(
        length === undefined
          ? ['transfer-encoding', 'chunked']
          : ['content-length', String(length)],
      )
    }
    const scope: HTTPScope = {
      type: 'http',
      httpVersion: init.httpVersion ?? '1.1',
      method: (init.method ?? 'GET').toUpperCase(),
      scheme,
      client: init.client !== undefined ? init.client : defaultClient,
      ...connection(init.path ?? '/', init.query, headers),
    }
    const exchange = new MemoryHTTPExchange(scope, {
      body,
      highWaterMark: mark,
      signal: init.signal,
    })
    exchange.run(app)
    return exchange
  }

  const outcome = async (exchange: MemoryHTTPExchange, signal?: AbortSignal): Promise<void> => {
    await exchange.done.promise
    if (strict && exchange.violations.length > 0) throw exchange.violations[0]
    if (rethrow && exchange.appError !== undefined) throw exchange.appError
    if (signal?.aborted) throw signal.reason
  }

  const client: TestClient = {
    async request(target, init) {
      const request = resolveInit(target, init)
      const exchange = start(request, Number.POSITIVE_INFINITY)
      await outcome(exchange, request.signal)
      const chunks: Uint8Array[] = []
      for (let c = await exchange.queue.read(); c !== null; c = await exchange.queue.read())
        chunks.push(c)
      return new TestResponse(exchange, concat(chunks))
    },
    async stream(target, init) {
      const request = resolveInit(target, init)
      const exchange = start(request, highWaterMark)
      await exchange.started.promise
      if (!exchange.tracker.started) await outcome(exchange, request.signal)
      return new StreamingResponse(exchange, () => outcome(exchange, request.signal))
    },
    async websocket(path, init = {}) {
      const scope: WebSocketScope = {
        type: 'websocket',
        httpVersion: '1.1',
        scheme: scheme === 'https' ? 'wss' : 'ws',
        client: defaultClient,
        subprotocols: init.subprotocols ?? [],
        ...connection(path, undefined, baseHeaders.concat(toHeaderList(init.headers, true))),
      }
      const session = new WebSocketSession(scope)
      const finished = async () => {
        await session.done.promise
        if (strict && session.violations.length > 0) throw session.violations[0]
        if (rethrow && session.appError !== undefined) throw session.appError
      }
      session.run(app)
      try {
        await session.handshake.promise
      } catch (denied) {
        if (session.done.settled) await finished()
        throw denied
      }
      return new TestWebSocket(session, finished)
    },
    async startup() {
      started = true
      const state = await lifespan.start(app, options.lifespan ?? 'auto')
      if (strict && lifespan.violations.length > 0) throw lifespan.violations[0]
      return state
    },
    async shutdown() {
      await lifespan.stop()
      if (strict && lifespan.violations.length > 0) throw lifespan.violations[0]
    },
    get lifespanSupported() {
      return lifespan.supported
    },
    async [Symbol.asyncDispose]() {
      if (started) await client.shutdown()
    },
  }
  return client
}
