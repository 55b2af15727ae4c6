/**
 * The route model: what registration records (routes, the router levels they went through,
 * mounts), the options a route declares, and the types a route's path and options give its
 * handler. The router fills it, the pipeline compiles it, the dispatcher serves it; this module
 * imports none of them, so nothing imports in a circle.
 *
 * @module
 */
import type { Application, State } from '@tsgi/protocol'
import type { Locals, LocalsOf, Middleware } from '../middleware.ts'
import type { Query } from '../query.ts'
import type { Request } from '../request.ts'
import type { ErrorLogger, HandlerResult } from '../respond.ts'

export type { HandlerResult } from '../respond.ts'

import type { Response } from '../response.ts'
import type { Validated, Validator } from '../validation.ts'
import type { PathParams } from './path.ts'

/** Settings of request handling. */
export interface DispatcherOptions {
  /** Largest request body in bytes (413 beyond); routes may override. Default 1 MiB. */
  bodyLimit: number
  /**
   * Trailing and repeated slashes: `redirect` (default) answers 308 to the canonical path when
   * that path has a route; `tolerant` matches as if canonical; `strict` matches only exactly.
   */
  slashes: 'redirect' | 'tolerant' | 'strict'
  /** Coerce numeric/boolean strings in params, query and headers when a schema asks. Default true. */
  coerce: boolean
  /** Put internal error messages and stacks in 500 bodies. Default false. */
  debug: boolean
  /** Where unhandled errors go. Default: stderr. */
  logger: ErrorLogger
}

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
  /**
   * Middleware for this route only, innermost. Locals they declare (`createMiddleware`) are
   * typed on the handler's `req.locals`.
   */
  middleware?: readonly Middleware<S>[]
}

type Part<O, K extends string, Fallback> = O extends { [P in K]: infer V extends Validator }
  ? Validated<V>
  : Fallback

/** The locals a route's own middleware add. */
type RouteLocals<O> = O extends { middleware: readonly (infer M)[] } ? LocalsOf<M> : unknown

/** The request types a route's path and options produce. `L`: the locals of its router. */
export interface RouteTypes<P extends string, O, S extends State, L extends object = Locals> {
  params: Part<O, 'params', PathParams<P>>
  query: Part<O, 'query', Query>
  body: Part<O, 'body', undefined>
  state: S
  locals: L & RouteLocals<O>
}

/** A route handler. */
export type Handler<P extends string, O, S extends State, L extends object = Locals> = (
  request: Request<RouteTypes<P, O, S, L>>,
) => HandlerResult | Promise<HandlerResult>

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
