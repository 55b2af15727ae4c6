/**
 * The layering of the packages, as data, and a checker over the import graph of their sources.
 * `layering.test.ts` runs it on packages/*\/src and on fake graphs (to show that it bites).
 *
 * An import is `static` (an `import … from`, `export … from`, or a side-effect `import 'x'`),
 * `type` (`import type` / `export type`: erased, but it still ties the packages' types together)
 * or `runtime` (`import('x')` or `require('x')` with a literal specifier, loaded when the code
 * runs). The scanner reads code only: comments, and imports written inside strings or
 * templates (TSDoc examples, generated test programs) are not imports.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

/** How a module is imported. */
export type ImportKind = 'static' | 'type' | 'runtime'

/** One import found in a source file. */
export interface FoundImport {
  specifier: string
  kind: ImportKind
}

/** What a package may import from the other workspace packages. */
export interface PackageRule {
  /** Packages it may import statically (types included). */
  imports: string[]
  /** Packages it may load at run time only, each limited to the files listed (relative to the package). */
  loads?: Record<string, string[]>
}

/**
 * Who may import whom: protocol ← server; protocol ← framework ← tasks; adapters on protocol.
 * The server loads adapters at run time, resolved from the app's location (src/interface.ts,
 * with a computed specifier the scanner cannot and need not see); the framework's testing kit
 * loads the server lazily, for its socket transport only.
 */
export const RULES: Record<string, PackageRule> = {
  protocol: { imports: [] },
  server: { imports: ['protocol'] },
  framework: { imports: ['protocol'], loads: { server: ['src/testing/socket.ts'] } },
  tasks: { imports: ['protocol', 'framework'] },
  adapters: { imports: ['protocol'] },
  'create-tsgi': { imports: [] },
}

/** One edge of the graph: `file` (relative to the packages' root) imports package `to`. */
export interface Edge {
  from: string
  to: string
  file: string
  specifier: string
  kind: ImportKind
}

const SOURCE = /\.(?:[cm]?ts|[cm]?js)$/

/** Replaces comments with spaces and every string or template with a numbered placeholder. */
function tokenize(source: string): { code: string; strings: string[] } {
  const strings: string[] = []
  let code = ''
  let i = 0
  // The last significant character of code, to tell a regular expression from a division.
  let last = ''
  const templateDepth: number[] = [] // brace depth at each `${` we are inside of
  let braces = 0
  while (i < source.length) {
    const c = source[i]!
    const next = source[i + 1]
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++
      continue
    }
    if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2)
      i = end === -1 ? source.length : end + 2
      code += ' '
      continue
    }
    if (c === "'" || c === '"') {
      let j = i + 1
      let value = ''
      while (j < source.length && source[j] !== c && source[j] !== '\n') {
        if (source[j] === '\\') j++
        value += source[j]
        j++
      }
      strings.push(value)
      code += `"\0${strings.length - 1}"`
      last = '"'
      i = j + 1
      continue
    }
    if (c === '`' || (c === '}' && templateDepth.at(-1) === braces)) {
      if (c === '}') templateDepth.pop()
      // Inside a template: skip to its end or to the next `${`.
      let j = i + 1
      while (j < source.length && source[j] !== '`') {
        if (source[j] === '\\') j++
        else if (source[j] === '$' && source[j + 1] === '{') break
        j++
      }
      if (source[j] === '$') {
        templateDepth.push(braces)
        i = j + 2
      } else i = j + 1
      code += '``'
      last = '`'
      continue
    }
    if (
      c === '/' &&
      (last === '' ||
        '(,=:[!&|?{};+-*%<>~^'.includes(last) ||
        /\b(?:return|typeof|case|of|in)$/.test(code))
    ) {
      // A regular expression literal: skip it, character classes included.
      let j = i + 1
      let inClass = false
      while (j < source.length && source[j] !== '\n') {
        const r = source[j]
        if (r === '\\') j++
        else if (r === '[') inClass = true
        else if (r === ']') inClass = false
        else if (r === '/' && !inClass) break
        j++
      }
      code += '/re/'
      last = '/'
      i = j + 1
      continue
    }
    if (c === '{') braces++
    if (c === '}') braces--
    if (!/\s/.test(c)) last = c
    code += c
    i++
  }
  return { code, strings }
}

