/**
 * `toFetch()`: a TSGI application as `{ fetch(request, env?, ctx?) }` for `Bun.serve`,
 * `Deno.serve`, Cloudflare Workers and other fetch runtimes.
 *
 * @module
 */
import { type Address, type Application, LifespanRunner } from '@tsgi/protocol'
import { exchange, scopeOf } from './to-fetch-exchange.ts'

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
}

/** What {@link toFetch} returns: a fetch handler object with lifespan controls. */
export interface FetchApplication {
  /** Answers one request. Runs lifespan startup first, once, if it has not run yet. */
  fetch(request: Request, env?: unknown, ctx?: unknown): Promise<Response>
  /** Runs lifespan startup (once); rejects with `LifespanFailedError` if it failed. */
  ready(): Promise<void>
  /** Runs lifespan shutdown (after startup ran); later requests are still answered. */
  close(): Promise<void>
}

/**
 * Wraps a TSGI application as a fetch handler object. Each request becomes an `http` scope
 * (`receive()` reads `request.body`; `request.signal` aborting yields `http.disconnect`), and
 * the `Response` resolves once the start and the first body event arrived: a body sent in one
 * event becomes the `Response` body as is, a streamed one a pull-based `ReadableStream`, so
 * `send()` waits while the client reads slowly. No extension is announced.
 *
 * @example
 * ```ts
 * import { toFetch } from '@tsgi/adapters/fetch'
 * const handler = toFetch(app)
 * Bun.serve({ fetch: (req, server) => handler.fetch(req) })
 * ```
 */
export function toFetch(app: Application, options: ToFetchOptions = {}): FetchApplication {
  const lifespan = new LifespanRunner()
  const onError = options.onError ?? ((error: unknown) => console.error(error))
  lifespan.onError = onError
  const mode = options.lifespan ?? 'auto'
  const client = options.client ?? null
  let started: Promise<void> | undefined
  const ready = (): Promise<void> => {
    started ??= lifespan.start(app, mode).then(() => {})
    return started
  }
  return {
    async fetch(request, env, ctx) {
      await ready()
      const address = typeof client === 'function' ? client(request, env, ctx) : client
      return exchange(app, request, scopeOf(request, address, lifespan.state), onError)
    },
    ready,
    async close() {
      if (started === undefined) return
      await started
      await lifespan.stop()
    },
  }
}
