/**
 * Access logging: one entry per response, through a hook, for logs and metrics. Streamed
 * bodies are never buffered: they are counted as they pass, and logged when they end.
 *
 * @module
 */
import { performance } from 'node:perf_hooks'
import { isBodylessResponse, isClientDisconnected, type State } from '@tsgi/protocol'
import { charsetOf } from '../body.ts'
import type { Middleware } from '../middleware.ts'
import type { Request } from '../request.ts'
import { isFileBody, type Response } from '../response.ts'
import { getRequestId } from './request-id.ts'
import { isStreamBody, iterate, knownSize, type StreamBody } from './util.ts'

/**
 * What {@link accessLog} reports for each response.
 *
 * @example
 * ```ts
 * const entry: AccessLogEntry = { method: 'GET', path: '/', status: 200, durationMs: 1.2, bytes: 5 }
 * ```
 */
export interface AccessLogEntry {
  /** Request method. */
  method: string
  /** Request path (inside the application, decoded, without the query). */
  path: string
  /** Status sent; `499` when the client left before a response was made. */
  status: number
  /** Milliseconds from the request reaching the middleware to the end of the response body. */
  durationMs: number
  /**
   * Body bytes sent (after compression, when `compress()` runs inside); 0 for HEAD, 204 and
   * 304; absent for file bodies (sized by the transport).
   */
  bytes?: number
  /** The request id, when `requestId()` runs (before or after this middleware). */
  requestId?: string
  /** `true` when the client went away before the body was complete. */
  aborted?: boolean
}

/**
 * Options of {@link accessLog}.
 *
 * @example
 * ```ts
 * const options: AccessLogOptions = { log: (entry) => console.log(JSON.stringify(entry)) }
 * ```
 */
export interface AccessLogOptions {
  /** Receives each entry. Default: one line on stdout (`GET /users 200 3.1ms 512b id`). */
  log?: (entry: AccessLogEntry, request: Request) => void
}

function line(entry: AccessLogEntry): void {
  const bytes = entry.bytes === undefined ? '-' : `${entry.bytes}b`
  const extra = `${entry.requestId ? ` ${entry.requestId}` : ''}${entry.aborted ? ' aborted' : ''}`
  process.stdout.write(
    `${entry.method} ${entry.path} ${entry.status} ${entry.durationMs.toFixed(1)}ms ${bytes}${extra}\n`,
  )
}

/** Wraps a streamed body: counts bytes as they pass and reports once, at its end. */
function counted(
  body: StreamBody,
  encoding: BufferEncoding,
  done: (bytes: number, aborted: boolean) => void,
): AsyncIterable<Uint8Array | string> & AsyncIterator<Uint8Array | string> {
  let source: AsyncIterator<Uint8Array | string> | undefined
  let bytes = 0
  let ended = false
  const end = (aborted: boolean) => {
    if (ended) return
    ended = true
    done(bytes, aborted)
  }
  const wrapper = {
    [Symbol.asyncIterator]: () => wrapper,
    async next(): Promise<IteratorResult<Uint8Array | string>> {
      source ??= iterate(body)
      let step: IteratorResult<Uint8Array | string>
      try {
        step = await source.next()
      } catch (error) {
        end(true)
        throw error
      }
      if (step.done) end(false)
      else
        bytes +=
          typeof step.value === 'string'
            ? Buffer.byteLength(step.value, encoding)
            : step.value.byteLength
      return step
    },
    async return(): Promise<IteratorResult<Uint8Array | string>> {
      // Called by `send` after the end (a no-op then) or to stop early: the client left.
      end(true)
      source ??= iterate(body)
      await source.return?.()
      return { done: true, value: undefined }
    },
  }
  return wrapper
}

/**
 * Access log middleware: calls `log(entry)` once per response with method, path, status,
 * duration, bytes and request id. Bodies known up front are logged when the chain returns;
 * streamed bodies (streams, SSE, compressed output) are wrapped, never buffered, and logged
 * when they end or the client leaves (`aborted: true`). Register it first, so the entry
 * reflects what the other middleware made (compressed bytes, CORS on errors).
 *
 * @example
 * ```ts
 * import { accessLog } from '@tsgi/framework/middleware'
 *
 * app.use(accessLog({ log: (e) => metrics.observe(e.method, e.status, e.durationMs) }))
 * ```
 */
export function accessLog<S extends State = State>(options: AccessLogOptions = {}): Middleware<S> {
  const log = options.log ?? line
  return async (request, next) => {
    const start = performance.now()
    const req = request as Request
    let logged = false
    const report = (status: number, bytes: number | undefined, aborted: boolean) => {
      if (logged) return
      logged = true
      const entry: AccessLogEntry = {
        method: req.method,
        path: req.path,
        status,
        durationMs: performance.now() - start,
      }
      if (bytes !== undefined) entry.bytes = bytes
      const id = getRequestId(req)
      if (id !== undefined) entry.requestId = id
      if (aborted) entry.aborted = true
      try {
        log(entry, req)
      } catch (error) {
        // A failing hook must not break the response it reports on.
        process.stderr.write(`accessLog: the log hook failed: ${String(error)}\n`)
      }
    }
    let res: Response
    try {
      res = await next()
    } catch (error) {
      // The error boundary inside turns errors into responses: what escapes is a disconnect
      // or an error handler that failed (the dispatcher then answers 500).
      const gone = isClientDisconnected(error)
      report(gone ? 499 : 500, undefined, gone)
      throw error
    }
    const head = req.method === 'HEAD' || isBodylessResponse(res.status)
    if (isStreamBody(res.body)) {
      if (head) report(res.status, 0, false)
      else {
        const status = res.status
        const charset = charsetOf(res.headers.get('content-type'))
        res.body = counted(res.body, charset, (bytes, aborted) => report(status, bytes, aborted))
        // Safety net: the body was never read (the client left before the response started).
        req.after(() => report(status, 0, true))
      }
    } else {
      report(res.status, head ? 0 : isFileBody(res.body) ? undefined : knownSize(res), false)
    }
    return res
  }
}
