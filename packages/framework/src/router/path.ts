/**
 * Route paths: parsing a pattern (`/users/:id/files/*rest`) into segments, and the types that
 * infer its parameter names so `req.params.id` is checked in the editor.
 *
 * @module
 */
import { TSGIError } from '@tsgi/protocol'
import { FrameworkErrorCode } from '../errors.ts'

/** One segment of a route pattern. */
export type PatternSegment =
  | { kind: 'static'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'wildcard'; name: string }

/** Why a route pattern was refused (thrown at registration, so at startup). */
export class RoutePatternError extends TSGIError<typeof FrameworkErrorCode.routePattern> {
  constructor(pattern: string, problem: string) {
    super(FrameworkErrorCode.routePattern, `invalid route ${JSON.stringify(pattern)}: ${problem}`)
    this.name = 'RoutePatternError'
  }
}

const NAME = /^[A-Za-z_$][\w$]*$/

/** Joins a prefix and a path into one pattern without doubled or trailing slashes. */
export function joinPaths(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
  return joined.length > 1 ? joined.replace(/\/+$/, '') : '/'
}

/** Parses a pattern into segments. Names must be identifiers, unique, and `*name` only last. */
export function parsePattern(pattern: string): PatternSegment[] {
  if (!pattern.startsWith('/')) throw new RoutePatternError(pattern, "must start with '/'")
  const parts = pattern === '/' ? [] : pattern.slice(1).split('/')
  const seen = new Set<string>()
  return parts.map((part, i) => {
    if (part === '')
      throw new RoutePatternError(pattern, 'empty segment (doubled or trailing slash)')
    const sigil = part[0]
    if (sigil !== ':' && sigil !== '*') return { kind: 'static', value: part }
    const name = part.slice(1)
    if (!NAME.test(name))
      throw new RoutePatternError(
        pattern,
        `parameter name ${JSON.stringify(name)} is not an identifier`,
      )
    if (seen.has(name)) throw new RoutePatternError(pattern, `parameter ${name} appears twice`)
    seen.add(name)
    if (sigil === '*' && i !== parts.length - 1)
      throw new RoutePatternError(pattern, `wildcard *${name} must be the last segment`)
    return sigil === ':' ? { kind: 'param', name } : { kind: 'wildcard', name }
  })
}

/** The parameter names in a pattern literal: `'/a/:b/*c'` gives `'b' | 'c'`. */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : P extends `${string}*${infer Name}`
      ? Name
      : never

/** The params object of a pattern literal: `{ id: string }` for `'/users/:id'`. */
export type PathParams<P extends string> = string extends P
  ? Record<string, string>
  : { [K in ParamNames<P>]: string }
