/**
 * How `toFetch` reads a request body: a small sized one whole, the rest as a stream.
 *
 * @module
 */

/**
 * A request body announced at most this long is read whole (`request.bytes()`, else
 * `arrayBuffer()`), one `http.request` event: runtimes fill it natively, without a
 * `ReadableStream` (on Bun, reading a small body through `request.body` doubled the cost of a
 * POST). Larger or unsized bodies are streamed, chunk by chunk, so the app holds only what it
 * asked for.
 */
export const WHOLE_BODY_LIMIT = 64 * 1024

/** The declared body length when it allows reading the body whole, else `undefined`. */
export function wholeBodyLength(request: Request): number | undefined {
  const value = request.headers.get('content-length')
  if (value === null) return undefined
  const size = Number(value)
  return Number.isInteger(size) && size >= 0 && size <= WHOLE_BODY_LIMIT ? size : undefined
}

/** `Request.bytes()` where the runtime has it (Bun, Deno, Node 22+): no ArrayBuffer to wrap. */
type WithBytes = Request & { bytes?: () => Promise<Uint8Array> }

/**
 * The whole body of `request`, or `undefined` when the read failed (a body cut short: the
 * client left) or was stopped: `onStop` receives the function that stops it.
 */
export function readWhole(
  request: Request,
  onStop: (stop: () => void) => void,
): Promise<Uint8Array | undefined> {
  return new Promise((settle) => {
    onStop(() => settle(undefined))
    const r = request as WithBytes
    const read: Promise<Uint8Array> =
      typeof r.bytes === 'function'
        ? r.bytes()
        : request.arrayBuffer().then((bytes) => new Uint8Array(bytes))
    read.then(settle, () => settle(undefined))
  })
}
