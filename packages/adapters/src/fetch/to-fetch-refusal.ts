/**
 * What `toFetch` refuses before running the application, where the runtime lets through a
 * request the reference server refuses (SPEC.md §5.8): a Host that is no authority, CONNECT to
 * a server that is no proxy, a transfer coding other than chunked. Each answer closes the
 * connection (`connection: close`, which Bun and Deno honour).
 *
 * @module
 */

/** RFC 3986 §3.2.2 host (reg-name, IPv4, IP-literal) with an optional port. */
const HOST =
  /^(?:\[[0-9A-Fa-f:.]+\]|\[v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)(?::[0-9]*)?$/

/** A plain-text response that closes the connection. */
export function closingResponse(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', connection: 'close' },
  })
}

/** The last Host found valid: nearly every request of a server carries the same one. */
let validHost: string | null = null

/** The answer to a request `toFetch` must not pass to the application, or `null`. */
export function refusal(request: Request): Response | null {
  const headers = request.headers
  const host = headers.get('host')
  // A runtime that joins repeated fields gives `a, b` for two Host headers: refused here too.
  if (host !== null && host !== validHost) {
    if (!HOST.test(host)) return closingResponse(400, 'Bad Request: invalid Host')
    validHost = host
  }
  if (request.method === 'CONNECT') return closingResponse(501, 'Not Implemented: CONNECT')
  const te = headers.get('transfer-encoding')
  if (te?.split(',').some((c) => c.trim().toLowerCase() !== 'chunked'))
    return closingResponse(501, 'Not Implemented: transfer coding')
  return null
}
