/**
 * How `toFetch` reads a request body: a small sized one whole, the rest as a stream.
 *
 * @module
 */

/**
 * A request body announced at most this long is read whole with `request.arrayBuffer()`, one
 * `http.request` event: runtimes fill it natively, without a `ReadableStream` (on Bun, reading
 * a small body through `request.body` doubled the cost of a POST). Larger or unsized bodies are
 * streamed, chunk by chunk, so the app holds only what it asked for.
 */
export const WHOLE_BODY_LIMIT = 64 * 1024

/** The declared body length when it allows reading the body whole, else `undefined`. */
export function wholeBodyLength(request: Request): number | undefined {
  const value = request.headers.get('content-length')
  if (value === null) return undefined
  const size = Number(value)
  return Number.isInteger(size) && size >= 0 && size <= WHOLE_BODY_LIMIT ? size : undefined
}
