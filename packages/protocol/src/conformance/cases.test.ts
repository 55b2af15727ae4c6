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

/**
 * The cases of the protocol-level families that stay HTTP/1.1 only, and why: each checks
 * HTTP/1.1 bytes or a rule HTTP/2 has no form of (or another one: a case says which).
 */
const http1Only: Record<string, string> = {
  'scope.http-version': 'checks "1.1"; h2.scope checks "2"',
  'scope.http-1.0': 'an HTTP/1.0 request line',
  'scope.headers-lowercase': 'HTTP/2 names are lowercase on the wire (uppercase is malformed)',
  'scope.absolute-form': 'an HTTP/1.1 request-target form; :path is origin-form',
  'body.chunked': 'chunked encoding does not exist in HTTP/2',
  'body.chunked-in-pieces': 'chunked encoding; h2.body-echo sends a body in several DATA frames',
  'response.http-1.0': 'a close-delimited HTTP/1.0 body',
  'response.trailers-without-te': 'over HTTP/2 trailers need no TE: trailers (§5.10.6)',
  'request.upgrade-ignored': 'Upgrade is connection-specific: malformed over HTTP/2',
  'request.absolute-form-host': 'an HTTP/1.1 request-target form',
}

describe('cases over HTTP/2', () => {
  const h2 = selectCases('x {app} {port}', undefined, 'h2c')
  const mode = (c: (typeof h2)[number]) => c.http2 ?? 'http1-only'

  test('every protocol-level case runs over HTTP/2 but the listed HTTP/1.1 ones', () => {
    const families = /^(scope|body|response|errors|disconnect|request|lifespan|shutdown)\./
    const only = h2.filter((c) => families.test(c.id) && mode(c) === 'http1-only')
    expect(only.map((c) => c.id).sort()).toEqual(Object.keys(http1Only).sort())
  })

  test('the HTTP/1.1 wire families stay HTTP/1.1 only (WebSocket included, §5.10.8)', () => {
    const wire = h2.filter((c) => /^(malformed|framing|keepalive|websocket)\./.test(c.id))
    expect(wire.length).toBeGreaterThan(30)
    // But for the two malformed-request rules HTTP/2 keeps (cases/malformed-h2.ts).
    expect(wire.filter((c) => mode(c) !== 'http1-only').map((c) => c.id)).toEqual([
      'malformed.bad-content-length',
      'malformed.survives',
    ])
  })
})
