/**
 * Onion middleware: `(req, next) => Response`. A middleware may answer early (not calling
 * `next`), change the response `next()` resolved with, or catch what it threw.
 *
 * @module
 */
import type { State } from '@tsgi/protocol'
import type { DefaultTypes, Request } from './request.ts'
import type { Response } from './response.ts'

/** Calls the rest of the chain; resolves with its response. */
export type Next = () => Promise<Response>

/** A middleware. `S` is the lifespan state type. */
export type Middleware<S extends State = State> = (
  request: Request<Omit<DefaultTypes, 'state'> & { state: S }>,
  next: Next,
) => Response | Promise<Response>

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
        return mw(request as Parameters<Middleware>[0], proceed)
      } catch (error) {
        return Promise.reject(error)
      }
    }
  }
  return link
}
