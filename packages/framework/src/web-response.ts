/**
 * Handler results that are not the framework's own kinds: the web `Response` (what hono, h3 and
 * Next.js users return), `Blob`, `ReadableStream`, async iterables, `ArrayBuffer` views, form
 * bodies. Each becomes a framework {@link Response} at once, so middleware that post-processes
 * responses (cors, compress, logging) sees the same object it always does. Anything else is a
 * {@link HandlerResultError}: a logged 500 naming what was returned, never a silent `{}`.
 *
 * (The adapters' `fromFetch` streams a web Response into `send()` too; this is the framework's
 * own small version, with no runtime dependency on `@tsgi/adapters`.)
 *
 * @module
 */
import { isBodylessResponse } from '@tsgi/protocol'
import { HandlerResultError } from './errors.ts'
import { bytes, json, Response, stream } from './response.ts'

/** Whether `value` is a web (Fetch API) `Response`, from this realm or another copy of undici. */
export function isWebResponse(value: object): value is globalThis.Response {
  return (
    value instanceof globalThis.Response ||
    Object.prototype.toString.call(value) === '[object Response]'
  )
}

/**
 * A web `Response` as a framework `Response`: status, every header (each `set-cookie` its own
 * field, from `getSetCookie()`), and its body stream, read chunk by chunk when sent (one
 * awaited `send()` per chunk; the reader is cancelled when the client leaves or for HEAD).
 */
export function fromWebResponse(web: globalThis.Response): Response {
  if (web.type === 'error' || web.status === 0)
    throw new HandlerResultError('a handler returned Response.error(), a network error')
  if (web.bodyUsed)
    throw new HandlerResultError('a handler returned a web Response whose body was already read')
  const res = new Response(null, { status: web.status })
  const list = res.headers.list
  for (const [name, value] of web.headers) if (name !== 'set-cookie') list.push([name, value])
  for (const cookie of web.headers.getSetCookie()) list.push(['set-cookie', cookie])
  const body = web.body
  if (body !== null) {
    // 204 and 304 never carry a body: release the stream instead of reading it.
    if (isBodylessResponse(web.status)) body.cancel().catch(() => {})
    else res.body = body
  }
  return res
}

/** A `Blob` (or `File`): its type, its size as `content-length`, its bytes streamed. */
function fromBlob(blob: Blob): Response {
  return stream(blob.stream(), {
    headers: {
      'content-type': blob.type || 'application/octet-stream',
      'content-length': String(blob.size),
    },
  })
}

/** Whether `value` looks like a Node.js stream (which is async-iterable too). */
function isNodeStream(value: object): boolean {
  const v = value as { pipe?: unknown; on?: unknown }
  return typeof v.pipe === 'function' && typeof v.on === 'function'
}

/** What `value` is, for an error message: `an instance of Map`, `a function`, `a bigint`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'function') return 'a function'
  if (typeof value !== 'object') return `a ${typeof value}`
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name
  if (typeof name !== 'string' || name === '') return 'an object without a class name'
  if (value instanceof Error) return `an Error (${name})`
  return `an instance of ${name}`
}

/**
 * The framework `Response` for a result that is an object but neither a framework `Response`,
 * bytes, nor a plain object or array (those are handled on the fast path in `toResponse`).
 */
export function fromOtherResult(value: object): Response {
  if (isWebResponse(value)) return fromWebResponse(value)
  if (value instanceof Blob) return fromBlob(value)
  if (value instanceof ReadableStream) return stream(value)
  if (value instanceof ArrayBuffer) return bytes(new Uint8Array(value))
  if (ArrayBuffer.isView(value))
    return bytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
  if (value instanceof URLSearchParams || value instanceof FormData)
    return fromWebResponse(new globalThis.Response(value))
  // An object that says how it is JSON (a Date, a class with toJSON) is JSON.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return json(value)
  const what = describeValue(value)
  if (isNodeStream(value))
    throw new HandlerResultError(
      `a handler returned ${what}, a Node.js stream: return stream(nodeStream) (or Readable.toWeb) to stream it`,
    )
  if (Symbol.asyncIterator in value) return stream(value as AsyncIterable<Uint8Array | string>)
  if (value instanceof Error)
    throw new HandlerResultError(`a handler returned ${what}: throw it instead of returning it`)
  if (isPlainFromOtherRealm(value)) return json(value)
  throw new HandlerResultError(
    `a handler returned ${what}, which is neither a plain JSON value (object, array, string, number, boolean, null) nor a response; convert it (json(...), a web Response, stream(...)) before returning it`,
  )
}

/** A plain object or array made in another realm (a `vm` context): its own Object/Array prototype. */
function isPlainFromOtherRealm(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null
  if (proto === null || Object.getPrototypeOf(proto) !== null) return false
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name
  return name === 'Object'
}