/** The imports of one source file, from its code only. */
export function scanImports(source: string): FoundImport[] {
  const { code, strings } = tokenize(source)
  const found: FoundImport[] = []
  const str = (n: string) => strings[Number(n)]!
  // `import x from 'y'`, `import { a } from 'y'`, `export * from 'y'`, `import type …`.
  const fromClause = /(?<![\w$.])(?:import|export)(\s+type\b)?[\w$\s{},*]*?\bfrom\s*"\0(\d+)"/g
  for (const m of code.matchAll(fromClause))
    found.push({ specifier: str(m[2]!), kind: m[1] ? 'type' : 'static' })
  for (const m of code.matchAll(/(?<![\w$.])import\s*"\0(\d+)"/g))
    found.push({ specifier: str(m[1]!), kind: 'static' })
  const loads = /(?<![\w$.])(?:import|require(?:\.resolve)?)\s*\(\s*"\0(\d+)"/g
  for (const m of code.matchAll(loads)) found.push({ specifier: str(m[1]!), kind: 'runtime' })
  return found
}

/**
 * The workspace package (its directory) a specifier names, or `null` for a builtin or a
 * third-party package. `names` maps package names (`@tsgi/server`) to directories (`server`).
 */
function packageOf(
  specifier: string,
  file: string,
  root: string,
  names: Map<string, string>,
): string | null {
  if (!specifier.startsWith('.')) {
    const parts = specifier.split('/')
    const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
    return names.get(name) ?? null
  }
  const target = relative(root, resolve(dirname(file), specifier))
  return target.startsWith('..') ? null : (target.split(sep)[0] ?? null)
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && SOURCE.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !f.split(sep).includes('node_modules'))
}

/**
 * The import graph of packages/<name>/src under `root`: every edge between packages, and every
 * edge between two files of one package (for the cycles inside a package).
 */
export function workspaceEdges(root: string): {
  packages: string[]
  edges: Edge[]
  fileEdges: Array<Pick<Edge, 'from' | 'to'>>
} {
  const packages = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .filter((name) => readdirSync(join(root, name)).includes('src'))
  const names = new Map<string, string>()
  for (const dir of packages) {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
    names.set((manifest as { name: string }).name, dir)
  }
  const edges: Edge[] = []
  const fileEdges: Array<Pick<Edge, 'from' | 'to'>> = []
  for (const from of packages)
    for (const path of sourcesUnder(join(root, from, 'src')))
      for (const { specifier, kind } of scanImports(readFileSync(path, 'utf8'))) {
        const to = packageOf(specifier, path, root, names)
        const file = relative(root, path)
        if (to !== null && to !== from) edges.push({ from, to, file, specifier, kind })
        else if (to === from && specifier.startsWith('.'))
          fileEdges.push({ from: file, to: relative(root, resolve(dirname(path), specifier)) })
      }
  return { packages, edges, fileEdges }
}

/** The layering violations of a graph, one readable line each (empty when it is clean). */
export function checkLayering(
  packages: string[],
  edges: Edge[],
  rules: Record<string, PackageRule> = RULES,
): string[] {
  const problems: string[] = []
  for (const name of packages)
    if (!rules[name]) problems.push(`${name}: no layering rule (add it to RULES in layering.ts)`)
  for (const e of edges) {
    const rule = rules[e.from]
    if (!rule) continue
    const at = `${e.file}: ${e.kind} import of '${e.specifier}'`
    if (rule.imports.includes(e.to)) continue
    const files = rule.loads?.[e.to]
    if (files === undefined) problems.push(`${at}: ${e.from} must not import ${e.to}`)
    else if (e.kind !== 'runtime')
      problems.push(`${at}: ${e.from} may load ${e.to} only at run time (import())`)
    else if (!files.some((f) => e.file === `${e.from}/${f}`))
      problems.push(`${at}: ${e.from} may load ${e.to} only from ${files.join(', ')}`)
  }
  for (const cycle of cycles(edges)) problems.push(`import cycle: ${cycle.join(' → ')}`)
  return problems
}

/**
 * The cycles of a graph: one per strongly connected component (Tarjan's algorithm, linear in
 * the graph's size), each given as a shortest circle through its first member by name, so the
 * report is stable.
 */
export function cycles(edges: Array<Pick<Edge, 'from' | 'to'>>): string[][] {
  const next = new Map<string, string[]>()
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, [])
    if (!next.has(to)) next.set(to, [])
    next.get(from)!.push(to)
  }
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const components: string[][] = []
  const connect = (node: string) => {
    index.set(node, index.size)
    low.set(node, index.get(node)!)
    stack.push(node)
    onStack.add(node)
    for (const to of next.get(node)!) {
      if (!index.has(to)) {
        connect(to)
        low.set(node, Math.min(low.get(node)!, low.get(to)!))
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!))
    }
    if (low.get(node) !== index.get(node)) return
    const component: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== node)
    if (component.length > 1 || next.get(node)!.includes(node)) components.push(component)
  }
  for (const node of next.keys()) if (!index.has(node)) connect(node)
  return components.map((component) => shortestCircle([...component].sort()[0]!, next, component))
}

/** A shortest path from `start` back to itself inside `component` (breadth first). */
function shortestCircle(start: string, next: Map<string, string[]>, component: string[]) {
  const inside = new Set(component)
  const parent = new Map<string, string>()
  const queue = [start]
  while (queue.length > 0) {
    const node = queue.shift()!
    for (const to of next.get(node)!) {
      if (!inside.has(to)) continue
      if (to === start) {
        const path = [node]
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!)
        return [...path, start]
      }
      if (!parent.has(to)) {
        parent.set(to, node)
        queue.push(to)
      }
    }
  }
  return [start, start] // unreachable: a component's members reach each other
}
