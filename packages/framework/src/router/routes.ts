/**
 * The app's own routes, by path: one entry per pattern in the route tree, holding its routes
 * by method and its WebSocket route, each compiled on first use. Registration refuses a
 * method twice at one path; lookup applies the slash policy (a canonical path, or the 308
 * target of one). Kept apart from the dispatcher, which decides what a match or a miss
 * answers, and from tree.ts, which knows segments but not methods.
 *
 * @module
 */
import { decodePath, type HTTPScope } from '@tsgi/protocol'
import { DuplicateRouteError } from '../errors.ts'
import type { Link } from '../middleware.ts'
import { sortMethods } from './miss.ts'
import type { DispatcherOptions, RouteRecord } from './model.ts'
import { parsePattern } from './path.ts'
import { type Match, RouteTree } from './tree.ts'

/** A route ready to serve: its record and, once compiled, its chain. */
export interface CompiledRoute {
  record: RouteRecord
  link: Link | null
}

/** The routes at one path. */
export interface PathRoutes {
  pattern: string
  methods: Map<string, CompiledRoute>
  websocket: CompiledRoute | null
  /** What `allow` lists (405, OPTIONS), worked out on first use; reset when a route is added. */
  allow: { methods: string[]; header: string } | null
}

/** The routes of one app, by path pattern. */
export class RouteTable {
  private readonly tree = new RouteTree<PathRoutes>()

  /** Adds a route; the same method and path twice is refused. */
  add(record: RouteRecord): void {
    const routes = this.tree.upsert(record.pattern, parsePattern(record.pattern), () => ({
      pattern: record.pattern,
      methods: new Map(),
      websocket: null,
      allow: null,
    }))
    routes.allow = null
    const compiled: CompiledRoute = { record, link: null }
    if (record.method === 'WEBSOCKET') {
      if (routes.websocket) throw new DuplicateRouteError('WEBSOCKET', record.pattern)
      routes.websocket = compiled
    } else {
      if (routes.methods.has(record.method))
        throw new DuplicateRouteError(record.method, record.pattern)
      routes.methods.set(record.method, compiled)
    }
  }

  /** One line per route (`METHOD  pattern`, `WS  pattern`), paths in the tree's order. */
  lines(): string[] {
    const lines: string[] = []
    for (const [pattern, routes] of this.tree.entries()) {
      for (const method of sortMethods([...routes.methods.keys()]))
        lines.push(`${method.padEnd(8)}${pattern}`)
      if (routes.websocket) lines.push(`${'WS'.padEnd(8)}${pattern}`)
    }
    return lines
  }

  /** Finds the routes for a scope's path: a match, a redirect target, or nothing. */
  find(
    scope: HTTPScope,
    slashes: DispatcherOptions['slashes'],
  ): Match<PathRoutes> | { redirect: string } | null {
    const root = scope.rootPath
    const rel = (root === '' ? scope.rawPath : scope.rawPath.slice(root.length)) || '/'
    const plain =
      !rel.includes('%') && !rel.includes('//') && (rel.length === 1 || !rel.endsWith('/'))
    if (plain) return this.tree.match(rel)
    const raw = rel.slice(1).split('/')
    const segments = raw.map(decodePath)
    const canonical = slashes === 'strict' ? segments : segments.filter((s) => s !== '')
    const safeKey = canonical.every((s) => !s.includes('/'))
    const match = this.tree.match(safeKey ? `/${canonical.join('/')}` : '', canonical)
    if (!match) return null
    if (slashes === 'redirect' && canonical.length !== segments.length) {
      const target = `${scope.rootPath}/${raw.filter((s) => s !== '').join('/')}`
      return { redirect: scope.queryString ? `${target}?${scope.queryString}` : target }
    }
    return match
  }
}
