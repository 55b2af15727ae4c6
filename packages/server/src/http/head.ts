/**
 * The response head a server writes for the application's `http.response.start`: the app's
 * headers in order, minus framing it does not own, plus Content-Length when it can be known up
 * front, and the server's default headers; and the two choices about a body's framing that
 * depend on the head (one write, trailers).
 *
 * @module
 */
import type { HTTPResponseTracker, HTTPScope } from '@tsgi/protocol'
import type { ServerContext } from '../context.ts'

/**
 * Builds the flat `[name, value, …]` list for `res.writeHead`. `finalBody` is the whole body
 * when the first body event is also the last; `knownLength` is a length known otherwise (a
 * file's size), or -1. The fields are appended to `out` (h2 passes one that starts with its
 * `:status`, so that its head is one array).
 */
export function responseHead(
  t: HTTPResponseTracker,
  ctx: ServerContext,
  finalBody: Uint8Array | undefined,
  knownLength: number,
  out: string[] = [],
): string[] {
  const source = t.headers
  let server = false
  // Pairs read by index: destructuring runs the iterator protocol, per field of every response.
  for (let i = 0; i < source.length; i++) {
    const field = source[i]!
    const name = field[0]
    const n = name.length
    // Framing belongs to the server (SPEC §5.4): an application's Transfer-Encoding is dropped.
    if (n === 17 && name.toLowerCase() === 'transfer-encoding') continue
    if (n === 6 && name.toLowerCase() === 'server') server = true
    out.push(name, field[1])
  }
  // HEAD still announces the length a GET would have; 204 and 304 never carry one.
  if (t.contentLength < 0 && !t.trailers && t.status !== 204 && t.status !== 304) {
    if (finalBody !== undefined) out.push('content-length', String(finalBody.byteLength))
    else if (knownLength >= 0) out.push('content-length', String(knownLength))
  }
  if (!server && ctx.options.serverHeader) out.push('server', 'tsgi')
  const defaults = ctx.options.headers
  for (let i = 0; i < defaults.length; i++) {
    const field = defaults[i]!
    const lower = field[0].toLowerCase()
    let present = false
    for (let j = 0; j < source.length && !present; j++)
      present = source[j]![0].toLowerCase() === lower
    if (!present) out.push(field[0], field[1])
  }
  if (ctx.closing) out.push('connection', 'close')
  return out
}

/**
 * A small whole response's body as a latin1 string: node:http writes a Buffer body apart from
 * the head (a writev of two), but joins a latin1 string onto the head, so the response leaves
 * in one write. latin1 maps each byte to one char, so the bytes on the wire are unchanged.
 * Profiled: the writev was the largest cost per small response.
 */
export function oneWriteBody(body: Uint8Array): string {
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return bytes.toString('latin1')
}

/**
 * Whether the trailers an application sent can go on the wire: a chunked HTTP/1.1 response to
 * a client that said `TE: trailers` (RFC 9110 §6.5.1); otherwise they are dropped.
 */
export function trailersAllowed(scope: HTTPScope, t: HTTPResponseTracker): boolean {
  const te = scope.headers.find(([name]) => name === 'te')?.[1]
  return (
    t.contentLength < 0 &&
    scope.httpVersion === '1.1' &&
    te !== undefined &&
    /(^|,)\s*trailers\s*(;|,|$)/i.test(te)
  )
}
