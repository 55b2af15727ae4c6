/**
 * Route registration: methods, options with schemas, groups with a prefix, their own
 * middleware and error handlers, WebSocket routes, and mounted TSGI applications. The types
 * infer params from the path literal and values from the schemas, for the editor.
 *
 * @module
 */
import type { State } from '@tsgi/protocol'
import type { LocalsOf, Middleware } from '../middleware.ts'
import type { Locals } from '../request.ts'
import type { WebSocketHandler } from '../websocket.ts'
import type {
  ErrorHandler,
  Handler,
  MountRecord,
  RouteOptions,
  RouteRecord,
  RouterScope,
} from './model.ts'
import { joinPaths } from './path.ts'

export type { WebSocketHandler } from '../websocket.ts'
export type {
  ErrorHandler,
  Handler,
  HandlerResult,
  MountRecord,
  RouteOptions,
  RouteRecord,
  RouterScope,
  RouteTypes,
} from './model.ts'

/** Options of a Router. */
export interface RouterOptions {
  /** Prefix for every route of this router. */
  prefix?: string
}

type Registrar<S extends State, L extends object, R> = {
  <P extends string>(path: P, handler: Handler<P, object, S, L>): R
  <P extends string, const O extends RouteOptions<S>>(
    path: P,
    options: O,
    handler: Handler<P, O, S, L>,
  ): R
}

/**
 * What `use(...middleware)` returns: the same router, typed with the locals the middleware
 * declare when they declare any (so that `router.use(auth).get(…)` handlers see them).
 */
export type WithLocals<R, S extends State, L extends object, A> = unknown extends A
  ? R
  : Router<S, L & A>

/**
 * Collects routes; see `createApp` for the application itself. `S` types the lifespan state,
 * `L` the locals its handlers see (what middleware declared through `createMiddleware` add).
 */
export class Router<S extends State = State, L extends object = Locals> {
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
  readonly get: Registrar<S, L, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('GET', path, a, b)
  /** Registers `POST`. */
  readonly post: Registrar<S, L, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('POST', path, a, b)
  /** Registers `PUT`. */
  readonly put: Registrar<S, L, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('PUT', path, a, b)
  /** Registers `PATCH`. */
  readonly patch: Registrar<S, L, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('PATCH', path, a, b)
  /** Registers `DELETE`. */
  readonly delete: Registrar<S, L, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('DELETE', path, a, b)
  /** Registers `HEAD` explicitly (otherwise answered from `GET`). */
  readonly head: Registrar<S, L, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('HEAD', path, a, b)
  /** Registers `OPTIONS` explicitly (otherwise answered with `Allow`). */
  readonly options: Registrar<S, L, this> = (path: string, a: unknown, b?: unknown) =>
    this.register('OPTIONS', path, a, b)

  /** Registers one handler for several methods (any method tokens). */
  on<P extends string>(
    methods: string | readonly string[],
    path: P,
    handler: Handler<P, object, S, L>,
  ): this
  on<P extends string, const O extends RouteOptions<S>>(
    methods: string | readonly string[],
    path: P,
    options: O,
    handler: Handler<P, O, S, L>,
  ): this
  on(methods: string | readonly string[], path: string, a: unknown, b?: unknown): this {
    return this.register(methods, path, a, b)
  }

  /** Registers a WebSocket route. */
  ws<P extends string>(path: P, handler: WebSocketHandler<P, object, S, L>): this
  ws<P extends string, const O extends RouteOptions<S>>(
    path: P,
    options: O,
    handler: WebSocketHandler<P, O, S, L>,
  ): this
  ws(path: string, a: unknown, b?: unknown): this {
    return this.register('WEBSOCKET', path, a, b)
  }

  /**
   * Adds middleware for every route of this router (and, on the app, for every request).
   * Returns this router, typed with the locals the middleware declare, if any: register the
   * routes that rely on them on what it returns.
   */
  use<const M extends readonly Middleware<S>[]>(
    ...middleware: M
  ): WithLocals<this, S, L, LocalsOf<M[number]>> {
    this.scope.middleware.push(...(middleware as readonly Middleware[]))
    return this as unknown as WithLocals<this, S, L, LocalsOf<M[number]>>
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
  include(router: Router<S, L> | Router): this {
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
  group(prefix: string, build: (router: Router<S, L>) => void): this {
    const router = new Router<S, L>({ prefix })
    build(router)
    return this.include(router)
  }

  /**
   * Mounts any TSGI application under `prefix`: every request and WebSocket under it goes to
   * `app` with `rootPath` extended by the prefix. Middleware of this framework does not run
   * for it (it answers through its own `send`).
   */
  mount(prefix: string, app: MountRecord['app']): this {
    this.mounts.push({ prefix: joinPaths(this.prefix, prefix), app })
    return this
  }
}
