/**
 * `toFetch()`: a TSGI application as `{ fetch(request, env?, ctx?) }` for `Bun.serve`,
 * `Deno.serve`, Cloudflare Workers and other fetch runtimes.
 *
 * @module
 */
import { type Address, type Application, type Extensions, LifespanRunner } from '@tsgi/protocol'
import { exchange } from './to-fetch-exchange.ts'
import type { FileOpener } from './to-fetch-pathsend.ts'
import { refusal } from './to-fetch-refusal.ts'
import { type ScopeBase, scopeOf } from './to-fetch-scope.ts'
import { gracefulShutdownMs, InFlight, within } from './to-fetch-shutdown.ts'
import { waitUntilOf } from './to-fetch-wait-until.ts'
import {
  isWebSocketRequest,
  type LiveSession,
  type WebSocketUpgrader,
  websocketExchange,
  websocketScopeOf,
} from './to-fetch-websocket.ts'
import { queueLimitOf, type WebSocketQueueLimit } from './to-fetch-websocket-queue.ts'

/** Options of {@link toFetch}. */
export interface ToFetchOptions {
  /**
   * The client address of a request (`scope.client`): a function of the request and the
   * host's extra arguments (say Bun's `server.requestIP(request)`), or a fixed value.
   * Default `null` (unknown).
   */
  client?: Address | null | ((request: Request, env: unknown, ctx: unknown) => Address | null)
  /** `auto` (default): run the lifespan if the app supports it; `on`: a failure is fatal. */
  lifespan?: 'auto' | 'on'
  /** Called with an application error (the response became a 500, or was cut). Default `console.error`. */
  onError?: (error: unknown) => void
  /**
   * The prefix the app is mounted under, which the host (or a proxy before it) removed from the
   * URL: `scope.rootPath`, and prefixed to `path` and `rawPath` (as the reference server's
   * `--root-path`). Default `''`.
   */
  rootPath?: string
  /**
   * Serves `Upgrade: websocket` requests as `websocket` scopes through the runtime's native
   * upgrade: `bunWebSocket().upgrade` or `denoWebSocket(Deno.upgradeWebSocket)`. Without it,
   * such requests are `http` scopes like any other.
   */
  websocket?: WebSocketUpgrader
  /**
   * Offers `http.response.pathsend` (SPEC §7.2): how the runtime opens a file, whose body then
   * goes out as the `Response` body — `bunFiles(Bun.file)` or `denoFiles(Deno.open)`. Without
   * it the extension is not announced.
   */
  files?: FileOpener
  /**
   * Seconds `close()` gives in-flight requests and WebSocket sessions to finish. Past it, the
   * requests still running are cut (their apps see `http.disconnect`; one not answered yet
   * gets a 503 with `connection: close`, a streamed body is errored, so the runtime drops the
   * connection) and the lifespan shutdown runs without waiting for them. `Infinity`: no limit.
   * Default 25, as the reference server's `timeoutGracefulShutdown`.
   */
  timeoutGracefulShutdown?: number
  /**
   * How many incoming WebSocket messages (and bytes) may wait for an app that does not
   * `receive()` them, where the runtime cannot stop reading the socket (Deno; a Bun without
   * `ws.pause()`): a session past either bound is closed with 1008 `receive queue full`, and
   * its app gets the queued messages, then `websocket.disconnect` 1008. Where it can (Bun),
   * reading pauses at 64 messages or 1 MiB instead, so TCP holds the peer back and this bound
   * is not reached. Default `{ messages: 1024, bytes: 16 MiB }`.
   */
  websocketQueue?: WebSocketQueueLimit
}

/** What {@link toFetch} returns: a fetch handler object with lifespan controls. */
export interface FetchApplication {
  /** Answers one request. Runs lifespan startup first, once, if it has not run yet. */
  fetch(request: Request, env?: unknown, ctx?: unknown): Promise<Response>
  /** Runs lifespan startup (once); rejects with `LifespanFailedError` if it failed. */
  ready(): Promise<void>
  /**
   * Graceful shutdown (idempotent): closes the open WebSocket sessions with 1012 (their apps
   * see `websocket.disconnect` 1012), waits until every in-flight request's app returned, at
   * most `timeoutGracefulShutdown` seconds (then cuts the rest), then runs lifespan shutdown
   * (after startup ran). Later requests are still answered: a host stops accepting first.
   */
  close(): Promise<void>
}

