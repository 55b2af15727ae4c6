/**
 * The answers for requests no route takes: 404 for a path without routes, 405 (with `allow`)
 * for a method its path lacks. Scanners and bots make them a hot path, and an `Error` per
 * request (its stack captured, then unwound through the error boundary) made them half as
 * fast as a route. When the app has no error handler, nothing can see the error: the
 * dispatcher answers with {@link notFound} / {@link methodNotAllowed}, byte for byte the
 * response the default error handler makes of the `NotFoundError` / `MethodNotAllowedError`
 * it throws when there is a handler to give it to (test/perf-miss.test.ts compares the two).
 *
 * @module
 */
import { statusText } from '@tsgi/protocol'
import { FrameworkErrorCode } from '../errors.ts'
import { Response } from '../response.ts'

const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/** Methods in a canonical order: the common ones first, the others by name. */
export function sortMethods(methods: string[]): string[] {
  return methods.sort((a, b) => {
    const ia = ORDER.indexOf(a)
    const ib = ORDER.indexOf(b)
    return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib) || a.localeCompare(b)
  })
}

/** The methods a path accepts (GET implying HEAD, OPTIONS always); none: WebSocket only. */
export function allowedMethods(methods: Iterable<string>): string[] {
  const set = new Set(methods)
  if (set.size === 0) return []
  if (set.has('GET')) set.add('HEAD')
  set.add('OPTIONS')
  return sortMethods([...set])
}

/** `HTTPError#toProblem()`'s JSON up to its `detail`, for an `about:blank` problem. */
const head = (status: number): string =>
  `${JSON.stringify({ type: 'about:blank', title: statusText(status), status }).slice(0, -1)},"detail":`
const NOT_FOUND_HEAD = head(404)
const NOT_FOUND_TAIL = `,"code":${JSON.stringify(FrameworkErrorCode.routeNotFound)}}`
const NOT_ALLOWED_HEAD = head(405)
const NOT_ALLOWED_TAIL = `,"code":${JSON.stringify(FrameworkErrorCode.methodNotAllowed)}}`

/** The detail of the 404 for a request (also the `NotFoundError`'s message). */
export const notFoundDetail = (method: string, path: string): string =>
  `no route for ${method} ${path}`

/** The default 404 problem+json of a request no path matches. */
export function notFound(method: string, path: string): Response {
  const body = NOT_FOUND_HEAD + JSON.stringify(notFoundDetail(method, path)) + NOT_FOUND_TAIL
  return new Response(body, NOT_FOUND_INIT)
}

const PROBLEM: [string, string] = ['content-type', 'application/problem+json']
const NOT_FOUND_INIT = { status: 404, headers: [PROBLEM] }

/** The default 405 problem+json of a method its path lacks; `allow` is the joined list. */
export function methodNotAllowed(method: string, allow: string): Response {
  const detail = `${method} is not allowed here; allowed: ${allow}`
  return new Response(NOT_ALLOWED_HEAD + JSON.stringify(detail) + NOT_ALLOWED_TAIL, {
    status: 405,
    headers: [['allow', allow], PROBLEM],
  })
}
