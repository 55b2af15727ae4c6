/**
 * The HTTP scopes `checkApp`'s server double gives an application: what a conforming server
 * builds for a {@link CheckRequest} arriving over an HTTP/1.1 connection or as an HTTP/2 stream
 * (SPEC.md §5.10). Kept apart from check-app.ts, which drives the exchanges, because the
 * HTTP/2 rules are about what the app sees, not about how the double checks what it does.
 *
 * @module
 */
import type { HeaderList, State } from '../common.ts'
import type { HTTPScope } from '../http.ts'
import { decodePath } from '../path.ts'
import { TSGI_VERSION } from '../version.ts'

/** A request to drive the app with. */
export interface CheckRequest {
  /** The method (default `GET`). Over HTTP/2, `:method`. */
  method?: string
  /** The target, origin-form with an optional query (`/items?x=1`). Over HTTP/2, `:path`. */
  path: string
  /**
   * Request header fields. Over HTTP/2 a `host` field is used as `:authority`, and a field an
   * HTTP/2 stream cannot carry (a pseudo-header, a connection-specific field, `te` other than
   * `trailers`: RFC 9113 §8.2) makes `checkApp` throw a `TypeError`, since a server resets such
   * a stream and no application runs for it (SPEC.md §5.10.2).
   */
  headers?: Array<[string, string]>
  /** The request body (UTF-8), delivered as one `http.request` event. */
  body?: string
}

/**
 * The HTTP version the double speaks. `'1.1'`: a request on an HTTP/1.1 connection (a `host`
 * field, and `content-length` for a body). `'2'`: a request stream of an HTTP/2 connection
 * (SPEC.md §5.10): `httpVersion: '2'`, `host` first holding `:authority`, no pseudo-header
 * fields, cookie crumbs joined with `; `, and no `content-length` unless the request gives
 * one — HTTP/2 frames the body itself and clients often omit it (RFC 9113 §8.1.1).
 */
export type CheckHttpVersion = '1.1' | '2'

/** The host of every request the double makes up, when the request names none. */
const DEFAULT_HOST = 'conformance.test'

/** RFC 9113 §8.2.2: fields about one HTTP/1.1 connection, never sent over HTTP/2. */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
])

const utf8 = new TextEncoder()

/** Why an HTTP/2 client could not send `name: value` (RFC 9113 §8.2), or null. */
function h2FieldProblem(name: string, value: string): string | null {
  if (name.startsWith(':'))
    return `${name} is a pseudo-header: the double sets :method, :path and :authority itself`
  if (CONNECTION_SPECIFIC.has(name)) return `${name} is connection-specific (RFC 9113 §8.2.2)`
  if (name === 'te' && value.trim().toLowerCase() !== 'trailers')
    return 'te other than "trailers" (RFC 9113 §8.2.2)'
  return null
}

/** The header fields of an HTTP/2 stream's scope (SPEC.md §5.10.1) for `req`. */
function h2Headers(req: CheckRequest): HeaderList {
  let host: string | undefined
  let cookieAt = -1
  const fields: HeaderList = []
  for (const [raw, value] of req.headers ?? []) {
    // HTTP/2 field names are lowercase on the wire (§8.2.1); clients lowercase what they send.
    const name = raw.toLowerCase()
    const problem = h2FieldProblem(name, value)
    if (problem !== null)
      throw new TypeError(
        `checkApp: ${req.method ?? 'GET'} ${req.path} cannot be sent over HTTP/2: ${problem}; ` +
          'a server resets such a stream and no application runs for it (SPEC.md §5.10.2)',
      )
    if (name === 'host') {
      if (host !== undefined)
        throw new TypeError(`checkApp: ${req.method ?? 'GET'} ${req.path} has two host fields`)
      host = value
    } else if (name === 'cookie' && cookieAt !== -1) {
      // §8.2.3: crumbs split over several field lines are one field for the application.
      fields[cookieAt] = ['cookie', `${fields[cookieAt]![1]}; ${value}`]
    } else {
      if (name === 'cookie') cookieAt = fields.length
      fields.push([name, value])
    }
  }
  return [['host', host ?? DEFAULT_HOST], ...fields]
}

/** The header fields of an HTTP/1.1 request's scope for `req`, as the double always made them. */
function h1Headers(req: CheckRequest): HeaderList {
  const headers: HeaderList = [['host', DEFAULT_HOST], ...(req.headers ?? [])]
  if (req.body !== undefined)
    headers.push(['content-length', String(utf8.encode(req.body).byteLength)])
  return headers
}

/** The scope a server gives the application for `req` over `httpVersion`. */
export function checkScope(
  req: CheckRequest,
  state: State,
  httpVersion: CheckHttpVersion = '1.1',
): HTTPScope {
  const q = req.path.indexOf('?')
  const rawPath = q === -1 ? req.path : req.path.slice(0, q)
  return {
    type: 'http',
    tsgi: TSGI_VERSION,
    httpVersion,
    method: req.method ?? 'GET',
    scheme: 'http',
    path: decodePath(rawPath),
    rawPath,
    queryString: q === -1 ? '' : req.path.slice(q + 1),
    rootPath: '',
    headers: httpVersion === '2' ? h2Headers(req) : h1Headers(req),
    client: { host: '127.0.0.1', port: 50000 },
    server: { host: '127.0.0.1', port: 80 },
    state: { ...state },
    extensions: {},
  }
}
