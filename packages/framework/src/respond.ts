/**
 * From what handlers return or throw to a `Response`: convenience values become responses,
 * errors become RFC 9457 problem+json (internal details only in debug mode).
 *
 * @module
 */
import { HandlerResultError, HTTPError, toHTTPError } from './errors.ts'
import type { Request } from './request.ts'
import { bytes, json, Response, text } from './response.ts'
import { describeValue, fromOtherResult } from './web-response.ts'

/** A JSON value a handler may return: sent with `JSON.stringify` (plain objects, arrays, objects with `toJSON`). */
export type JSONResult =
  | string
  | number
  | boolean
  | null
  | readonly unknown[]
  // Any object: TypeScript cannot tell a plain object typed by an interface from a class
  // instance, so a `Map` type-checks here and is refused at run time (a logged 500).
  | object

/**
 * What a handler may return (or resolve with); see {@link toResponse}. Anything else — a `Map`,
 * a `Set`, a class instance without `toJSON`, a Node.js stream, a function — is a logged 500.
 */
export type HandlerResult =
  | Response
  | globalThis.Response
  | JSONResult
  | Uint8Array
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string>
  | URLSearchParams
  | FormData
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler with no return statement returns void
  | void

/**
 * A handler's result as a response: a `Response` as is; `undefined` → 204; a string → text;
 * bytes → octet-stream; a plain object, an array, a number, a boolean, `null` or an object with
 * `toJSON` (a `Date`) → JSON; a web `Response` → its status, headers and streamed body; a
 * `Blob` → its bytes with its type; a `ReadableStream` or async iterable → a streamed body;
 * `URLSearchParams`/`FormData` → a form body. Anything else throws a {@link HandlerResultError}
 * naming what it got (a 500, logged).
 */
export function toResponse(result: unknown): Response {
  if (result instanceof Response) return result
  if (result === undefined) return new Response(null, { status: 204 })
  if (typeof result === 'string') return text(result)
  if (typeof result === 'object') {
    if (result === null || Array.isArray(result)) return json(result)
    const proto = Object.getPrototypeOf(result) as unknown
    // The common case, `return { … }`: one prototype read, then JSON.
    if (proto === Object.prototype || proto === null) return json(result)
    if (result instanceof Uint8Array) return bytes(result)
    return fromOtherResult(result)
  }
  if (typeof result === 'number' || typeof result === 'boolean') return json(result)
  throw new HandlerResultError(
    `a handler returned ${describeValue(result)}, which is neither a JSON value nor a response`,
  )
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
