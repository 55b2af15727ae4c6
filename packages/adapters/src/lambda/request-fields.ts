/**
 * Field conversions shared by the event parsers: header maps to a TSGI `HeaderList`, bodies
 * from (base64) strings, a raw path from a decoded one, query strings from parameter maps.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import type { HeaderList } from '@tsgi/protocol'
import { badEvent } from './errors.ts'
import type { MultiValueMap, StringMap } from './types.ts'

const EMPTY = new Uint8Array(0)
const utf8 = new TextEncoder()

/**
 * A header value as TSGI carries it: latin1, one character per octet. AWS hands over JS strings
 * decoded from UTF-8, so a value with non-ASCII characters is turned back into its bytes.
 */
export function latin1(value: string): string {
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0x7f) return Buffer.from(value, 'utf8').toString('latin1')
  }
  return value
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The request headers: `multiValueHeaders` when the event has them (each value its own
 * field), else `headers`. Names lowercased, values latin1.
 */
export function headerList(
  what: string,
  headers: StringMap | undefined,
  multi: MultiValueMap | undefined,
): HeaderList {
  const list: HeaderList = []
  if (isObject(multi)) {
    for (const [name, values] of Object.entries(multi)) {
      if (values === undefined || values === null) continue
      if (!Array.isArray(values))
        throw badEvent(`${what}: multiValueHeaders[${JSON.stringify(name)}] is not an array`)
      for (const value of values) list.push([name.toLowerCase(), latin1(String(value))])
    }
    return list
  }
  if (headers !== undefined && headers !== null && !isObject(headers))
    throw badEvent(`${what}: headers is not an object`)
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined || value === null) continue
    list.push([name.toLowerCase(), latin1(String(value))])
  }
  return list
}

/** The request body bytes: `body` decoded from base64 when `isBase64Encoded`, else UTF-8. */
export function bodyOf(what: string, body: unknown, base64: unknown): Uint8Array {
  if (body === undefined || body === null || body === '') return EMPTY
  if (typeof body !== 'string') throw badEvent(`${what}: body is a ${typeof body}, not a string`)
  if (base64 === true) return new Uint8Array(Buffer.from(body, 'base64'))
  return utf8.encode(body)
}

// Characters a path segment may hold unescaped (RFC 3986 pchar), plus '/'.
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/
const HEX2 = /^[0-9A-Fa-f]{2}$/

/**
 * A path as it would be on the wire: characters a path may not hold are percent-encoded as
 * UTF-8, valid `%XX` escapes are kept (API Gateway v1 decodes paths, ALB does not: a path with
 * a literal `%XX` in it cannot be told apart from an escaped one).
 */
export function rawPathOf(path: string): string {
  let plain = true
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!
    if (!PATH_SAFE.test(c)) {
      plain = false
      break
    }
  }
  if (plain) return path
  let out = ''
  let i = 0
  for (const c of path) {
    if (PATH_SAFE.test(c)) out += c
    else if (c === '%' && HEX2.test(path.slice(i + 1, i + 3))) out += c
    else out += percentEncode(c)
    i += c.length
  }
  return out
}

/** One character percent-encoded as UTF-8 (a lone surrogate as U+FFFD, as a decoder would). */
function percentEncode(c: string): string {
  try {
    return encodeURIComponent(c)
  } catch {
    return '%EF%BF%BD'
  }
}

/** `value` percent-encoded for a query string (RFC 3986 unreserved characters stay). */
function encodeQueryPart(value: string): string {
  let encoded: string
  try {
    encoded = encodeURIComponent(value)
  } catch {
    // A lone surrogate: encode what a UTF-8 encoder would make of it.
    encoded = encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'))
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * A query string rebuilt from parameter maps (the multi-value one when present). `encode`:
 * API Gateway v1 hands over decoded values (re-encoded here); ALB passes them as received.
 */
export function queryStringOf(
  what: string,
  single: StringMap | undefined,
  multi: MultiValueMap | undefined,
  encode: boolean,
): string {
  const part = encode ? encodeQueryPart : (s: string) => s
  const pairs: string[] = []
  if (isObject(multi)) {
    for (const [name, values] of Object.entries(multi)) {
      if (values === undefined || values === null) continue
      if (!Array.isArray(values))
        throw badEvent(
          `${what}: multiValueQueryStringParameters[${JSON.stringify(name)}] is not an array`,
        )
      for (const value of values) pairs.push(`${part(name)}=${part(String(value))}`)
    }
  } else if (isObject(single)) {
    for (const [name, value] of Object.entries(single)) {
      if (value === undefined || value === null) continue
      pairs.push(`${part(name)}=${part(String(value))}`)
    }
  }
  return pairs.join('&')
}

/** Whether `path` is `prefix` or continues it at a segment boundary. */
export function startsWithSegment(path: string, prefix: string): boolean {
  return (
    prefix !== '' &&
    path.startsWith(prefix) &&
    (path.length === prefix.length || path[prefix.length] === '/')
  )
}

/** `'1.0' | '1.1' | '2'` from a `protocol` such as `HTTP/1.1` or `HTTP/2.0`. */
export function httpVersionOf(protocol: unknown): '1.0' | '1.1' | '2' {
  if (typeof protocol !== 'string') return '1.1'
  const version = protocol.toUpperCase().replace(/^HTTP\//, '')
  if (version === '1.0') return '1.0'
  if (version === '2' || version === '2.0') return '2'
  return '1.1'
}

export { isObject }
