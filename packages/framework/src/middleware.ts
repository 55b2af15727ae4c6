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

/** One link of a compiled chain: the request in, a response out. */
export type Link = (request: Request) => Promise<Response>

/** Wraps `inner` in `middleware`, outermost first. */
export function compose(middleware: readonly Middleware[], inner: Link): Link {
  let link = inner
  for (let i = middleware.length - 1; i >= 0; i--) {
    const mw = middleware[i]!
    const next = link
    link = async (request) => {
      let called = false
      return mw(request as Parameters<Middleware>[0], () => {
        if (called) return Promise.reject(new Error('next() called more than once by a middleware'))
        called = true
        return next(request)
      })
    }
  }
  return link
}
