/**
 * The `Response` of a `toFetch` exchange, from the tracked start and the body: hop-by-hop
 * fields dropped, headers passed the way runtimes take fastest.
 *
 * @module
 */
import type { HeaderList, HTTPResponseTracker } from '@tsgi/protocol'

/** Framing is the host's (SPEC §5.4.3): hop-by-hop fields are not the app's to send. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade'])

/** What a `Response` can be built with. */
type ResponseBody = ConstructorParameters<typeof Response>[0]

/**
 * The fields as a `Response` init: a plain record when no name repeats and none is
 * hop-by-hop (Deno serves a 200 with a lone `content-type` record without building `Headers`
 * at all, and Bun converts a record fastest), else a `Headers` built by `append`, which keeps
 * repeated fields (each `set-cookie` on its own). A record appends its fields the same way.
 * `size`, when given, is the `content-length` unless the app declared one.
 */
function headersInit(list: HeaderList, size: number | undefined): Record<string, string> | Headers {
  const record: Record<string, string> = {}
  let lengthSet = false
  for (const [name, value] of list) {
    const lower = name.toLowerCase()
    if (HOP_BY_HOP.has(lower) || name === '__proto__' || Object.hasOwn(record, name))
      return headersOf(list, size)
    if (lower === 'content-length') lengthSet = true
    record[name] = value
  }
  if (size !== undefined && !lengthSet) record['content-length'] = String(size)
  return record
}

/** The general case: every field appended, hop-by-hop ones dropped. */
function headersOf(list: HeaderList, size: number | undefined): Headers {
  const headers = new Headers()
  for (const [name, value] of list) {
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, value)
  }
  if (size !== undefined && !headers.has('content-length'))
    headers.set('content-length', String(size))
  return headers
}

/** The `Response` for the start `tracker` accepted, with `body` (`null` when bodyless). */
export function responseOf(
  tracker: HTTPResponseTracker,
  body: ResponseBody,
  size?: number,
): Response {
  const headers = tracker.headers
  return new Response(body, {
    status: tracker.status,
    headers: headers.length === 0 && size === undefined ? undefined : headersInit(headers, size),
  })
}
