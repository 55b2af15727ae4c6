/**
 * Request dispatch: mounts, route matching, automatic HEAD, OPTIONS and 405, validation, the
 * compiled middleware chain of each route (cached on first use), error boundaries. The routes
 * by path and the slash policy are in router/routes.ts; sending the response and the
 * request's `after()` tasks, in deliver.ts.
 *
 * @module
 */
import {
  type HTTPScope,
  isClientDisconnected,
  type Receive,
  type Scope,
  type Send,
  type WebSocketScope,
} from '@tsgi/protocol'
import { deliver } from './deliver.ts'
import { FrameworkErrorCode, HTTPError, MethodNotAllowedError, NotFoundError } from './errors.ts'
import type { Link } from './middleware.ts'
import { Request } from './request.ts'
import { type ErrorLogger, errorResponse } from './respond.ts'
import { Response, redirect } from './response.ts'
import { appChain, compileRoute, httpTerminal, unexpectedResult } from './router/compile.ts'
import { allowedMethods, methodNotAllowed, notFound, notFoundDetail } from './router/miss.ts'
import type { DispatcherOptions, MountRecord, RouteRecord, RouterScope } from './router/model.ts'
import { type CompiledRoute, type PathRoutes, RouteTable } from './router/routes.ts'
import { type Match, NO_PARAMS } from './router/tree.ts'
import { isKnownFulfilled } from './settled.ts'
import { runWebSocketSession, webSocketTerminal } from './websocket.ts'

export type { DispatcherOptions } from './router/model.ts'

const defaultLogger: ErrorLogger = {
  error(message, error) {
    process.stderr.write(
      `ERROR ${message}${error instanceof Error ? `\n${error.stack}` : error === undefined ? '' : ` ${String(error)}`}\n`,
    )
  },
}

/**
 * Dispatches one app's requests and WebSocket sessions to its routes and mounts (a server's
 * dispatcher, by contrast, hands a connection's requests to the app).
 */
export class RouteDispatcher {
  readonly options: DispatcherOptions
  private readonly routes = new RouteTable()
  private readonly appScope: RouterScope
  private readonly mounts: MountRecord[]
  private outer: Link | null = null
  /**
   * Whether a 404 or 405 is answered without its error: nothing can see it, since the app's
   * boundary (built with the chain) has no error handler. Set with the chain.
   */
  private quietMisses = false
  private outerWebSocket: Link | null = null

  constructor(appScope: RouterScope, mounts: MountRecord[], options: Partial<DispatcherOptions>) {
    this.appScope = appScope
    this.mounts = mounts
    this.options = {
      bodyLimit: options.bodyLimit ?? 1024 * 1024,
      slashes: options.slashes ?? 'redirect',
      coerce: options.coerce ?? true,
      debug: options.debug ?? false,
      logger: options.logger ?? defaultLogger,
    }
  }

  /** Adds a route; the same method and path twice is refused. */
  add(record: RouteRecord): void {
    this.routes.add(record)
    this.outer = null
    this.outerWebSocket = null
  }

  /** Validates the app before startup (patterns and duplicates are already checked at registration). */
  check(): void {
    this.chain()
  }

  /** The route table. */
  table(): string[] {
    const lines = this.routes.lines()
    for (const mount of this.mounts) lines.push(`${'MOUNT'.padEnd(8)}${mount.prefix}`)
    return lines
  }

  /** The mounted app for a scope, with its scope adjusted, if the path is under a mount. */
  private mounted(scope: HTTPScope | WebSocketScope): [MountRecord['app'], Scope] | null {
    const rel = scope.path.slice(scope.rootPath.length)
    for (const mount of this.mounts) {
      if (rel === mount.prefix || rel.startsWith(`${mount.prefix}/`))
        return [mount.app, { ...scope, rootPath: scope.rootPath + mount.prefix }]
    }
    return null
  }

  /** Handles one HTTP request. */
  http(scope: HTTPScope, receive: Receive, send: Send): Promise<void> {
    if (this.mounts.length > 0) {
      const mounted = this.mounted(scope)
      if (mounted) return mounted[0](mounted[1], receive, send)
    }
    const request = new Request(scope, receive, this.options.bodyLimit)
    // Promise chains rather than one async function: its frame held every local of the
    // error paths, the largest allocation per request in the heap profile.
    let answered: Response | Promise<Response>
    try {
      answered = this.chain()(request)
    } catch (error) {
      // Only without an app boundary (see chain()): the default error response, as it made.
      answered = this.recover(error, request)
    }
    if (answered instanceof Response) {
      try {
        return deliver(request, answered, send, this.options)
      } catch (error) {
        // A server whose send() throws instead of rejecting: still a rejection, as from an async app.
        return Promise.reject(error)
      }
    }
    return Promise.resolve(answered).then(
      (response) =>
        this.settle(
          response instanceof Response
            ? deliver(request, response, send, this.options)
            : deliver(
                request,
                unexpectedResult(response, request, this.options),
                send,
                this.options,
              ),
        ),
      (error: unknown) => {
        if (isClientDisconnected(error)) return
        return this.settle(deliver(request, this.errorResponse(error, request), send, this.options))
      },
    )
  }

