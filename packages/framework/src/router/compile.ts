/**
 * The one place a route's chain is built, for HTTP and WebSocket routes alike: the route's
 * validation and handler (its terminal), the route's middleware, then each router level
 * inside-out with its error boundary around its inner chain and its middleware around that;
 * the app level (global middleware around the app's boundary around routing) is built by
 * {@link appChain} and shared by every route and by 404s.
 *
 * @module
 */
import { isClientDisconnected } from '@tsgi/protocol'
import { HandlerResultError } from '../errors.ts'
import { compose, type Link } from '../middleware.ts'
import type { Request } from '../request.ts'
import { errorResponse, toResponse } from '../respond.ts'
import { Response } from '../response.ts'
import { validateRoute } from '../validate-route.ts'
import { describeValue, fromWebResponse, isWebResponse } from '../web-response.ts'
import type { DispatcherOptions, ErrorHandler, RouteRecord, RouterScope } from './model.ts'

/** An error boundary: a level's error handler catches what its inner chain throws. */
export function boundary(
  handler: ErrorHandler | null,
  inner: Link,
  options: DispatcherOptions,
): Link {
  const recover = (error: unknown, request: Request): Response | Promise<Response> => {
    if (isClientDisconnected(error)) throw error
    if (handler) return handler(error, request as Parameters<ErrorHandler>[1])
    return errorResponse(error, request, options.logger, options.debug)
  }
  return (request) => {
    let result: Response | Promise<Response>
    try {
      result = inner(request)
    } catch (error) {
      return recover(error, request)
    }
    if (result instanceof Response) return result
    return Promise.resolve(result).then(undefined, (error: unknown) => recover(error, request))
  }
}

/** The app-level chain: global middleware around the app's error boundary around `routing`. */
export function appChain(appScope: RouterScope, routing: Link, options: DispatcherOptions): Link {
  return compose(appScope.middleware, boundary(appScope.errorHandler, routing, options))
}

/**
 * Runs `call` after the route's body limit and validation: synchronously when no schema
 * waits. No async frames of our own on this path: each await layer costs a promise, a
 * microtask and a frame object per request (profiled).
 */
export function validated(
  record: RouteRecord,
  options: DispatcherOptions,
  call: (request: Request) => Response | Promise<Response>,
): Link {
  const o = record.options
  const limit = o.bodyLimit
  const validates = Boolean(o.params || o.query || o.headers || o.body)
  return (request) => {
    if (limit !== undefined) request.setBodyLimit(limit)
    return validates ? validateRoute(request, o, options, call) : call(request)
  }
}

/** The terminal of an HTTP route: validation, then the handler, its result made a Response. */
export function httpTerminal(record: RouteRecord, options: DispatcherOptions): Link {
  const handler = record.handler as (request: Request) => unknown
  return validated(record, options, (request) => {
    const result = handler(request)
    return typeof (result as PromiseLike<unknown> | null)?.then === 'function'
      ? Promise.resolve(result).then(toResponse)
      : toResponse(result)
  })
}

/**
 * Compiles a route around its terminal: route middleware, then each router level inside-out
 * (its boundary, then its middleware). The app level is left out: {@link appChain} has it.
 * Links may throw synchronously: the boundary around them catches both kinds of failure.
 */
export function compileRoute(
  record: RouteRecord,
  appScope: RouterScope,
  options: DispatcherOptions,
  terminal: Link,
): Link {
  let link = compose(record.options.middleware ?? [], terminal)
  for (let i = record.scopes.length - 1; i >= 0; i--) {
    const scope = record.scopes[i]!
    if (scope === appScope) continue
    if (scope.errorHandler) link = boundary(scope.errorHandler, link, options)
    link = compose(scope.middleware, link)
  }
  return link
}

/**
 * The response for what a chain resolved with when it is not a framework Response: a web
 * `Response` (a middleware answering early with one) is converted; anything else is a
 * middleware (or error handler) that forgot its `return`: a logged 500.
 */
export function unexpectedResult(
  value: unknown,
  request: Request,
  options: DispatcherOptions,
): Response {
  if (typeof value === 'object' && value !== null && isWebResponse(value))
    return fromWebResponse(value)
  const error = new HandlerResultError(
    `the middleware chain resolved with ${value === undefined ? 'undefined' : describeValue(value)} instead of a Response (a middleware without \`return next()\`?)`,
  )
  return errorResponse(error, request, options.logger, options.debug)
}
