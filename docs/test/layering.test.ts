/**
 * The layering is enforced: protocol imports no other package; the server imports protocol
 * (and loads adapters at run time only); the framework imports protocol (its testing kit loads
 * the server lazily); tasks build on protocol and framework; adapters on protocol; and no
 * import goes round in a circle. The checker is tested on fake graphs first, so a clean report
 * on the real one means something.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { checkLayering, cycles, type Edge, scanImports, workspaceEdges } from './layering.ts'

const packages = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'packages')

describe('the scanner reads imports from code only', () => {
  test('every form of import, with its kind', () => {
    const source = [
      "import { a } from '@tsgi/protocol'",
      "import type { B } from '@tsgi/server'",
      "export * from './local.ts'",
      "export type { C } from '@tsgi/framework'",
      "import '@tsgi/tasks/side-effect'",
      "const lazy = () => import('@tsgi/adapters/node')",
      "const r = require.resolve('@tsgi/protocol/package.json')",
      'import Default, { d as e } from "@tsgi/x"',
    ].join('\n')
    expect(scanImports(source)).toEqual([
      { specifier: '@tsgi/protocol', kind: 'static' },
      { specifier: '@tsgi/server', kind: 'type' },
      { specifier: './local.ts', kind: 'static' },
      { specifier: '@tsgi/framework', kind: 'type' },
      { specifier: '@tsgi/x', kind: 'static' },
      { specifier: '@tsgi/tasks/side-effect', kind: 'static' },
      { specifier: '@tsgi/adapters/node', kind: 'runtime' },
      { specifier: '@tsgi/protocol/package.json', kind: 'runtime' },
    ])
  })

  test('comments, strings, templates and regular expressions are not imports', () => {
    const source = [
      '/**',
      ' * @example',
      " * import { serve } from '@tsgi/server'",
      ' */',
      "// import('@tsgi/framework')",
      // \u0024 is `$`: these lines are source text, not templates of this file.
      "const program = `import(\u0024{JSON.stringify('@tsgi/tasks')})`",
      'const text = "import x from \'@tsgi/adapters\'"',
      "const re = /import x from '@tsgi\\/server'/",
      'const half = 1 / 2; const other = \'import("@tsgi/server")\'',
      "export const kept = { path: `a/\u0024{'b'}/c` }; import z from '@tsgi/protocol'",
    ].join('\n')
    expect(scanImports(source)).toEqual([{ specifier: '@tsgi/protocol', kind: 'static' }])
  })
})

describe('the checker bites', () => {
  const edge = (from: string, to: string, kind: Edge['kind'] = 'static', file = 'src/a.ts') => ({
    from,
    to,
    kind,
    file: `${from}/${file}`,
    specifier: `@tsgi/${to}`,
  })
  const all = ['protocol', 'server', 'framework', 'tasks', 'adapters']

  test('a clean graph passes', () => {
    const edges = [
      edge('server', 'protocol'),
      edge('framework', 'protocol'),
      edge('framework', 'server', 'runtime', 'src/testing/socket.ts'),
      edge('tasks', 'framework', 'type'),
      edge('adapters', 'protocol'),
    ]
    expect(checkLayering(all, edges)).toEqual([])
  })

  test.each([
    ['protocol must not import server', edge('protocol', 'server')],
    ['protocol must not import framework', edge('protocol', 'framework', 'type')],
    ['protocol must not import adapters', edge('protocol', 'adapters', 'runtime')],
    ['server must not import framework', edge('server', 'framework')],
    ['server must not import tasks', edge('server', 'tasks')],
    ['server must not import adapters', edge('server', 'adapters')],
    ['framework must not import tasks', edge('framework', 'tasks')],
    ['framework must not import adapters', edge('framework', 'adapters', 'runtime')],
    ['framework may load server only at run time', edge('framework', 'server')],
    ['may load server only from src/testing/socket.ts', edge('framework', 'server', 'runtime')],
    ['adapters must not import server', edge('adapters', 'server')],
    ['adapters must not import framework', edge('adapters', 'framework')],
    ['tasks must not import server', edge('tasks', 'server')],
  ])('%s', (message, bad) => {
    const problems = checkLayering(all, [bad])
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain(message)
  })

  test('an edge that closes a circle is reported twice: as a breach and as a cycle', () => {
    const problems = checkLayering(all, [edge('server', 'protocol'), edge('protocol', 'server')])
    expect(problems).toEqual([
      "protocol/src/a.ts: static import of '@tsgi/server': protocol must not import server",
      'import cycle: protocol → server → protocol',
    ])
  })

  test('a cycle across packages is reported, whatever the rules allow', () => {
    const loose = { a: { imports: ['b'] }, b: { imports: ['c'] }, c: { imports: ['a'] } }
    const problems = checkLayering(
      ['a', 'b', 'c'],
      [edge('a', 'b'), edge('b', 'c'), edge('c', 'a')],
      loose,
    )
    expect(problems).toEqual(['import cycle: a → b → c → a'])
  })

  test('cycles are found once per tangle, and only real ones', () => {
    const found = cycles([
      { from: 'a', to: 'b' },
      { from: 'b', to: 'a' },
      { from: 'b', to: 'c' },
      { from: 'c', to: 'd' },
      { from: 'd', to: 'b' },
      { from: 'd', to: 'e' },
    ])
    // a, b, c and d are one tangle: reported once, by its shortest circle through `a`.
    expect(found).toEqual([['a', 'b', 'a']])
    expect(cycles([{ from: 'x', to: 'x' }])).toEqual([['x', 'x']])
    expect(
      cycles([
        { from: 'x', to: 'y' },
        { from: 'y', to: 'z' },
        { from: 'x', to: 'z' },
      ]),
    ).toEqual([])
  })

  test('a new package needs a rule', () => {
    expect(checkLayering([...all, 'newcomer'], [])).toEqual([
      'newcomer: no layering rule (add it to RULES in layering.ts)',
    ])
  })
})

test('a fake workspace whose protocol imports the server fails, naming the file', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsgi-layering-'))
  try {
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true })
      writeFileSync(join(root, path), text)
    }
    write('protocol/package.json', '{ "name": "@tsgi/protocol" }')
    write('server/package.json', '{ "name": "@tsgi/server" }')
    write('protocol/src/deep/bad.ts', "import { serve } from '@tsgi/server'\nexport { serve }\n")
    write('server/src/index.ts', "export * from '../../protocol/src/deep/bad.ts'\n")
    const { packages: found, edges } = workspaceEdges(root)
    expect(checkLayering(found, edges)).toEqual([
      "protocol/src/deep/bad.ts: static import of '@tsgi/server': protocol must not import server",
      'import cycle: protocol → server → protocol',
    ])
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

describe('the workspace', () => {
  const { packages: found, edges, fileEdges } = workspaceEdges(packages)

  test('the graph is read (protocol is everywhere, the kit loads the server)', () => {
    expect(found).toEqual(expect.arrayContaining(['protocol', 'server', 'framework', 'adapters']))
    expect(edges.some((e) => e.from === 'server' && e.to === 'protocol')).toBe(true)
    expect(edges).toContainEqual(
      expect.objectContaining({ from: 'framework', to: 'server', kind: 'runtime' }),
    )
  })

  test('follows the layering, with no cycle between packages', () => {
    expect(checkLayering(found, edges)).toEqual([])
  })

  test('no file imports in a circle inside a package (type imports included)', () => {
    expect(fileEdges.length).toBeGreaterThan(100)
    expect(cycles(fileEdges).map((cycle) => cycle.join(' → '))).toEqual([])
  })
})
