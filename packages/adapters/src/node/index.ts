/**
 * `@tsgi/adapters/node`: run a node:http request listener (an Express app, Connect,
 * `koa.callback()`, a plain `(req, res)` function) as a TSGI application.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Application, type Scope, UnsupportedScopeError } from '@tsgi/protocol'
import { NodeAdapterErrorCode, NodeListenerError } from './errors.ts'
import { NodeExchange, type NodeListener, type NodeListenerOptions } from './exchange.ts'

export { NodeAdapterErrorCode, NodeListenerError, NodeStatusError } from './errors.ts'
export type { NodeListener, NodeListenerOptions } from './exchange.ts'
export { ResponseParseError } from './response-parser.ts'

/**
 * An `http.Server` (or any `EventEmitter`) whose `'request'` listeners answer requests: the
 * server fastify builds (`app.server`) or one a `serverFactory` returned. Each request is
 * delivered as `server.emit('request', req, res)`; the server itself never listens.
 */
export interface NodeRequestEmitter {
  /** As `EventEmitter#listenerCount`: read at mount time for `'request'` and `'upgrade'`. */
  listenerCount(event: string): number
  /** As `EventEmitter#emit`. */
  emit(event: 'request', req: IncomingMessage, res: ServerResponse): boolean
}

function listenerCount(target: object, event: string): number {
  const count = (target as Partial<NodeRequestEmitter>).listenerCount
  return typeof count === 'function' ? count.call(target, event) : 0
}

/**
 * The listener to call for `target`, checked once at mount time. A target with `'upgrade'`
 * listeners is refused: WebSocket libraries (ws, socket.io) take the raw socket there, and a
 * TSGI `http` scope has none, so their clients would hang instead of failing.
 */
function resolveListener(target: unknown): NodeListener {
  const isObject = (typeof target === 'object' && target !== null) || typeof target === 'function'
  const upgrades = isObject ? listenerCount(target, 'upgrade') : 0
  if (upgrades > 0) {
    throw new NodeListenerError(
      NodeAdapterErrorCode.upgrade,
      `fromNodeListener: the ${typeof target === 'function' ? 'listener' : 'server'} has ` +
        `${upgrades} 'upgrade' listener${upgrades === 1 ? '' : 's'} (ws, socket.io and other ` +
        'WebSocket libraries add them); they need the raw socket, which a TSGI http scope ' +
        'never gives. Serve WebSockets with a TSGI websocket application, and for the HTTP ' +
        "part alone pass (req, res) => server.emit('request', req, res)",
    )
  }
  if (typeof target === 'function') return target as NodeListener
  if (isObject && listenerCount(target, 'request') > 0) {
    const server = target as NodeRequestEmitter
    return (req, res) => {
      server.emit('request', req, res)
    }
  }
  const got =
    target === null ? 'null' : isObject ? 'an object without request listeners' : typeof target
  throw new NodeListenerError(
    NodeAdapterErrorCode.listener,
    `fromNodeListener: expected a (req, res) function or an http.Server with 'request' ` +
      `listeners, got ${got} (pass the Express/Connect app, koa.callback() or fastify's server)`,
  )
}

/**
 * Wraps a node:http listener (or an `http.Server`'s `'request'` listeners) as a TSGI application. Each `http` scope gets a real
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
 *   no lifespan, and WebSocket libraries need the raw socket. A listener or server that has
 *   `'upgrade'` listeners when mounted is refused at once (`TSGI_ADAPTERS_ERR_NODE_UPGRADE`).
 * - `listener` may also be an `http.Server` (fastify's `app.server`): requests are delivered
 *   through its `'request'` listeners; it never listens itself.
 * - A response ended with only a 1xx head (`res.status(101).end()`) fails with
 *   `NodeStatusError` (a 500) instead of waiting for a final response.
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
 * @throws {NodeListenerError} when `listener` is neither a function nor an emitter with
 *   `'request'` listeners (`TSGI_ADAPTERS_ERR_NODE_LISTENER`), or has `'upgrade'` listeners
 *   (`TSGI_ADAPTERS_ERR_NODE_UPGRADE`).
 */
export function fromNodeListener(
  listener: NodeListener | NodeRequestEmitter,
  options: NodeListenerOptions = {},
): Application {
  const handler = resolveListener(listener)
  return (scope: Scope, receive, send) => {
    if (scope.type !== 'http') return Promise.reject(new UnsupportedScopeError(scope.type))
    return new NodeExchange(scope, receive, send, options).run(handler)
  }
}