/**
 * Wraps a TSGI application as a fetch handler object. Each request becomes an `http` scope
 * (`receive()` reads `request.body`; `request.signal` aborting yields `http.disconnect`), and
 * the `Response` resolves once the start and the first body event arrived: a body sent in one
 * event becomes the `Response` body as is, a streamed one a pull-based `ReadableStream`, so
 * `send()` waits while the client reads slowly. With `options.websocket`, WebSocket handshakes
 * become `websocket` scopes served through the runtime's native upgrade. No extension is
 * announced for `http` scopes unless `options.files` offers pathsend; `websocket` scopes have
 * the denial response.
 *
 * @example
 * ```ts
 * import { bunWebSocket, toFetch } from '@tsgi/adapters/fetch'
 * const ws = bunWebSocket()
 * const handler = toFetch(app, { websocket: ws.upgrade })
 * await handler.ready()
 * const server = Bun.serve({ fetch: handler.fetch, websocket: ws.handlers })
 * ```
 */
export function toFetch(app: Application, options: ToFetchOptions = {}): FetchApplication {
  const lifespan = new LifespanRunner()
  const onError = options.onError ?? ((error: unknown) => console.error(error))
  lifespan.onError = onError
  const mode = options.lifespan ?? 'auto'
  const client = options.client ?? null
  const rootPath = options.rootPath ?? ''
  const upgrader = options.websocket
  const sessions = new Set<LiveSession>()
  const inFlight = new InFlight()
  const files = options.files
  const graceMs = gracefulShutdownMs(options.timeoutGracefulShutdown)
  const queueLimit = queueLimitOf(options.websocketQueue)
  // Only what the runtime can honour (SPEC §7): never trailers, which a `Response` cannot
  // carry; pathsend when the host said how to open files.
  const extensions: Extensions = files === undefined ? {} : { 'http.response.pathsend': {} }
  let started: Promise<void> | undefined
  // Set once startup succeeded: requests then skip the wait on `started` (a promise hop each).
  let isReady = false
  const ready = (): Promise<void> => {
    started ??= lifespan.start(app, mode).then(() => {
      isReady = true
    })
    return started
  }
  const serveOne = (request: Request, env: unknown, ctx: unknown): Promise<Response> => {
    const refused = refusal(request)
    if (refused !== null) return Promise.resolve(refused)
    const address = typeof client === 'function' ? client(request, env, ctx) : client
    const base: ScopeBase = { client: address, state: lifespan.state, rootPath, extensions }
    if (upgrader !== undefined && isWebSocketRequest(request)) {
      const scope = websocketScopeOf(request, base)
      const host = { env, ctx }
      return websocketExchange(app, request, scope, upgrader, host, onError, sessions, queueLimit)
    }
    return exchange(
      app,
      request,
      scopeOf(request, base),
      onError,
      files,
      inFlight,
      waitUntilOf(ctx),
    )
  }
  let closing: Promise<void> | undefined
  const shutdown = async (): Promise<void> => {
    // Open WebSockets end (1012, the server is shutting down) and in-flight requests finish
    // before the lifespan shutdown, within the deadline; past it the requests are cut and
    // the sessions' apps, told already, are not waited for.
    const work = Promise.all([...[...sessions].map((s) => s.shutdown()), inFlight.drained()])
    if (!(await within(work, graceMs))) inFlight.cutAll()
    if (started === undefined) return
    await started
    await lifespan.stop()
  }
  return {
    fetch(request, env, ctx) {
      if (!isReady) return ready().then(() => serveOne(request, env, ctx))
      try {
        return serveOne(request, env, ctx)
      } catch (error) {
        // A throwing `client` option, say: a rejection, as from an async function.
        return Promise.reject(error)
      }
    },
    ready,
    close() {
      closing ??= shutdown()
      return closing
    },
  }
}
