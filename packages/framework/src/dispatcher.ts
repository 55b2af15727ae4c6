/**
 * Request dispatch: mounts, route matching with the slash policy, automatic HEAD, OPTIONS and
 * 405, validation, the compiled middleware chain of each route (cached on first use), error
 * boundaries, sending the response, then the request's `after()` tasks.
 *
 * @module
 */
import {
  decodePath,
  type HTTPScope,
  isClientDisconnected,
  type Receive,
  type Scope,
  type Send,
  type WebSocketScope,
} from '@tsgi/protocol'
import {
  DuplicateRouteError,
  FrameworkErrorCode,
  HTTPError,
  MethodNotAllowedError,
  NotFoundError,
} from './errors.ts'
import type { Link } from './middleware.ts'
import { Request } from './request.ts'
import { type ErrorLogger, errorResponse } from './respond.ts'
import { Response, redirect } from './response.ts'
import { appChain, compileRoute, httpTerminal, unexpectedResult } from './router/compile.ts'
import {
  allowedMethods,
  methodNotAllowed,
  notFound,
  notFoundDetail,
  sortMethods,
} from './router/miss.ts'
import type { DispatcherOptions, MountRecord, RouteRecord, RouterScope } from './router/model.ts'
import { parsePattern } from './router/path.ts'
import { type Match, NO_PARAMS, RouteTree } from './router/tree.ts'
import { sendResponse } from './send.ts'
import { isKnownFulfilled, knownFulfilled } from './settled.ts'
import { runWebSocketSession, webSocketTerminal } from './websocket.ts'

export type { DispatcherOptions } from './router/model.ts'

/** A route ready to serve: its record and, once compiled, its chain. */
interface CompiledRoute {
  record: RouteRecord
  link: Link | null
}

/** The routes at one path. */
interface PathRoutes {
  pattern: string
  methods: Map<string, CompiledRoute>
  websocket: CompiledRoute | null
  /** What `allow` lists (405, OPTIONS), worked out on first use; reset when a route is added. */
  allow: { methods: string[]; header: string } | null
}

const defaultLogger: ErrorLogger = {
  error(message, error) {
    process.stderr.write(
      `ERROR ${message}${error instanceof Error ? `\n${error.stack}` : error === undefined ? '' : ` ${String(error)}`}\n`,
    )
  },
}

/** A send failed after the start: the client leaving is no error, anything else is rethrown. */
function failedAfterStart(error: unknown): void {
  if (!isClientDisconnected(error)) throw error
}

/**
 * Dispatches one app's requests and WebSocket sessions to its routes and mounts (a server's
 * dispatcher, by contrast, hands a connection's requests to the app).
 */
