/**
 * The TSGI scope fields of an HTTP/2 request, from its header block as node:http2 hands it
 * over (the flat `rawHeaders` of a stream: pseudo-headers first, names as received), with the
 * checks RFC 9113 §8.2 and §8.3 make a server's: a request that fails one is malformed, and
 * must be answered with a stream error PROTOCOL_ERROR on its stream only (§8.1.1).
 *
 * The characters of names and values are not checked again here: nghttp2 (under node:http2)
 * resets a stream whose field name holds an uppercase letter and drops, before node sees it, a
 * field whose name or value holds a character §8.2.1 forbids (test/http2-limits.test.ts holds
 * node to both), so no such field ever reached these checks; they cost about half of this
 * function's time on every request. The structure of the block (pseudo-headers, framing
 * fields) is checked here, nghttp2's checks notwithstanding, since those are few comparisons
 * and the decisions that are HTTP semantics rather than framing (CONNECT, Host) are ours.
 *
 * @module
 */
import { decodePath, type HeaderList } from '@tsgi/protocol'
import { validHost } from '../scope/host.ts'

/** A well-formed request: the scope fields it gives. */
export interface H2RequestFields {
  readonly kind: 'request'
  readonly method: string
  /** The connection's scheme (`:scheme` is checked, never trusted beyond it). */
  readonly scheme: 'http' | 'https'
  readonly path: string
  readonly rawPath: string
  readonly queryString: string
  /** Regular fields in order, `host` first (from `:authority`), cookies joined (§8.2.3). */
  readonly headers: HeaderList
  /** The `content-length` field, or -1 if none. */
  readonly contentLength: number
}

/** A well-formed request the server answers itself, with `status` (and `reason` as body). */
export interface H2RequestRefusal {
  readonly kind: 'refuse'
  readonly status: number
  readonly reason: string
}

/** A malformed request (RFC 9113 §8.1.1): reset its stream with PROTOCOL_ERROR. */
export interface H2MalformedRequest {
  readonly kind: 'malformed'
  readonly reason: string
}

/** What {@link h2RequestFields} makes of a header block. */
export type H2RequestHead = H2RequestFields | H2RequestRefusal | H2MalformedRequest

/** RFC 9113 §8.2.2: fields that are about one HTTP/1.1 connection, never sent in HTTP/2. */
const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
])
/** `CONNECTION_SPECIFIC_LENGTH[n] === 1` when a connection-specific name is `n` long. */
const CONNECTION_SPECIFIC_LENGTH = new Uint8Array(32)
for (const name of CONNECTION_SPECIFIC) CONNECTION_SPECIFIC_LENGTH[name.length] = 1

/**
 * Whether `name` (any case) is a connection-specific field (§8.2.2). Most names fail on their
 * length alone: no lowering and no set lookup per field.
 */
export function isConnectionSpecific(name: string): boolean {
  return (
    CONNECTION_SPECIFIC_LENGTH[name.length] === 1 &&
    (CONNECTION_SPECIFIC.has(name) || CONNECTION_SPECIFIC.has(name.toLowerCase()))
  )
}
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/

const malformed = (reason: string): H2MalformedRequest => ({ kind: 'malformed', reason })
const duplicate = (name: string) => malformed(`more than one ${name}`)
/** The usual methods and schemes, known valid without their regular expression. */
const COMMON_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])

/** Whether `path` is an origin-form `:path` (§8.3.1): starts with `/`, visible ASCII, no `#`. */
function validPath(path: string): boolean {
  if (path.charCodeAt(0) !== 47) return false
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c <= 0x20 || c >= 0x7f || c === 0x23) return false
  }
  return true
}

/**
 * Reads the header block `rawHeaders` (`[name, value, …]`) of a request received on a
 * connection whose scheme is `connectionScheme`; `rootPath` prefixes `path` and `rawPath`.
 */
