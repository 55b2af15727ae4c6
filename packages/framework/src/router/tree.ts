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
  param: Node<T> | null = null
  paramName = ''
  wildcard: Node<T> | null = null
  wildcardName = ''
  value: T | null = null
  pattern = ''
}

/** A successful match. */
export interface Match<T> {
  value: T
  params: Record<string, string>
  pattern: string
}

/** A segment tree mapping patterns to values. */
export class RouteTree<T> {
  private readonly root = new Node<T>()
  private readonly staticPaths = new Map<string, Node<T>>()

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
      if (isStatic) this.staticPaths.set(pattern, node)
    }
    return node.value
  }

  /**
   * Finds the value for a request path given as decoded segments (without the leading empty
   * one). `key` is the canonical path used for the static fast path; without `segments`, they
   * are `key`'s, split only when the static lookup misses.
   */
  match(key: string, segments?: readonly string[]): Match<T> | null {
    const direct = this.staticPaths.get(key)
    if (direct) return { value: direct.value!, params: {}, pattern: direct.pattern }
    segments ??= key === '/' ? [] : key.slice(1).split('/')
    const names: string[] = []
    const values: string[] = []
    const node = this.walk(this.root, segments, 0, names, values)
    if (!node) return null
    const params: Record<string, string> = {}
    for (let i = 0; i < names.length; i++) params[names[i]!] = values[i]!
    return { value: node.value!, params, pattern: node.pattern }
  }

  private walk(
    node: Node<T>,
    segments: readonly string[],
    i: number,
    names: string[],
    values: string[],
  ): Node<T> | null {
    if (i === segments.length) {
      if (node.value !== null) return node
      // A wildcard also matches an empty rest: `/files/*path` serves `/files`.
      if (node.wildcard?.value != null) {
        names.push(node.wildcardName)
        values.push('')
        return node.wildcard
      }
      return null
    }
    const segment = segments[i]!
    const child = node.statics?.get(segment)
    if (child) {
      const found = this.walk(child, segments, i + 1, names, values)
      if (found) return found
    }
    if (node.param && segment !== '') {
      names.push(node.paramName)
      values.push(segment)
      const found = this.walk(node.param, segments, i + 1, names, values)
      if (found) return found
      names.pop()
      values.pop()
    }
    if (node.wildcard?.value != null) {
      names.push(node.wildcardName)
      values.push(segments.slice(i).join('/'))
      return node.wildcard
    }
    return null
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
