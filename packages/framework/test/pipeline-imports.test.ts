/**
 * No import cycle in src (type-only imports included: a cycle of types still ties modules
 * together), checked by walking the imports. Biome's noImportCycles is also on in this
 * package's biome.json; this test does not depend on its project scanner.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src')
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*'(\.[^']+)'/g

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return /\.ts$/.test(entry.name) && !/\.test(-d)?\.ts$/.test(entry.name) ? [path] : []
  })
}

/** Relative imports of each file, as paths relative to src. */
function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>()
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8')
    const targets = [...text.matchAll(SPECIFIER)].map((m) =>
      relative(SRC, resolve(dirname(file), m[1]!)),
    )
    edges.set(relative(SRC, file), targets)
  }
  return edges
}

/** The first cycle found (as a path of files), or null. */
export function findCycle(edges: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node]
    state.set(node, 'open')
    stack.push(node)
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle) return cycle
    }
    stack.pop()
    state.set(node, 'done')
    return null
  }
  for (const node of edges.keys()) {
    const cycle = visit(node)
    if (cycle) return cycle
  }
  return null
}

describe('imports in packages/framework/src', () => {
  test('the walker sees the modules and their imports', () => {
    const edges = graph()
    expect(edges.get('dispatcher.ts')).toContain('router/compile.ts')
    expect(edges.get('websocket.ts')).toContain('router/model.ts')
    // it finds a cycle when there is one
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a'])
  })

  test('no module imports itself through others, type-only imports included', () => {
    expect(findCycle(graph())).toBeNull()
  })
})