export function h2RequestFields(
  rawHeaders: readonly string[],
  connectionScheme: 'http' | 'https',
  rootPath = '',
): H2RequestHead {
  let method: string | undefined
  let scheme: string | undefined
  let authority: string | undefined
  let target: string | undefined
  let host: string | undefined
  let contentLength = -1
  let regular = false
  let cookie: string | undefined
  let cookieAt = -1
  const fields: Array<[string, string]> = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    const value = rawHeaders[i + 1]!
    if (name.charCodeAt(0) === 0x3a) {
      // §8.3: pseudo-headers come first, once each, and only those defined for requests.
      if (regular) return malformed(`pseudo-header ${name} after a regular field`)
      // No closure for the repeated-field answer: this runs four times per request.
      if (name === ':method') {
        if (method !== undefined) return duplicate(name)
        method = value
      } else if (name === ':scheme') {
        if (scheme !== undefined) return duplicate(name)
        scheme = value
      } else if (name === ':authority') {
        if (authority !== undefined) return duplicate(name)
        authority = value
      } else if (name === ':path') {
        if (target !== undefined) return duplicate(name)
        target = value
      } else if (name === ':protocol') {
        // RFC 8441 §4: only with SETTINGS_ENABLE_CONNECT_PROTOCOL, which this server never sends.
        return malformed('extended CONNECT (:protocol) is not enabled')
      } else return malformed(`unknown pseudo-header ${name} in a request`)
      continue
    }
    if (!regular) {
      regular = true
      // Pseudo-headers are all read by now: `host` from :authority goes first (no unshift).
      if (authority !== undefined) fields.push(['host', authority])
    }
    if (isConnectionSpecific(name)) return malformed(`connection-specific header field ${name}`)
    if (name === 'te') {
      if (value.trim().toLowerCase() !== 'trailers') return malformed('te other than trailers')
    } else if (name === 'host') {
      if (host !== undefined)
        return { kind: 'refuse', status: 400, reason: 'more than one Host header' }
      host = value
      continue // placed first below
    } else if (name === 'content-length') {
      if (!/^[0-9]{1,15}$/.test(value)) return malformed('invalid content-length')
      const length = Number(value)
      if (contentLength !== -1 && contentLength !== length)
        return malformed('conflicting content-length fields')
      contentLength = length
    } else if (name === 'cookie') {
      // §8.2.3: cookie crumbs split over fields are one field for anything that is not h2.
      cookie = cookie === undefined ? value : `${cookie}; ${value}`
      if (cookieAt === -1) {
        cookieAt = fields.length
        fields.push(['cookie', ''])
      }
      continue
    }
    fields.push([name, value])
  }
  if (cookieAt !== -1) fields[cookieAt] = ['cookie', cookie!]
  if (method === undefined) return malformed('missing :method')
  if (!COMMON_METHODS.has(method) && !TCHAR.test(method)) return malformed('invalid :method')
  if (authority !== undefined && !validHost(authority, false))
    return malformed('invalid :authority')
  if (method === 'CONNECT') {
    // §8.5: a CONNECT carries :authority only.
    if (scheme !== undefined || target !== undefined)
      return malformed('CONNECT with :scheme or :path')
    if (authority === undefined) return malformed('CONNECT without :authority')
    return { kind: 'refuse', status: 501, reason: 'CONNECT is not supported' }
  }
  if (scheme === undefined) return malformed('missing :scheme')
  if (scheme !== 'https' && scheme !== 'http' && !SCHEME.test(scheme))
    return malformed('invalid :scheme')
  if (target === undefined || target === '') return malformed('missing :path')
  if (target === '*') {
    if (method !== 'OPTIONS') return malformed('the asterisk :path is only for OPTIONS')
  } else if (!validPath(target)) return malformed('invalid :path')
  if (host !== undefined) {
    if (authority === undefined) {
      if (!validHost(host, false))
        return { kind: 'refuse', status: 400, reason: 'invalid Host header' }
    } else if (host.toLowerCase() !== authority.toLowerCase()) {
      // §8.3.1: a Host naming another entity than :authority makes the request malformed.
      return malformed('host differs from :authority')
    }
  }
  if (authority !== undefined) {
    if (!regular) fields.push(['host', authority])
  } else if (host !== undefined) fields.unshift(['host', host])
  const headers: HeaderList = fields
  const q = target.indexOf('?')
  const raw = q === -1 ? target : target.slice(0, q)
  return {
    kind: 'request',
    method,
    scheme: connectionScheme,
    path: rootPath + decodePath(raw),
    rawPath: rootPath + raw,
    queryString: q === -1 ? '' : target.slice(q + 1),
    headers,
    contentLength,
  }
}
