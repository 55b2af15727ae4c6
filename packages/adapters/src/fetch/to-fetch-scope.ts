/**
 * The scopes of `toFetch`, read from a `Request`: what `http` and `websocket` scopes share
 * (URL parts, server, headers), with the header list built only when the app first reads it.
 *
 * @module
 */
import {
  type Address,
  decodePath,
  type Extensions,
  type HeaderList,
  type HTTPScope,
  type State,
  TSGI_VERSION,
} from '@tsgi/protocol'

/** Where a request came from and what the host offers, shared by `http` and `websocket` scopes. */
export interface ScopeBase {
  client: Address | null
  state: State
  /** The mount prefix (`scope.rootPath`), prefixed to `path` and `rawPath`. */
  rootPath: string
  extensions: Extensions
}

/** `request.url` parsed. */
function urlOf(raw: string): URL {
  // Bun gives a bare path as `request.url` to an HTTP/1.0 request without Host. An absolute URL
  // is parsed without a base: Deno's fast parser takes only that (2 µs less a request).
  return raw.startsWith('http://') || raw.startsWith('https://')
    ? new URL(raw)
    : new URL(raw, 'http://localhost')
}

/**
 * The scope's header list: `host` first when the runtime left it out, and an absolute-form
 * target's authority in place of Host (RFC 9112 §3.2.2), as the URL has it. `forEach`, not
 * `for…of`: Deno's Headers iterator costs ~3 µs more for a handful of fields.
 */
function headerListOf(source: Headers, host: string): HeaderList {
  const headers: HeaderList = []
  let hasHost = false
  source.forEach((value, name) => {
    if (name === 'host') {
      hasHost = true
      headers.push([name, value !== host && host !== '' ? host : value])
    } else headers.push([name, value])
  })
  if (!hasHost) headers.unshift(['host', host])
  return headers
}

/** The fields of a scope read from `request.url` and `request.headers`, headers included. */
export function requestFields(request: Request, rootPath: string) {
  const url = urlOf(request.url)
  const secure = url.protocol === 'https:' || url.protocol === 'wss:'
  return {
    secure,
    path: rootPath + decodePath(url.pathname),
    rawPath: rootPath + url.pathname,
    queryString: url.search.slice(1),
    headers: headerListOf(request.headers, url.host),
    server: { host: url.hostname, port: url.port === '' ? (secure ? 443 : 80) : Number(url.port) },
  }
}

/**
 * Builds the `http` scope of `request`. `scope.headers` is an accessor: the list is made from
 * `request.headers` the first time it is read (an app that reads no header pays nothing for
 * it), and assigning it replaces it, as with a plain property. Spreading or serialising the
 * scope reads it like any other field.
 */
export function scopeOf(request: Request, base: ScopeBase): HTTPScope {
  return new HTTPRequestScope(request, base)
}

/**
 * An `http` scope whose `headers` is made on first read. A class with one shared accessor
 * defined on each instance, not an object literal with `get headers()`: V8 turns such a
 * literal into a dictionary-mode object (~1 µs to build on Deno, and slower to read), while
 * adding a shared accessor keeps the instances fast and of one shape. Its fields are the
 * scope's, in the scope's order; the private ones are invisible to `Object.keys`, spread
 * and JSON.
 */
class HTTPRequestScope implements HTTPScope {
  // Declared only, and set in the constructor in the scope's order (a class field would be
  // defined before the constructor runs, putting `headers` last).
  declare type: 'http'
  declare tsgi: HTTPScope['tsgi']
  declare httpVersion: HTTPScope['httpVersion']
  declare method: string
  declare scheme: HTTPScope['scheme']
  declare path: string
  declare rawPath: string
  declare queryString: string
  declare headers: HeaderList
  declare server: HTTPScope['server']
  declare rootPath: string
  declare client: Address | null
  declare state: State
  declare extensions: Extensions
  /** Taken at once: a runtime reads the fields off the connection, and once the response went
   * out Deno throws and Bun gives an empty list for a `Headers` first touched then. */
  #source: Headers
  #host: string
  #headers: HeaderList | undefined = undefined

  constructor(request: Request, base: ScopeBase) {
    const url = urlOf(request.url)
    const secure = url.protocol === 'https:'
    const rootPath = base.rootPath
    this.#source = request.headers
    this.#host = url.host
    this.type = 'http'
    this.tsgi = TSGI_VERSION
    // A `Request` does not say which HTTP version carried it.
    this.httpVersion = '1.1'
    this.method = request.method
    this.scheme = secure ? 'https' : 'http'
    this.path = rootPath + decodePath(url.pathname)
    this.rawPath = rootPath + url.pathname
    this.queryString = url.search.slice(1)
    Object.defineProperty(this, 'headers', HEADERS)
    this.server = {
      host: url.hostname,
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    }
    this.rootPath = rootPath
    this.client = base.client
    this.state = { ...base.state }
    this.extensions = { ...base.extensions }
  }

  /** The accessor every instance shares. */
  static headers(scope: HTTPRequestScope): HeaderList {
    scope.#headers ??= headerListOf(scope.#source, scope.#host)
    return scope.#headers
  }

  static setHeaders(scope: HTTPRequestScope, value: HeaderList): void {
    scope.#headers = value
  }
}

const HEADERS: PropertyDescriptor = {
  get(this: HTTPRequestScope) {
    return HTTPRequestScope.headers(this)
  },
  set(this: HTTPRequestScope, value: HeaderList) {
    HTTPRequestScope.setHeaders(this, value)
  },
  enumerable: true,
  configurable: true,
}
