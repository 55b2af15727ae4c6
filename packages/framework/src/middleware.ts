/**
 * Onion middleware: `(req, next) => Response`. A middleware may answer early (not calling
 * `next`), change the response `next()` resolved with, or catch what it threw. A middleware
 * made with `createMiddleware<{ user: User }>(…)` declares the locals it adds, and the handlers
 * after it see `req.locals.user` typed.
 *
 * @module
 */
import type { State } from '@tsgi/protocol'
import type { DefaultTypes, Locals, Request } from './request.ts'
import type { Response } from './response.ts'

/** Calls the rest of the chain; resolves with its response. */
export type Next = () => Promise<Response>

export type { Locals } from './request.ts'

/** The request a middleware gets: untyped params and body, the app's state, locals `L`. */
export type MiddlewareRequest<S extends State = State, L extends object = Locals> = Request<
  Omit<DefaultTypes, 'state' | 'locals'> & { state: S; locals: L }
>

/**
 * What a middleware resolves with: the framework's Response, or a web `Response` (an early
 * answer written as hono or h3 users do; it is converted, every header kept).
 */
export type MiddlewareResult = Response | globalThis.Response

/** Carries the locals a middleware adds in its type only (nothing at run time). */
declare const added: unique symbol

/**
 * A middleware. `S` is the lifespan state type; `A` the locals it adds for the handlers after
 * it (`never`: none declared). Plain functions are middleware; `createMiddleware` declares `A`.
 * `Middleware<S>` accepts every middleware, whatever locals it declares.
 */
export type Middleware<S extends State = State, A = never> = ((
  request: MiddlewareRequest<S>,
  next: Next,
) => MiddlewareResult | Promise<MiddlewareResult>) & {
  /** Type-level only: the locals this middleware adds (contravariant, so `A` is kept apart). */
  readonly [added]?: (locals: A) => void
}

type Intersect<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void
  ? I
  : never

/** The locals a middleware type (or a union of them) adds: `unknown` when none declared. */
export type LocalsOf<M> = Intersect<
  M extends { readonly [added]?: (locals: infer A) => void }
    ? [A] extends [never]
      ? unknown
      : A
    : unknown
>

/**
 * Declares a middleware that adds typed locals: handlers registered after it (with
 * `router.use(mw)`'s result, or in a route's `middleware`) see them typed on `req.locals`.
 * Inside, the locals it adds are optional (they are not set yet when it starts).
 *
 * @example
 * ```ts
 * const auth = createMiddleware<{ user: { id: string } }>(async (req, next) => {
 *   const id = req.headers.get('x-user')
 *   if (!id) throw new UnauthorizedError('who are you?')
 *   req.locals.user = { id }
 *   return next()
 * })
 * app.get('/me', { middleware: [auth] }, (req) => req.locals.user) // user: { id: string }
 * ```
 */
export function createMiddleware<A extends object, S extends State = State>(
  middleware: (
    request: MiddlewareRequest<S, Locals & Partial<A>>,
    next: Next,
  ) => MiddlewareResult | Promise<MiddlewareResult>,
): Middleware<S, A> {
  return middleware as Middleware<S, A>
}

/**
 * One link of a compiled chain: the request in, a response out — synchronously when nothing on
 * the way waits (no middleware, a handler that returns a value), so that the common response
 * is written in the same tick as the request arrived.
 */
export type Link = (request: Request) => Response | Promise<Response>

/** Wraps `inner` in `middleware`, outermost first. */
export function compose(middleware: readonly Middleware[], inner: Link): Link {
  let link = inner
  for (let i = middleware.length - 1; i >= 0; i--) {
    const mw = middleware[i]!
    const next = link
    link = (request) => {
      let called = false
      const proceed: Next = () => {
        if (called) return Promise.reject(new Error('next() called more than once by a middleware'))
        called = true
        try {
          return Promise.resolve(next(request))
        } catch (error) {
          return Promise.reject(error)
        }
      }
      try {
        // A web Response is converted where the chain's result is read (`unexpectedResult`).
        return mw(request as MiddlewareRequest, proceed) as Response | Promise<Response>
      } catch (error) {
        return Promise.reject(error)
      }
    }
  }
  return link
}
