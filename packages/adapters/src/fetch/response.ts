/**
 * The response side of one `fromFetch` exchange: a `Response` written with `send()`, one
 * awaited `send()` per body chunk, so backpressure reaches the body stream.
 *
 * @module
 */
import {
  type HeaderList,
  type HTTPResponseStartEvent,
  isBodylessResponse,
  isClientDisconnected,
  NOT_SETTLED,
  type Send,
  settledThisTurn,
} from '@tsgi/protocol'
import { FetchAdapterError, FetchAdapterErrorCode } from './errors.ts'
import type { FetchExchange } from './exchange.ts'

function chunkOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value
  throw new FetchAdapterError(
    FetchAdapterErrorCode.bodyChunk,
    `fromFetch: a response body chunk must be a Uint8Array, got ${typeof value}`,
  )
}

/** Checks what the handler resolved with. */
export function assertResponse(value: unknown): asserts value is Response {
  const ok =
    value instanceof Response ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as Response).status === 'number' &&
      typeof (value as Response).headers?.entries === 'function')
  if (!ok)
    throw new FetchAdapterError(
      FetchAdapterErrorCode.response,
      'fromFetch: the fetch handler must resolve with a Response',
    )
  if ((value as Response).type === 'error')
    throw new FetchAdapterError(
      FetchAdapterErrorCode.response,
      'fromFetch: the fetch handler resolved with Response.error()',
    )
}

/** The start event: status and headers, every `set-cookie` its own field. */
function startOf(response: Response): HTTPResponseStartEvent {
  const headers: HeaderList = []
  // Headers iteration yields each set-cookie separately (Fetch "sort and combine").
  for (const [name, value] of response.headers) headers.push([name, value])
  return { type: 'http.response.start', status: response.status, headers }
}

function cancel(body: ReadableStream<Uint8Array> | ReadableStreamDefaultReader, reason?: unknown) {
  body.cancel(reason).catch(() => {})
}

/**
 * Writes `response`. Resolves when the response is complete, or when the client left (the body
 * reader is then cancelled and the request signal aborted). Rejects when the body stream errors
 * or `send()` rejects for any other reason: the server turns that into a 500 before the start
 * and into an aborted connection after.
 */
export async function writeResponse(
  response: Response,
  method: string,
  send: Send,
  exchange: FetchExchange,
): Promise<void> {
  const start = startOf(response)
  const body = response.body
  if (body === null || isBodylessResponse(response.status, method)) {
    if (body !== null) cancel(body)
    exchange.completing = true
    try {
      await Promise.all([send(start), send({ type: 'http.response.body' })])
    } catch (error) {
      if (!isClientDisconnected(error)) throw error
      exchange.abort()
    }
    return
  }
  const reader = body.getReader()
  try {
    let next = reader.read()
    const first = await settledThisTurn(next)
    if (first === NOT_SETTLED) {
      // Nothing yet (a stream that produces later): the headers go out now.
      await send(start)
    } else if (first.done) {
      exchange.completing = true
      await Promise.all([send(start), send({ type: 'http.response.body' })])
      return
    } else {
      const chunk = chunkOf(first.value)
      next = reader.read()
      const second = await settledThisTurn(next)
      if (second !== NOT_SETTLED && second.done) {
        // The whole body in one chunk: one final event, so the server can frame it with a
        // Content-Length instead of chunked encoding.
        exchange.completing = true
        await Promise.all([send(start), send({ type: 'http.response.body', body: chunk })])
        return
      }
      await Promise.all([
        send(start),
        send({ type: 'http.response.body', body: chunk, moreBody: true }),
      ])
    }
    for (;;) {
      const read = await next
      if (read.done) break
      await send({ type: 'http.response.body', body: chunkOf(read.value), moreBody: true })
      next = reader.read()
    }
    exchange.completing = true
    await send({ type: 'http.response.body' })
  } catch (error) {
    cancel(reader, error)
    if (!isClientDisconnected(error)) throw error
    exchange.abort()
  }
}
