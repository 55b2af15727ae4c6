/**
 * The case list against its documents: every case cites a SPEC.md section (or numbered rule)
 * that exists, and CONFORMANCE.md lists exactly the cases, with their sections and titles.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { selectCases } from './runner.ts'

const read = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8')
const cases = selectCases('x {app} {port}')

/** The text of SPEC.md section `n` (`5.8`, `3`), up to the next heading of its level or above. */
function section(spec: string, n: string): string | undefined {
  const depth = n.split('.').length + 1
  const lines = spec.split('\n')
  const start = lines.findIndex(
    (l) =>
      l.startsWith(`${'#'.repeat(depth)} ${n}. `) || l.startsWith(`${'#'.repeat(depth)} ${n} `),
  )
  if (start === -1) return undefined
  const end = lines.findIndex(
    (l, i) => i > start && /^#{2,3} /.test(l) && l.split(' ')[0]!.length <= depth,
  )
  return lines.slice(start, end === -1 ? undefined : end).join('\n')
}

describe('cases', () => {
  test('well over 100 cases with unique ids, in groups', () => {
    expect(cases.length).toBeGreaterThan(110)
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length)
    for (const c of cases) expect(c.id).toMatch(/^[a-z0-9]+\.[a-z0-9.-]+$/)
    expect(selectCases('x', 'websocket').every((c) => c.id.startsWith('websocket.'))).toBe(true)
  })

  test("each case's spec names a SPEC.md section, or a numbered rule of one, that exists", () => {
    const spec = read('SPEC.md')
    for (const c of cases) {
      expect(c.spec, c.id).toMatch(/^§\d+(\.\d+){0,2}$/)
      // `§5.1` is a section; `§5.8.4` (or `§2.7`) is rule 4 (7) of §5.8 (§2).
      const n = c.spec.slice(1)
      if (section(spec, n) !== undefined) continue
      const [, parent, rule] = /^(.+)\.(\d+)$/.exec(n) ?? []
      const text = parent === undefined ? undefined : section(spec, parent)
      expect(text, `${c.id}: no section ${n} nor ${parent} in SPEC.md`).toBeDefined()
      expect(text, `${c.id}: no rule ${rule} in §${parent}`).toMatch(
        new RegExp(`^${rule}\\. `, 'm'),
      )
    }
  })

  test('recommended cases cite a SHOULD', () => {
    const spec = read('SPEC.md')
    const recommended = cases.filter((c) => c.level === 'recommended')
    expect(recommended.length).toBeGreaterThan(0)
    for (const c of recommended) {
      const [, n, rule] = /^§(\d+\.\d+)\.(\d+)$/.exec(c.spec)!
      const item = section(spec, n!)!
        .split(/\n(?=\d+\. )/)
        .find((x) => x.startsWith(`${rule}. `))
      expect(item, c.id).toContain('SHOULD')
    }
  })

  test('CONFORMANCE.md lists every case with its section and title, in run order', () => {
    const doc = read('CONFORMANCE.md')
    const rows = [...doc.matchAll(/^\| `([^`]+)` +\| ([^|]+?) +\| (.+?) +\|$/gm)].map((m) => ({
      id: m[1],
      spec: m[2],
      title: m[3],
    }))
    const expected = cases.map((c) => ({
      id: c.id,
      spec: c.spec,
      title: `${c.title}${c.needs ? ` [needs ${c.needs.join(', ')}]` : ''}${c.level === 'recommended' ? ' [recommended]' : ''}`,
    }))
    expect(rows).toEqual(expected)
    expect(doc).toContain(`**${cases.length} server cases**`)
  })
})