  /**
   * What a reaction returns for `sent`: nothing when `sent` is known to be fulfilled, since a
   * promise returned from a reaction is adopted through two more microtasks and a `then`.
   */
  private settle(sent: Promise<void>): Promise<void> | undefined {
    return isKnownFulfilled(sent) ? undefined : sent
  }

  /** A synchronous failure of the chain: the client leaving, or the default error response. */
  private recover(error: unknown, request: Request): Response | Promise<Response> {
    if (isClientDisconnected(error)) return Promise.reject(error)
    try {
      return this.errorResponse(error, request)
    } catch (failure) {
      return Promise.reject(failure)
    }
  }

  private errorResponse(error: unknown, request: Request): Response {
    return errorResponse(error, request, this.options.logger, this.options.debug)
  }

  /** Handles one WebSocket session: the same app chain and route chains as HTTP requests. */
  websocket(scope: WebSocketScope, receive: Receive, send: Send): Promise<void> {
    if (this.mounts.length > 0) {
      const mounted = this.mounted(scope)
      if (mounted) return mounted[0](mounted[1], receive, send)
    }
    this.outerWebSocket ??= appChain(this.appScope, (r) => this.routeWebSocket(r), this.options)
    return runWebSocketSession(scope, receive, send, this.outerWebSocket, this.options)
  }

  /**
   * The app-level chain of HTTP requests (built once, rebuilt after a route is added). An app
   * without middleware or error handler has no boundary of its own: {@link http} answers what
   * it would (the default error response), without a pass-through promise per request.
   */
  private chain(): Link {
    if (this.outer === null) {
      const scope = this.appScope
      const routing: Link = (request) => this.route(request)
      this.quietMisses = scope.errorHandler === null
      this.outer =
        this.quietMisses && scope.middleware.length === 0
          ? routing
          : appChain(scope, routing, this.options)
    }
    return this.outer
  }

  /**
   * Routing at the app level, inside its error boundary. A 404 or 405 throws its error only
   * when the app has an error handler to see it ({@link quietMisses}): otherwise the default
   * answer is made directly, without an `Error` per request (router/miss.ts).
   */
  private route(request: Request): Response | Promise<Response> {
    const found = this.routes.find(request.scope, this.options.slashes)
    if (found === null) {
      if (this.quietMisses) return notFound(request.method, request.path)
      throw new NotFoundError(notFoundDetail(request.method, request.path), {
        code: FrameworkErrorCode.routeNotFound,
      })
    }
    if ('redirect' in found) return redirect(found.redirect, 308)
    const routes = found.value
    let compiled = routes.methods.get(request.method)
    if (!compiled && request.method === 'HEAD') compiled = routes.methods.get('GET')
    if (!compiled) return this.unrouted(request, routes)
    return this.enter(compiled, found, request)
  }

  /** A path with routes, none for this method: 405, 204 for OPTIONS, 426 if WebSocket only. */
  private unrouted(request: Request, routes: PathRoutes): Response {
    if (routes.allow === null) {
      const methods = allowedMethods(routes.methods.keys())
      routes.allow = { methods, header: methods.join(', ') }
    }
    const allow = routes.allow
    if (allow.methods.length === 0) {
      throw new HTTPError(426, {
        detail: 'this path only accepts WebSocket upgrades',
        headers: { upgrade: 'websocket', connection: 'Upgrade' },
      })
    }
    if (request.method === 'OPTIONS')
      return new Response(null, { status: 204, headers: { allow: allow.header } })
    if (this.quietMisses) return methodNotAllowed(request.method, allow.header)
    throw new MethodNotAllowedError(request.method, [...allow.methods])
  }

  /** Routing of an upgrade request: its path's WebSocket route, or 404. */
  private routeWebSocket(request: Request): Response | Promise<Response> {
    const found = this.routes.find(request.scope, this.options.slashes)
    const compiled = found !== null && 'value' in found ? found.value.websocket : null
    if (compiled === null)
      throw new NotFoundError(`no WebSocket route for ${request.path}`, {
        code: FrameworkErrorCode.routeNotFound,
      })
    return this.enter(compiled, found as Match<PathRoutes>, request)
  }

  /** Runs a matched route's chain, compiled on first use (HTTP and WebSocket routes alike). */
  private enter(
    compiled: CompiledRoute,
    found: Match<PathRoutes>,
    request: Request,
  ): Response | Promise<Response> {
    // A path without parameters keeps the request's own (fresh, writable) params object.
    if (found.params !== NO_PARAMS) request.params = found.params
    request.route = found.value.pattern
    const record = compiled.record
    compiled.link ??= compileRoute(
      record,
      this.appScope,
      this.options,
      (record.method === 'WEBSOCKET' ? webSocketTerminal : httpTerminal)(record, this.options),
    )
    return compiled.link(request)
  }
}
