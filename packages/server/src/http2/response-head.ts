/**
 * The response head of an h2 stream: what http/head.ts builds for HTTP/1.1, as node:http2's
 * header object, without the fields RFC 9113 §8.2.2 forbids (an app's `connection`,
 * `keep-alive`, `transfer-encoding`, `upgrade`, and the server's own `connection: close`
 * while shutting down, which node:http2 would refuse with ERR_HTTP2_INVALID_CONNECTION_HEADERS).
 * Shutdown is GOAWAY on h2, not a header.
 *
 * @module
 */
import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2'
import { isConnectionSpecific } from './request-head.ts'

/** The options of `stream.respond`. */
export type RespondOptions = Parameters<ServerHttp2Stream['respond']>[1]

/**
 * `flat` (`[name, value, …]`, as `responseHead` returns it) with `:status`, names lowercased,
 * connection-specific fields dropped, and repeated names as one array (one field each on the
 * wire).
 */
export function h2ResponseHeaders(status: number, flat: readonly string[]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ':status': status }
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase()
    if (isConnectionSpecific(name)) continue
    const value = flat[i + 1]!
    const seen = out[name]
    if (seen === undefined) out[name] = value
    else if (Array.isArray(seen)) seen.push(value)
    else out[name] = [String(seen), value]
  }
  return out
}

/**
 * Makes `list` (`[':status', status, name, value, …]`, as `responseHead` fills it) node:http2's
 * raw header list, in place: connection-specific fields dropped. A raw list (which
 * `stream.respond` takes since Node 24 / 22.20) keeps the application's field order, a
 * repeated name interleaved with others included (an object groups them), and node skips the
 * copy it makes of an object. Names are left as the app wrote them: node lowercases every name
 * of a raw list on its way to the wire (twice), so only a name as long as a connection-specific
 * one is lowered here, to be checked (test/http2-serve.test.ts: `X-Kept` arrives `x-kept`).
 */
export function h2ResponseList(list: string[]): string[] {
  let w = 2
  for (let i = 2; i + 1 < list.length; i += 2) {
    const name = list[i]!
    if (isConnectionSpecific(name)) continue
    list[w] = name
    list[w + 1] = list[i + 1]!
    w += 2
  }
  // Setting `length` is a call into the runtime even when it does not change: only on a drop.
  if (w !== list.length) list.length = w
  return list
}

/**
 * Whether `stream.respond` takes a raw header list. Cleared the first time an older node
 * refuses one (ERR_INVALID_ARG_TYPE, thrown before the stream is touched): objects from then on.
 */
let rawHeads = true

/**
 * `stream.respond` with the head `list` (`[':status', status, name, value, …]`): as a raw list
 * where node takes one (see {@link h2ResponseList}), else as an object. Throws what
 * node:http2 throws for a head it refuses.
 */
export function respondHead(
  stream: Pick<ServerHttp2Stream, 'respond'>,
  list: string[],
  options: RespondOptions,
): void {
  if (rawHeads) {
    try {
      stream.respond(h2ResponseList(list), options)
      return
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_INVALID_ARG_TYPE') throw error
      rawHeads = false
    }
  }
  stream.respond(h2ResponseHeaders(Number(list[1]), list.slice(2)), options)
}

/** A header list (trailers) as node:http2's header object, with the same rules. */
export function h2Fields(list: ReadonlyArray<readonly [string, string]>): OutgoingHttpHeaders {
  const flat: string[] = []
  for (const [name, value] of list) flat.push(name, value)
  const out = h2ResponseHeaders(0, flat)
  delete out[':status']
  return out
}