export class RouteDispatcher {
  readonly options: DispatcherOptions
  private readonly tree = new RouteTree<PathRoutes>()
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
    const routes = this.tree.upsert(record.pattern, parsePattern(record.pattern), () => ({
      pattern: record.pattern,
      methods: new Map(),
      websocket: null,
      allow: null,
    }))
    routes.allow = null
    const compiled: CompiledRoute = { record, link: null }
    if (record.method === 'WEBSOCKET') {
      if (routes.websocket) throw new DuplicateRouteError('WEBSOCKET', record.pattern)
      routes.websocket = compiled
    } else {
      if (routes.methods.has(record.method))
        throw new DuplicateRouteError(record.method, record.pattern)
      routes.methods.set(record.method, compiled)
    }
    this.outer = null
    this.outerWebSocket = null
  }

  /** Validates the app before startup (patterns and duplicates are already checked at registration). */
  check(): void {
    this.chain()
  }

  /** The route table. */
  table(): string[] {
    const lines: string[] = []
    for (const [pattern, routes] of this.tree.entries()) {
      for (const method of sortMethods([...routes.methods.keys()]))
        lines.push(`${method.padEnd(8)}${pattern}`)
      if (routes.websocket) lines.push(`${'WS'.padEnd(8)}${pattern}`)
    }
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
        return this.respond(request, answered, send)
      } catch (error) {
        // A server whose send() throws instead of rejecting: still a rejection, as from an async app.
        return Promise.reject(error)
      }
    }
    return Promise.resolve(answered).then(
      (response) =>
        this.settle(
          response instanceof Response
            ? this.respond(request, response, send)
            : this.respond(request, unexpectedResult(response, request, this.options), send),
        ),
      (error: unknown) => {
        if (isClientDisconnected(error)) return
        return this.settle(this.respond(request, this.errorResponse(error, request), send))
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

  /** Sends the response, then runs the request's after() tasks. */
  private respond(request: Request, response: Response, send: Send): Promise<void> {
    const body = response.body
    let sent: Promise<void>
    if (body === null || typeof body === 'string' || body instanceof Uint8Array) {
      // Bytes are sent by two send() calls and nothing else can fail: a failure always comes
      // after the start, so the handler needs nothing of this request (no closure, no context);
      // and when the sends answered with a promise known to be fulfilled, none is needed.
      sent = sendResponse(response, request.scope, send)
      if (!knownFulfilled(sent)) sent = sent.then(undefined, failedAfterStart)
    } else sent = this.respondTracked(request, response, send)
    return request.afterTasks === null ? sent : sent.then(() => this.runAfter(request))
  }

  /** Streams and files can fail before their first send(): tracked, for a proper error then. */
  private respondTracked(request: Request, response: Response, send: Send): Promise<void> {
    let started = false
    const tracked: Send = (event) => {
      started = true
      return send(event)
    }
    return sendResponse(response, request.scope, tracked).then(undefined, (error: unknown) =>
      this.sendFailed(error, request, send, started),
    )
  }

  /**
   * Sending failed. The client leaving is no error (after() tasks still run); a body that fails
   * before anything was sent (a missing file, a stream that throws at once) still gets a
   * proper error response.
   */
  private async sendFailed(
    error: unknown,
    request: Request,
    send: Send,
    started: boolean,
  ): Promise<void> {
    if (isClientDisconnected(error)) return
    if (started) throw error
    await sendResponse(this.errorResponse(error, request), request.scope, send).catch(
      (e: unknown) => {
        if (!isClientDisconnected(e)) throw e
      },
    )
  }

  private async runAfter(request: Request): Promise<void> {
    for (const task of request.afterTasks ?? []) {
      try {
        await task()
      } catch (error) {
        this.options.logger.error(
          `after() task failed for ${request.method} ${request.path}`,
          error,
        )
      }
    }
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

  /** Finds the routes for a scope's path: a match, a redirect target, or nothing. */
  private find(scope: HTTPScope): Match<PathRoutes> | { redirect: string } | null {
    const root = scope.rootPath
    const rel = (root === '' ? scope.rawPath : scope.rawPath.slice(root.length)) || '/'
    const plain =
      !rel.includes('%') && !rel.includes('//') && (rel.length === 1 || !rel.endsWith('/'))
    if (plain) return this.tree.match(rel)
    const raw = rel.slice(1).split('/')
    const segments = raw.map(decodePath)
    const slashes = this.options.slashes
    const canonical = slashes === 'strict' ? segments : segments.filter((s) => s !== '')
    const safeKey = canonical.every((s) => !s.includes('/'))
    const match = this.tree.match(safeKey ? `/${canonical.join('/')}` : '', canonical)
    if (!match) return null
    if (slashes === 'redirect' && canonical.length !== segments.length) {
      const target = `${scope.rootPath}/${raw.filter((s) => s !== '').join('/')}`
      return { redirect: scope.queryString ? `${target}?${scope.queryString}` : target }
    }
    return match
  }

  /**
   * Routing at the app level, inside its error boundary. A 404 or 405 throws its error only
   * when the app has an error handler to see it ({@link quietMisses}): otherwise the default
   * answer is made directly, without an `Error` per request (router/miss.ts).
   */
  private route(request: Request): Response | Promise<Response> {
    const found = this.find(request.scope)
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
    const found = this.find(request.scope)
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
