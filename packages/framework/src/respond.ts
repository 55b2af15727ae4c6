/**
 * From what handlers return or throw to a `Response`: convenience values become responses,
 * errors become RFC 9457 problem+json (internal details only in debug mode).
 *
 * @module
 */
import { HTTPError, toHTTPError } from './errors.ts'
import type { Request } from './request.ts'
import { bytes, json, Response, text } from './response.ts'

/**
 * A handler's result as a response: a `Response` as is; `undefined` → 204; a string → text;
 * bytes → octet-stream; anything else (objects, arrays, numbers, booleans, null) → JSON.
 */
export function toResponse(result: unknown): Response {
  if (result instanceof Response) return result
  if (result === undefined) return new Response(null, { status: 204 })
  if (typeof result === 'string') return text(result)
  if (result instanceof Uint8Array) return bytes(result)
  return json(result)
}

/** Where unhandled errors are reported. */
export interface ErrorLogger {
  error(message: string, error?: unknown): void
}

/**
 * The default error response. 5xx and unexpected errors are logged with their stack; the body
 * never carries internal messages unless `debug` is on.
 */
export function errorResponse(
  error: unknown,
  request: Request,
  logger: ErrorLogger,
  debug: boolean,
): Response {
  const http = toHTTPError(error)
  if (http.status >= 500)
    logger.error(`unhandled error in ${request.method} ${request.path}`, error)
  const problem = http.toProblem(debug)
  if (debug && !(error instanceof HTTPError) && error instanceof Error && error.stack)
    problem.stack = error.stack.split('\n')
  return json(problem, {
    status: http.status,
    headers: { ...http.headers, 'content-type': 'application/problem+json' },
  })
}
