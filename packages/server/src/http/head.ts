/**
 * The response head a server writes for the application's `http.response.start`: the app's
 * headers in order, minus framing it does not own, plus Content-Length when it can be known up
 * front, and the server's default headers.
 *
 * @module
 */
import type { HTTPResponseTracker } from '@tsgi/protocol'
import type { ServerContext } from '../context.ts'

/**
 * Builds the flat `[name, value, …]` list for `res.writeHead`. `finalBody` is the whole body
 * when the first body event is also the last; `knownLength` is a length known otherwise (a
 * file's size), or -1.
 */
export function responseHead(
  t: HTTPResponseTracker,
  ctx: ServerContext,
  finalBody: Uint8Array | undefined,
  knownLength: number,
): string[] {
  const source = t.headers
  const out: string[] = []
  let server = false
  for (let i = 0; i < source.length; i++) {
    const [name, value] = source[i]!
    const n = name.length
    // Framing belongs to the server (SPEC §5.4): an application's Transfer-Encoding is dropped.
    if (n === 17 && name.toLowerCase() === 'transfer-encoding') continue
    if (n === 6 && name.toLowerCase() === 'server') server = true
    out.push(name, value)
  }
  // HEAD still announces the length a GET would have; 204 and 304 never carry one.
  if (t.contentLength < 0 && !t.trailers && t.status !== 204 && t.status !== 304) {
    if (finalBody !== undefined) out.push('content-length', String(finalBody.byteLength))
    else if (knownLength >= 0) out.push('content-length', String(knownLength))
  }
  if (!server && ctx.options.serverHeader) out.push('server', 'tsgi')
  const defaults = ctx.options.headers
  for (let i = 0; i < defaults.length; i++) {
    const [name, value] = defaults[i]!
    const lower = name.toLowerCase()
    let present = false
    for (let j = 0; j < source.length && !present; j++)
      present = source[j]![0].toLowerCase() === lower
    if (!present) out.push(name, value)
  }
  if (ctx.closing) out.push('connection', 'close')
  return out
}
