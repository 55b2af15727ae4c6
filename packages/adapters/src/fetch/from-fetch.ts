/**
 * `fromFetch()`: a WinterTC fetch handler (hono's `app.fetch`, h3, Elysia, itty, any
 * `(request, ctx) => Response`) as a TSGI application, without patching any global.
 *
 * @module
 */
import {
  type Address,
  type Application,
  type HTTPScope,
  type Receive,
  type Send,
  type ServerAddress,
  type State,
  UnsupportedScopeError,
} from '@tsgi/protocol'
import { FetchAdapterError, FetchAdapterErrorCode } from './errors.ts'
import { FetchExchange } from './exchange.ts'
import { type LifespanHooks, PendingTasks, runLifespan } from './lifespan.ts'
import { assertResponse, writeResponse } from './response.ts'

/**
 * What a fetch handler gets next to the `Request`. It is passed as the second argument (the
 * `env` of hono and Workers) and again as the third (the execution context: hono's
 * `c.executionCtx.waitUntil()` works).
 */
export interface FetchContext<S extends State = State> {
  /** The client address (`scope.client`), or `null` when unknown. */
  readonly client: Address | null
  /** The server address (`scope.server`). */
  readonly server: ServerAddress | null
  /** The TSGI scope of this request. */
  readonly scope: HTTPScope<S>
  /** The lifespan state (a shallow copy, as in `scope.state`). */
  readonly state: S
  /** Keeps `promise` running after the response; lifespan shutdown waits for it. */
  waitUntil(promise: Promise<unknown>): void
  /** A no-op, for handlers written for Cloudflare Workers. */
  passThroughOnException(): void
  /** An empty frozen object, for handlers written for Cloudflare Workers (`ctx.props`). */
  readonly props: Readonly<Record<string, unknown>>
}

/** A fetch handler: `(request, env, ctx) => Response`. Both extra arguments are the {@link FetchContext}. */
export type FetchHandler = (
  request: Request,
  env: FetchContext,
  ctx: FetchContext,
) => Response | Promise<Response>

/** An object with a `fetch` method (a hono app, a Bun-style module's default export). */
export interface FetchHandlerObject {
  /** Called with `this` bound to the object. */
  fetch: FetchHandler
}

/** Options of {@link fromFetch}. */
export interface FromFetchOptions extends LifespanHooks {
  /**
   * Called with the reason when a `waitUntil()` promise rejects (it is never an unhandled
   * rejection). Default: `console.error`.
   */
  onWaitUntilError?: (error: unknown) => void
}

const PROPS: Readonly<Record<string, unknown>> = Object.freeze({})

function noop(): void {}

function resolveHandler(handler: FetchHandler | FetchHandlerObject): FetchHandler {
  if (typeof handler === 'function') return handler
  if (typeof handler === 'object' && handler !== null && typeof handler.fetch === 'function')
    return handler.fetch.bind(handler)
  throw new FetchAdapterError(
    FetchAdapterErrorCode.handler,
    'fromFetch: expected a fetch handler function or an object with a fetch method',
  )
}

/**
 * Wraps a fetch handler as a TSGI application. Each `http` unit builds a native `Request` from
 * the scope (body pulled from `receive()` as the handler reads, `request.signal` aborted when
 * the client leaves), calls the handler, and streams the `Response` with one awaited `send()`
 * per chunk. The `lifespan` unit completes startup and, at shutdown, waits for the promises
 * given to `waitUntil()`. WebSocket scopes are refused (`UnsupportedScopeError`).
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { serve } from '@tsgi/server'
 * import { fromFetch } from '@tsgi/adapters/fetch'
 *
 * const hono = new Hono().get('/hello/:name', (c) => c.text(`hello ${c.req.param('name')}`))
 * await serve(fromFetch(hono), { port: 3000 })
 * ```
 */
export function fromFetch(
  handler: FetchHandler | FetchHandlerObject,
  options: FromFetchOptions = {},
): Application {
  const call = resolveHandler(handler)
  const tasks = new PendingTasks(options.onWaitUntilError ?? ((error) => console.error(error)))
  const waitUntil = (promise: Promise<unknown>): void => tasks.add(promise)

  async function http(scope: HTTPScope, receive: Receive, send: Send): Promise<void> {
    const exchange = new FetchExchange(receive)
    const request = exchange.request(scope)
    const context: FetchContext = {
      client: scope.client,
      server: scope.server,
      scope,
      state: scope.state,
      waitUntil,
      passThroughOnException: noop,
      props: PROPS,
    }
    const response: unknown = await call(request, context, context)
    assertResponse(response)
    await writeResponse(response, scope.method, send, exchange)
  }

  return (scope, receive, send) => {
    if (scope.type === 'http') return http(scope, receive, send)
    if (scope.type === 'lifespan') return runLifespan(scope.state, receive, send, tasks, options)
    return Promise.reject(new UnsupportedScopeError(scope.type))
  }
}
