/**
 * Host syntax (RFC 9112 §3.2, RFC 3986 §3.2.2): `uri-host [ ":" port ]`, where `uri-host` is a
 * reg-name (unreserved, sub-delims and percent-encodings), an IPv4 address (a reg-name as far
 * as characters go), or an IP-literal in brackets. Used for the Host header and for the
 * authority of an absolute-form request target. A character-table loop: no allocation on the
 * normal path, which runs once per request, and skipped for the value last accepted.
 *
 * @module
 */
import { isIPv6 } from 'node:net'

/** 1 for the characters a reg-name may hold as they are (RFC 3986 unreserved and sub-delims). */
const REG_NAME = new Uint8Array(128)
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=")
  REG_NAME[c.charCodeAt(0)] = 1

const IPV_FUTURE = /^v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$/

function isHex(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || ((code | 0x20) >= 97 && (code | 0x20) <= 102) // 0-9 a-f A-F
  )
}

/** Whether `value[from..]` is empty or `:` followed by digits only (an empty port is allowed). */
function validPort(value: string, from: number): boolean {
  if (from === value.length) return true
  if (value.charCodeAt(from) !== 58) return false
  for (let i = from + 1; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code < 48 || code > 57) return false
  }
  return true
}

/** The last non-empty value {@link validHost} accepted (never an invalid one). */
let lastValidHost: string | undefined

/**
 * Whether `value` is a valid `host [":" port]`. An empty value is valid only with
 * `allowEmpty` (the Host header of a request whose target has no authority, RFC 9112 §3.2);
 * a port without a host (`:80`) never is (RFC 9110 §4.2.1: an http URI has a non-empty host).
 */
export function validHost(value: string, allowEmpty: boolean): boolean {
  // A server sees the same Host on almost every request: one string comparison instead of the
  // character loop. Set only after a full pass, so a value here has always been checked.
  if (value === lastValidHost) return true
  const n = value.length
  if (n === 0) return allowEmpty
  if (value.charCodeAt(0) === 91) {
    // IP-literal: `[` IPv6address / IPvFuture `]`. Rare: the exact check may allocate.
    const close = value.indexOf(']')
    if (close < 2) return false
    const inner = value.slice(1, close)
    if (!(isIPv6(inner) || IPV_FUTURE.test(inner)) || !validPort(value, close + 1)) return false
    lastValidHost = value
    return true
  }
  let i = 0
  for (; i < n; i++) {
    const code = value.charCodeAt(i)
    if (code < 128 && REG_NAME[code] === 1) continue
    if (code === 37 && isHex(value.charCodeAt(i + 1)) && isHex(value.charCodeAt(i + 2))) {
      i += 2
      continue
    }
    break
  }
  if (i === 0 || !validPort(value, i)) return false
  lastValidHost = value
  return true
}

/**
 * The authority of an absolute-form request target (`http://example.com:8080/p?q`), or null if
 * the target is not an `http`/`https` URI with a valid authority (no userinfo, RFC 9110 §4.2.4).
 */
export function targetAuthority(target: string): string | null {
  const colon = target.indexOf('://')
  if (colon !== 4 && colon !== 5) return null
  const scheme = target.slice(0, colon).toLowerCase()
  if (scheme !== 'http' && scheme !== 'https') return null
  const start = colon + 3
  let end = start
  while (end < target.length) {
    const code = target.charCodeAt(end)
    if (code === 47 || code === 63 || code === 35) break // `/`, `?`, `#`
    end++
  }
  const authority = target.slice(start, end)
  return validHost(authority, false) ? authority : null
}

/** Where the path (or the query, for `http://host?q`) of an absolute-form target starts. */
export function targetPathStart(target: string): number {
  let i = target.indexOf('://') + 3
  while (i < target.length) {
    const code = target.charCodeAt(i)
    if (code === 47 || code === 63 || code === 35) return i
    i++
  }
  return i
}
