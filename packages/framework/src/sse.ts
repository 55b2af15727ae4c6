/**
 * Server-sent events: a streamed `text/event-stream` response with keep-alive comments, that
 * stops (and releases its source) when the client goes away.
 *
 * @module
 */

import type { Response } from './response.ts'
import { type ResponseInit, stream } from './response.ts'

/** One event. A plain string is sent as `data`. */
export interface SSEEvent {
  /** Event payload; objects are sent as JSON; multi-line strings become several `data:` lines. */
  data: unknown
  /** Event name (`event:`). */
  event?: string
  /** Event id (`id:`). */
  id?: string
  /** Reconnection delay hint in ms (`retry:`). */
  retry?: number
}

/** Options of {@link sse}. */
export interface SSEOptions extends ResponseInit {
  /** Milliseconds between keep-alive comments while the source is quiet; 0 disables. Default 15000. */
  keepAlive?: number
}

/** Formats one event in the text/event-stream syntax. */
export function formatEvent(event: SSEEvent | string): string {
  const e: SSEEvent = typeof event === 'string' ? { data: event } : event
  let out = ''
  if (e.event !== undefined) out += `event: ${e.event.replace(/[\r\n]/g, '')}\n`
  if (e.id !== undefined) out += `id: ${e.id.replace(/[\r\n]/g, '')}\n`
  if (e.retry !== undefined) out += `retry: ${Math.floor(e.retry)}\n`
  const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data)
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`
  return `${out}\n`
}

async function* events(
  source: AsyncIterable<SSEEvent | string>,
  keepAlive: number,
): AsyncGenerator<string> {
  const iterator = source[Symbol.asyncIterator]()
  try {
    let pending = iterator.next()
    for (;;) {
      let timer: NodeJS.Timeout | undefined
      const tick =
        keepAlive > 0
          ? new Promise<'tick'>((resolve) => (timer = setTimeout(resolve, keepAlive, 'tick')))
          : null
      const winner = tick ? await Promise.race([pending, tick]) : await pending
      clearTimeout(timer)
      if (winner === 'tick') {
        yield ': keep-alive\n\n'
        continue
      }
      if (winner.done) return
      yield formatEvent(winner.value)
      pending = iterator.next()
    }
  } finally {
    await iterator.return?.()
  }
}

/**
 * A server-sent events response from an async iterable of events. Iteration stops when the
 * client leaves; the source's `return()` runs, so a generator's `finally` can clean up.
 */
export function sse(source: AsyncIterable<SSEEvent | string>, options: SSEOptions = {}): Response {
  const res = stream(events(source, options.keepAlive ?? 15_000), options)
  res.headers.set('content-type', 'text/event-stream; charset=utf-8')
  if (!res.headers.has('cache-control')) res.headers.set('cache-control', 'no-cache')
  res.headers.set('x-accel-buffering', 'no')
  return res
}
