/**
 * `@tsgi/adapters/node`: run a node:http request listener (an Express app, Connect,
 * `koa.callback()`, a plain `(req, res)` function) as a TSGI application.
 *
 * @module
 */
import { type Application, type Scope, UnsupportedScopeError } from '@tsgi/protocol'
import { NodeExchange, type NodeListener, type NodeListenerOptions } from './exchange.ts'

export type { NodeListener, NodeListenerOptions } from './exchange.ts'
export { ResponseParseError } from './response-parser.ts'

/** `fromNodeListener` was given something that is not a listener function. */
export class NodeListenerError extends TypeError {
  /** Stable code. */
  readonly code = 'TSGI_ADAPTERS_ERR_NODE_LISTENER'

  constructor(message: string) {
    super(message)
    this.name = 'NodeListenerError'
  }
}

/**
 * Wraps a node:http listener as a TSGI application. Each `http` scope gets a real
 * `http.IncomingMessage` and `http.ServerResponse` over a virtual socket, so Express (which
 * swaps their prototypes) and every middleware reading `req.socket` work unchanged.
 *
 * - The request body is pulled from `receive()` only as the listener reads it.
 * - `res.write()` returns `false` while a `send()` is pending; `'drain'` follows its resolution.
 * - A client disconnect aborts once: `req` emits `'aborted'` and `'close'`, `res` `'close'`
 *   without `'finish'`, and later writes fail as on a destroyed socket.
 * - Hop-by-hop response headers are dropped; `set-cookie` values stay separate. Trailers set
 *   with `res.addTrailers()` are sent when the response has a `Trailer` header and the server
 *   offers `http.response.trailers`; otherwise they are dropped.
 * - The listener gets no `next` (Express's final handler answers unmatched routes and errors).
 * - A listener error (thrown, or a rejected returned promise) rejects the application: the
 *   server answers 500 before the response began and aborts the connection after.
 * - `lifespan` and `websocket` scopes are refused with `UnsupportedScopeError`: a listener has
 *   no lifespan, and its `'upgrade'` handlers live on an `http.Server` the adapter never sees.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { serve } from '@tsgi/server'
 * import { fromNodeListener } from '@tsgi/adapters/node'
 *
 * const app = express()
 * app.get('/', (req, res) => res.json({ hello: 'tsgi' }))
 * await serve(fromNodeListener(app), { port: 3000 })
 * ```
 *
 * @throws {NodeListenerError} when `listener` is not a function.
 */
export function fromNodeListener(
  listener: NodeListener,
  options: NodeListenerOptions = {},
): Application {
  if (typeof listener !== 'function') {
    throw new NodeListenerError(
      `fromNodeListener: expected a (req, res) function, got ${listener === null ? 'null' : typeof listener}` +
        ' (pass the Express/Koa app or its callback(), not an http.Server)',
    )
  }
  return (scope: Scope, receive, send) => {
    if (scope.type !== 'http') return Promise.reject(new UnsupportedScopeError(scope.type))
    return new NodeExchange(scope, receive, send, options).run(listener)
  }
}
