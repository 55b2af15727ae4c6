/**
 * The route tree: one node per path segment, static children in a map, at most one `:param`
 * child and one `*wildcard` child. Matching prefers static over param over wildcard, and
 * backtracks, so `/users/new` and `/users/:id/edit` coexist. Fully static paths are also kept
 * in a flat map, so the most common lookup is one `Map.get`.
 *
 * @module
 */
import { type PatternSegment, RoutePatternError } from './path.ts'

/** A node of the tree; `value` is what was registered at this exact path (if anything). */
class Node<T> {
  statics: Map<string, Node<T>> | null = null
  /** The key of `statics` when it has exactly one (compared in place), else `''`. */
  onlyStatic = ''
  param: Node<T> | null = null
  paramName = ''
  wildcard: Node<T> | null = null
  wildcardName = ''
  value: T | null = null
  pattern = ''
}

/** A successful match. */
export interface Match<T> {
  readonly value: T
  /** The path's parameters; {@link NO_PARAMS} (shared, frozen) for a path without any. */
  readonly params: Record<string, string>
  readonly pattern: string
}

/**
 * The params of a match without parameters: one frozen object for all of them, so a static
 * route's match allocates nothing. Copy it before handing it out as something to write to.
 */
export const NO_PARAMS: Record<string, string> = Object.freeze({})

/** A segment tree mapping patterns to values. */
export class RouteTree<T> {
  private readonly root = new Node<T>()
  /** Fully static paths and their match, made once (the match of a static path never varies). */
  private readonly staticPaths = new Map<string, Match<T>>()
  // The walk's parameter stack, reused (a match is synchronous): fresh arrays per lookup were
  // garbage, and 404s walk the tree too. Entries above the current depth are stale, never read.
  private readonly names: string[] = []
  private readonly values: string[] = []
  /** How many parameters the last successful walk bound. */
  private bound = 0

  /** The value registered at `pattern`, creating it with `create` if absent. */
  upsert(pattern: string, segments: PatternSegment[], create: () => T): T {
    let node = this.root
    let isStatic = true
    for (const segment of segments) {
      if (segment.kind === 'static') {
        node.statics ??= new Map()
        let child = node.statics.get(segment.value)
        if (!child) {
          child = new Node()
          node.statics.set(segment.value, child)
          node.onlyStatic = node.statics.size === 1 ? segment.value : ''
        }
        node = child
      } else if (segment.kind === 'param') {
        isStatic = false
        if (node.param && node.paramName !== segment.name) {
          throw new RoutePatternError(
            pattern,
            `conflicts with :${node.paramName} at the same position (in ${node.param.pattern || 'another route'})`,
          )
        }
        node.param ??= new Node()
        node.paramName = segment.name
        node = node.param
      } else {
        isStatic = false
        if (node.wildcard && node.wildcardName !== segment.name) {
          throw new RoutePatternError(
            pattern,
            `conflicts with *${node.wildcardName} at the same position`,
          )
        }
        node.wildcard ??= new Node()
        node.wildcardName = segment.name
        node = node.wildcard
      }
    }
    if (node.value === null) {
      node.value = create()
      node.pattern = pattern
      if (isStatic) this.staticPaths.set(pattern, { value: node.value, params: NO_PARAMS, pattern })
    }
    return node.value
  }

  /**
   * Finds the value for a request path: `key` is the canonical path (`/users/12`), also used
   * for the static fast path. `segments`, when given, are the path's decoded segments (without
   * the leading empty one) and are walked instead of `key`'s (a path with escapes or empty
   * segments); without them `key` is walked in place, segment by segment, with no array.
   */
  match(key: string, segments?: readonly string[]): Match<T> | null {
    const direct = this.staticPaths.get(key)
    if (direct) return direct
    const node =
      segments === undefined
        ? this.walkPath(this.root, key, key === '/' ? 2 : 1, 0)
        : this.walk(this.root, segments, 0, 0)
    if (!node) return null
    const bound = this.bound
    if (bound === 0) return { value: node.value!, params: NO_PARAMS, pattern: node.pattern }
    const params: Record<string, string> = {}
    for (let i = 0; i < bound; i++) params[this.names[i]!] = this.values[i]!
    return { value: node.value!, params, pattern: node.pattern }
  }

  /** At the end of the segments: `node` itself, or a wildcard under it that takes an empty rest. */
  private end(node: Node<T>, depth: number): Node<T> | null {
    if (node.value !== null) {
      this.bound = depth
      return node
    }
    // A wildcard also matches an empty rest: `/files/*path` serves `/files`.
    if (node.wildcard?.value != null) return this.bind(node.wildcard, depth, node.wildcardName, '')
    return null
  }

  /**
   * As {@link walk}, over `path` itself from index `from` (the start of a segment; past the end
   * when none is left). Only for a plain path: no escapes, no empty segment. A static child is
   * found without cutting its segment out of the path when it is the node's only one.
   */
  private walkPath(node: Node<T>, path: string, from: number, depth: number): Node<T> | null {
    if (from > path.length) return this.end(node, depth)
    let to = path.indexOf('/', from)
    if (to === -1) to = path.length
    const statics = node.statics
    let segment: string | null = null
    if (statics !== null) {
      const only = node.onlyStatic
      let child: Node<T> | undefined
      if (only !== '') {
        if (to - from === only.length && path.startsWith(only, from)) child = statics.get(only)
      } else {
        segment = path.slice(from, to)
        child = statics.get(segment)
      }
      if (child) {
        const found = this.walkPath(child, path, to + 1, depth)
        if (found) return found
      }
    }
    if (node.param) {
      this.names[depth] = node.paramName
      this.values[depth] = segment ?? path.slice(from, to)
      const found = this.walkPath(node.param, path, to + 1, depth + 1)
      if (found) return found
    }
    if (node.wildcard?.value != null)
      return this.bind(node.wildcard, depth, node.wildcardName, path.slice(from))
    return null
  }

  /** The node for `segments` from `i` on, `depth` parameters bound so far (see `bound`). */
  private walk(
    node: Node<T>,
    segments: readonly string[],
    i: number,
    depth: number,
  ): Node<T> | null {
    if (i === segments.length) return this.end(node, depth)
    const segment = segments[i]!
    const child = node.statics?.get(segment)
    if (child) {
      const found = this.walk(child, segments, i + 1, depth)
      if (found) return found
    }
    if (node.param && segment !== '') {
      this.names[depth] = node.paramName
      this.values[depth] = segment
      const found = this.walk(node.param, segments, i + 1, depth + 1)
      if (found) return found
    }
    if (node.wildcard?.value != null)
      return this.bind(node.wildcard, depth, node.wildcardName, segments.slice(i).join('/'))
    return null
  }

  /** Binds a wildcard's value as the last parameter and ends the walk at `node`. */
  private bind(node: Node<T>, depth: number, name: string, value: string): Node<T> {
    this.names[depth] = name
    this.values[depth] = value
    this.bound = depth + 1
    return node
  }

  /** Every registered pattern with its value, in registration order within each level. */
  entries(): Array<[pattern: string, value: T]> {
    const out: Array<[string, T]> = []
    const visit = (node: Node<T>) => {
      if (node.value !== null) out.push([node.pattern, node.value])
      for (const child of node.statics?.values() ?? []) visit(child)
      if (node.param) visit(node.param)
      if (node.wildcard) visit(node.wildcard)
    }
    visit(this.root)
    return out
  }
}
