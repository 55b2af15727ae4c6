/**
 * Route registration: methods, options with schemas, groups with a prefix, their own
 * middleware and error handlers, WebSocket routes, and mounted TSGI applications. The types
 * infer params from the path literal and values from the schemas, for the editor.
 *
 * @module
 */
import type { Application, State } from '@tsgi/protocol'
import type { Middleware } from '../middleware.ts'
import type { Query } from '../query.ts'
import type { Request } from '../request.ts'
import type { Response } from '../response.ts'
import type { Validated, Validator } from '../validation.ts'
import type { WebSocket } from '../websocket.ts'
import { joinPaths, type PathParams } from './path.ts'

/** Schemas (or extractor functions) for the parts of a request, and per-route settings. */
export interface RouteOptions<S extends State = State> {
  /** Validates path parameters (strings coerced to numbers/booleans as the schema asks). */
  params?: Validator
  /** Validates the parsed query (coerced like params), or an extractor `(rawQuery, req) => value`. */
  query?: Validator
  /** Validates the parsed body (JSON or form, by content-type), or an extractor `(req) => value`. */
  body?: Validator
  /** Validates the request headers as a record (coerced like params). */
  headers?: Validator
  /** Largest accepted body in bytes (413 beyond). Default: the app's `bodyLimit` (1 MiB). */
  bodyLimit?: number
  /** Middleware for this route only, innermost. */
  middleware?: Middleware<S>[]
}

type Part<O, K extends string, Fallback> = O extends { [P in K]: infer V extends Validator }
  ? Validated<V>
  : Fallback

/** The request types a route's path and options produce. */
export interface RouteTypes<P extends string, O, S extends State> {
  params: Part<O, 'params', PathParams<P>>
  query: Part<O, 'query', Query>
  body: Part<O, 'body', undefined>
  state: S
}

/** What a handler may return: a Response, or a convenience value (see `toResponse`). */
export type HandlerResult =
  | Response
  | string
  | Uint8Array
  | object
  | number
  | boolean
  | null
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler with no return statement returns void
  | void

/** A route handler. */
export type Handler<P extends string, O, S extends State> = (
  request: Request<RouteTypes<P, O, S>>,
) => HandlerResult | Promise<HandlerResult>

/** A WebSocket route handler: gets the socket (accept it, or close/deny) and the upgrade request. */
export type WebSocketHandler<P extends string, O, S extends State> = (
  socket: WebSocket,
  request: Request<RouteTypes<P, O, S>>,
) => void | Promise<void>

/** Turns an error into a response, or rethrows it to the next handler out. */
export type ErrorHandler<S extends State = State> = (
  error: unknown,
  request: Request<{ params: Record<string, string>; query: Query; body: unknown; state: S }>,
) => Response | Promise<Response>

/** A registered route, before it is compiled into the app's tree. */
export interface RouteRecord {
  /** Uppercase method, or `WEBSOCKET`. */
  method: string
  /** Full pattern relative to the router it is in. */
  pattern: string
  handler: (...args: never[]) => unknown
  options: RouteOptions
  /** The routers it was registered through, outermost first (for middleware and error handlers). */
  scopes: RouterScope[]
}

/** Middleware and error handler of one router level. */
export interface RouterScope {
  middleware: Middleware[]
  errorHandler: ErrorHandler | null
}

/** A mounted TSGI application. */
export interface MountRecord {
  prefix: string
  app: Application
}

/** Options of a Router. */
export interface RouterOptions {
  /** Prefix for every route of this router. */
  prefix?: string
}

type Registrar<S extends State, R> = {
  <P extends string>(path: P, handler: Handler<P, object, S>): R
  <P extends string, const O extends RouteOptions<S>>(
    path: P,
    options: O,
    handler: Handler<P, O, S>,
  ): R
}

/** Collects routes; see `createApp` for the application itself. */
export class Router<S extends State = State> {
  /** @internal The routes registered so far (with this router's prefix applied). */
  readonly records: RouteRecord[] = []
  /** @internal Mounted applications. */
  readonly mounts: MountRecord[] = []
  /** @internal This router's middleware and error handler. */
  readonly scope: RouterScope = { middleware: [], errorHandler: null }
  /** @internal The prefix. */
  readonly prefix: string

  constructor(options: RouterOptions = {}) {
    this.prefix = options.prefix ?? ''
  }

