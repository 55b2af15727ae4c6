/**
 * CORS: `access-control-*` headers on every response (errors included, as the middleware wraps
 * the whole chain) and preflight requests answered by the middleware itself.
 *
 * @module
 */
import type { State } from '@tsgi/protocol'
import type { Middleware } from '../middleware.ts'
import type { Request } from '../request.ts'
import { Response } from '../response.ts'
import { appendVary } from './util.ts'

/**
 * Which origins may read responses: `'*'` (any), one origin, a list, a pattern, or a function
 * deciding per request (`true` allows the request's origin, a string is sent as the allowed
 * origin, `false` refuses).
 *
 * @example
 * ```ts
 * const origin: CorsOrigin = (origin, req) => origin.endsWith('.example.com')
 * ```
 */
export type CorsOrigin =
  | string
  | readonly string[]
  | RegExp
  | ((origin: string, request: Request) => boolean | string | Promise<boolean | string>)

/**
 * Options of {@link cors}.
 *
 * @example
 * ```ts
 * const options: CorsOptions = { origin: /\.example\.com$/, exposedHeaders: ['x-total'] }
 * ```
 */
export interface CorsOptions {
  /** Allowed origins. Default `'*'`. Origins are compared exactly (`https://a.example`, no slash). */
  origin?: CorsOrigin
  /** Methods a preflight allows. Default GET, HEAD, PUT, PATCH, POST, DELETE. */
  methods?: readonly string[]
  /** Request headers a preflight allows. Default: those the preflight asks for. */
  allowedHeaders?: readonly string[]
  /** Response headers scripts may read (`access-control-expose-headers`). */
  exposedHeaders?: readonly string[]
  /**
   * Allow cookies and credentials (`access-control-allow-credentials: true`). The allowed
   * origin is then always the request's own origin, never `*`; with `origin: '*'` any origin
   * but `null` is reflected.
   */
  credentials?: boolean
  /** Seconds a browser may cache a preflight answer (`access-control-max-age`). */
  maxAge?: number
}

const DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE']

/** The value of `access-control-allow-origin` for this request, or `null` when refused. */
async function allowOrigin(
  option: CorsOrigin,
  origin: string,
  credentials: boolean,
  request: Request,
): Promise<string | null> {
  if (option === '*') return !credentials ? '*' : origin === 'null' ? null : origin
  if (typeof option === 'string') return option === origin ? origin : null
  if (option instanceof RegExp) {
    option.lastIndex = 0
    return option.test(origin) ? origin : null
  }
  if (typeof option === 'function') {
    const verdict = await option(origin, request)
    if (verdict === true) return origin
    return typeof verdict === 'string' && verdict !== '' ? verdict : null
  }
  return (option as readonly string[]).includes(origin) ? origin : null
}

/**
 * CORS middleware. Preflights (`OPTIONS` with `origin` and `access-control-request-method`) are
 * answered `204` here, without reaching routing, so they work for any path. Other requests are
 * served as usual, with the CORS headers added when the origin is allowed (a refused origin
 * gets none, and the browser hides the response). `vary: origin` is added whenever the answer
 * depends on the origin. A response that already carries `access-control-allow-origin` (set by
 * a route's own `cors()`, say) is left as it is. Register it with `app.use` so 404, 405 and
 * error responses carry the headers too.
 *
 * @example
 * ```ts
 * import { cors } from '@tsgi/framework/middleware'
 *
 * app.use(cors({ origin: ['https://app.example'], credentials: true, maxAge: 600 }))
 * ```
 */
export function cors<S extends State = State>(options: CorsOptions = {}): Middleware<S> {
  const option = options.origin ?? '*'
  const credentials = options.credentials ?? false
  const methods = (options.methods ?? DEFAULT_METHODS).join(', ')
  const allowed = options.allowedHeaders?.join(', ')
  const exposed = options.exposedHeaders?.length ? options.exposedHeaders.join(', ') : undefined
  const maxAge = options.maxAge !== undefined ? String(Math.floor(options.maxAge)) : undefined
  // The answer depends on the origin unless every origin gets `*`.
  const varies = !(option === '*' && !credentials)

  return async (request, next) => {
    const origin = request.headers.get('origin')
    // Without an origin this is no CORS request; a static `*` is still harmless to send.
    const allow =
      origin === undefined
        ? varies
          ? null
          : '*'
        : await allowOrigin(option, origin, credentials, request)

    if (
      request.method === 'OPTIONS' &&
      origin !== undefined &&
      request.headers.has('access-control-request-method')
    ) {
      const res = new Response(null, { status: 204 })
      if (varies) appendVary(res.headers, 'origin')
      if (allow === null) return res
      res.headers.set('access-control-allow-origin', allow)
      if (credentials) res.headers.set('access-control-allow-credentials', 'true')
      res.headers.set('access-control-allow-methods', methods)
      const asked = request.headers.get('access-control-request-headers')
      if (allowed !== undefined) {
        if (allowed !== '') res.headers.set('access-control-allow-headers', allowed)
      } else {
        appendVary(res.headers, 'access-control-request-headers')
        if (asked) res.headers.set('access-control-allow-headers', asked)
      }
      if (maxAge !== undefined) res.headers.set('access-control-max-age', maxAge)
      return res
    }

    const res = await next()
    if (res.headers.has('access-control-allow-origin')) return res
    if (varies) appendVary(res.headers, 'origin')
    if (allow === null) return res
    res.headers.set('access-control-allow-origin', allow)
    if (credentials) res.headers.set('access-control-allow-credentials', 'true')
    if (exposed !== undefined) res.headers.set('access-control-expose-headers', exposed)
    return res
  }
}
