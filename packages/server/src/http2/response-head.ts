/**
 * The response head of an h2 stream: what http/head.ts builds for HTTP/1.1, as node:http2's
 * header object, without the fields RFC 9113 §8.2.2 forbids (an app's `connection`,
 * `keep-alive`, `transfer-encoding`, `upgrade`, and the server's own `connection: close`
 * while shutting down, which node:http2 would refuse with ERR_HTTP2_INVALID_CONNECTION_HEADERS).
 * Shutdown is GOAWAY on h2, not a header.
 *
 * @module
 */
import type { OutgoingHttpHeaders } from 'node:http2'

const CONNECTION_SPECIFIC = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
])

/**
 * `flat` (`[name, value, …]`, as `responseHead` returns it) with `:status`, names lowercased,
 * connection-specific fields dropped, and repeated names as one array (one field each on the
 * wire).
 */
export function h2ResponseHeaders(status: number, flat: readonly string[]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ':status': status }
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase()
    if (CONNECTION_SPECIFIC.has(name)) continue
    const value = flat[i + 1]!
    const seen = out[name]
    if (seen === undefined) out[name] = value
    else if (Array.isArray(seen)) seen.push(value)
    else out[name] = [String(seen), value]
  }
  return out
}

/** A header list (trailers) as node:http2's header object, with the same rules. */
export function h2Fields(list: ReadonlyArray<readonly [string, string]>): OutgoingHttpHeaders {
  const flat: string[] = []
  for (const [name, value] of list) flat.push(name, value)
  const out = h2ResponseHeaders(0, flat)
  delete out[':status']
  return out
}
