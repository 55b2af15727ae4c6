/**
 * Helpers the built-in middleware share: `vary` handling, body sizes and body iteration.
 * Internal: no entry point exports them. (No internal tag here: tsc takes a file's first comment
 * for its first statement's, and `stripInternal` would drop the import below.)
 *
 * @module
 */
import { charsetOf } from '../body.ts'
import type { ResponseHeaders } from '../headers.ts'
import { isFileBody, type Response, type ResponseBody } from '../response.ts'

/** A streamed body: what `stream()` and `sse()` responses carry. */
export type StreamBody = AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array | string>

/**
 * Adds `field` to the response's `vary` unless it is already listed (or `vary: *`). Existing
 * values are kept: several middleware may each add their own field.
 */
export function appendVary(headers: ResponseHeaders, field: string): void {
  const wanted = field.toLowerCase()
  for (const value of headers.getAll('vary')) {
    for (const item of value.split(',')) {
      const name = item.trim().toLowerCase()
      if (name === '*' || name === wanted) return
    }
  }
  headers.append('vary', field)
}

/** A string body as the bytes `send` would write (in the charset of the content-type). */
export function encodeText(text: string, contentType: string | undefined): Uint8Array {
  return Buffer.from(text, charsetOf(contentType))
}

/** Whether the body is streamed (an async iterable or a ReadableStream). */
export function isStreamBody(body: ResponseBody): body is StreamBody {
  return (
    body !== null &&
    typeof body === 'object' &&
    !(body instanceof Uint8Array) &&
    !isFileBody(body) &&
    (Symbol.asyncIterator in body || typeof (body as ReadableStream).getReader === 'function')
  )
}

/** The body size in bytes when it is known before sending: `null`, strings and bytes. */
export function knownSize(res: Response): number | undefined {
  const body = res.body
  if (body === null) return 0
  if (body instanceof Uint8Array) return body.byteLength
  if (typeof body === 'string')
    return Buffer.byteLength(body, charsetOf(res.headers.get('content-type')))
  const declared = res.headers.get('content-length')
  return declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined
}

/** An iterator over a streamed body (async iterable first, as `send` does, else a reader). */
export function iterate(body: StreamBody): AsyncIterator<Uint8Array | string> {
  if (Symbol.asyncIterator in body)
    return (body as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]()
  const reader = (body as ReadableStream<Uint8Array | string>).getReader()
  return {
    next: () => reader.read() as Promise<IteratorResult<Uint8Array | string>>,
    async return() {
      await reader.cancel()
      return { done: true, value: undefined }
    },
  }
}