  /** @internal Receives each new route (the app overrides it to build its tree). */
  protected added(_record: RouteRecord): void {}

  private register(
    methods: string | readonly string[],
    path: string,
    a: unknown,
    b?: unknown,
  ): this {
    const [options, handler] = (b === undefined ? [{}, a] : [a, b]) as [
      RouteOptions,
      RouteRecord['handler'],
    ]
    if (typeof handler !== 'function')
      throw new TypeError(`route ${path}: the handler must be a function`)
    for (const method of typeof methods === 'string' ? [methods] : methods) {
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method))
        throw new TypeError(`route ${path}: ${JSON.stringify(method)} is not a method token`)
      const record: RouteRecord = {
        method: method.toUpperCase(),
        pattern: joinPaths(this.prefix, path),
        handler,
        options,
        scopes: [this.scope],
      }
      this.records.push(record)
      this.added(record)
    }
    return this
  }

  /** Registers `GET` (and so `HEAD`, answered from it). */
  readonly get: Registrar<S, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('GET', path, a, b)
  /** Registers `POST`. */
  readonly post: Registrar<S, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('POST', path, a, b)
  /** Registers `PUT`. */
  readonly put: Registrar<S, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('PUT', path, a, b)
  /** Registers `PATCH`. */
  readonly patch: Registrar<S, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('PATCH', path, a, b)
  /** Registers `DELETE`. */
  readonly delete: Registrar<S, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('DELETE', path, a, b)
  /** Registers `HEAD` explicitly (otherwise answered from `GET`). */
  readonly head: Registrar<S, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('HEAD', path, a, b)
  /** Registers `OPTIONS` explicitly (otherwise answered with `Allow`). */
  readonly options: Registrar<S, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('OPTIONS', path, a, b)

  /** Registers one handler for several methods (any method tokens). */
  on<P extends string>(
    methods: string | readonly string[],
    path: P,
    handler: Handler<P, object, S>,
  ): this
  on<P extends string, const O extends RouteOptions<S>>(
    methods: string | readonly string[],
    path: P,
    options: O,
    handler: Handler<P, O, S>,
  ): this
  on(methods: string | readonly string[], path: string, a: unknown, b?: unknown): this {
    return this.register(methods, path, a, b)
  }

  /** Registers a WebSocket route. */
  ws<P extends string>(path: P, handler: WebSocketHandler<P, object, S>): this
  ws<P extends string, const O extends RouteOptions<S>>(
    path: P,
    options: O,
    handler: WebSocketHandler<P, O, S>,
  ): this
  ws(path: string, a: unknown, b?: unknown): this {
    return this.register('WEBSOCKET', path, a, b)
  }

  /** Adds middleware for every route of this router (and, on the app, for every request). */
  use(...middleware: Middleware<S>[]): this {
    this.scope.middleware.push(...(middleware as Middleware[]))
    return this
  }

  /** Sets this router's error handler (it may rethrow to pass an error further out). */
  onError(handler: ErrorHandler<S>): this {
    this.scope.errorHandler = handler as ErrorHandler
    return this
  }

  /**
   * Copies `router`'s routes (as they are now) under this router, with its prefix, middleware
   * and error handler. A router typed for any state (`Router`) can be included in any app.
   */
  include(router: Router<S> | Router): this {
    for (const record of router.records) {
      const nested: RouteRecord = {
        ...record,
        pattern: joinPaths(this.prefix, record.pattern),
        scopes: [this.scope, ...record.scopes],
      }
      this.records.push(nested)
      this.added(nested)
    }
    for (const mount of router.mounts) this.mount(joinPaths(router.prefix, mount.prefix), mount.app)
    return this
  }

  /** Creates a router with `prefix`, lets `build` fill it, and includes it. */
  group(prefix: string, build: (router: Router<S>) => void): this {
    const router = new Router<S>({ prefix })
    build(router)
    return this.include(router)
  }

  /**
   * Mounts any TSGI application under `prefix`: every request and WebSocket under it goes to
   * `app` with `rootPath` extended by the prefix. Middleware of this framework does not run
   * for it (it answers through its own `send`).
   */
  mount(prefix: string, app: Application): this {
    this.mounts.push({ prefix: joinPaths(this.prefix, prefix), app })
    return this
  }
}
