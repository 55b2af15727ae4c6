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
  const url = urlOf(request.url)
  const secure = url.protocol === 'https:'
  // Taken now: a runtime reads the fields off the connection, and once the response went out
  // Deno throws and Bun gives an empty list for a `Headers` first touched then.
  const source = request.headers
  let headers: HeaderList | undefined
  const rootPath = base.rootPath
  return {
    type: 'http',
    tsgi: TSGI_VERSION,
    // A `Request` does not say which HTTP version carried it.
    httpVersion: '1.1',
    method: request.method,
    scheme: secure ? 'https' : 'http',
    path: rootPath + decodePath(url.pathname),
    rawPath: rootPath + url.pathname,
    queryString: url.search.slice(1),
    get headers(): HeaderList {
      headers ??= headerListOf(source, url.host)
      return headers
    },
    set headers(value: HeaderList) {
      headers = value
    },
    server: { host: url.hostname, port: url.port === '' ? (secure ? 443 : 80) : Number(url.port) },
    rootPath,
    client: base.client,
    state: { ...base.state },
    extensions: { ...base.extensions },
  }
}
