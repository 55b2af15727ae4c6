/**
 * Cookies: parsing the `cookie` request header and serialising `set-cookie` (RFC 6265).
 *
 * @module
 */

/** Attributes of a cookie being set. */
export interface CookieOptions {
  /** Seconds until it expires; 0 or negative deletes it. */
  maxAge?: number
  /** Absolute expiry. */
  expires?: Date
  /** Path scope. Default `/`. */
  path?: string
  /** Domain scope. */
  domain?: string
  /** HTTPS only. */
  secure?: boolean
  /** Hidden from scripts. Default `true`. */
  httpOnly?: boolean
  /** Cross-site policy. Default `lax`. */
  sameSite?: 'strict' | 'lax' | 'none'
  /** CHIPS partitioning. */
  partitioned?: boolean
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Parses a `cookie` header into a record; the first of repeated names wins. Values are URI-decoded when valid. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (!header) return out
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1) continue
    const name = part.slice(0, eq).trim()
    if (!name || Object.hasOwn(out, name)) continue
    let value = part.slice(eq + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1)
    try {
      out[name] = value.includes('%') ? decodeURIComponent(value) : value
    } catch {
      out[name] = value
    }
  }
  return out
}

/** Builds a `set-cookie` value. Throws on a name that is not a token. The value is URI-encoded. */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!TOKEN.test(name)) throw new TypeError(`cookie name ${JSON.stringify(name)} is not a token`)
  let out = `${name}=${encodeURIComponent(value)}`
  if (options.maxAge !== undefined) out += `; Max-Age=${Math.floor(options.maxAge)}`
  if (options.expires) out += `; Expires=${options.expires.toUTCString()}`
  out += `; Path=${options.path ?? '/'}`
  if (options.domain) out += `; Domain=${options.domain}`
  if (options.secure || options.sameSite === 'none' || options.partitioned) out += '; Secure'
  if (options.httpOnly ?? true) out += '; HttpOnly'
  out += `; SameSite=${(options.sameSite ?? 'lax').replace(/^./, (c) => c.toUpperCase())}`
  if (options.partitioned) out += '; Partitioned'
  return out
}
