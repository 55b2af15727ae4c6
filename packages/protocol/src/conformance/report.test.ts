/** The report: progress lines, failures in full, the summary, JSON; and the CLI's usage errors. */
import { describe, expect, test, vi } from 'vitest'
import { main } from './cli.ts'
import { formatReport, formatResult, jsonReport } from './report.ts'
import { selectCases } from './runner.ts'

const report = {
  results: [
    { id: 'a.one', title: 'one', spec: '§5.1', status: 'passed' as const, ms: 3 },
    {
      id: 'a.two',
      title: 'two',
      spec: '§5.4',
      status: 'failed' as const,
      message: 'sent: x\n  received: y\n  expected: z',
      ms: 7,
    },
    {
      id: 'a.three',
      title: 'three',
      spec: '§7.1',
      status: 'skipped' as const,
      message: 'the server does not offer: trailers',
      ms: 0,
    },
  ],
  passed: 1,
  failed: 1,
  skipped: 1,
}

describe('report', () => {
  test('progress line, failures and summary', () => {
    expect(formatResult(report.results[1]!, 2, 3)).toBe('[2/3] FAIL a.two (§5.4) 7 ms')
    const text = formatReport(report)
    expect(text).toContain(
      'FAIL a.two — two (SPEC.md §5.4)\n  sent: x\n  received: y\n  expected: z',
    )
    expect(text).toContain('skipped: a.three (the server does not offer: trailers)')
    expect(text.endsWith('1 passed, 1 failed, 1 skipped')).toBe(true)
    expect(JSON.parse(jsonReport(report)).summary).toEqual({ passed: 1, failed: 1, skipped: 1 })
  })
})

describe('cases', () => {
  test('well over 80 cases, unique ids, each citing a section', () => {
    const cases = selectCases('x {app} {port}')
    expect(cases.length).toBeGreaterThan(80)
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length)
    for (const c of cases) expect(c.spec).toMatch(/^(§\d|Appendix)/)
    expect(selectCases('x', 'websocket').every((c) => c.id.startsWith('websocket.'))).toBe(true)
  })
})

describe('cli', () => {
  test('usage errors exit 2; --list prints every case; --help exits 0', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      expect(await main([])).toBe(2)
      expect(await main(['server'])).toBe(2)
      expect(await main(['--bogus'])).toBe(2)
      expect(await main(['app'])).toBe(2)
      expect(await main(['--help'])).toBe(0)
      out.mockClear()
      expect(await main(['server', '--command', 'x {app} {port}', '--list'])).toBe(0)
      expect(out.mock.calls.length).toBe(selectCases('x').length)
    } finally {
      out.mockRestore()
      err.mockRestore()
    }
  })

  test('app mode checks a module and exits 0 when it conforms', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      const example = new URL('../example/app.ts', import.meta.url).pathname
      expect(await main(['app', example])).toBe(0)
      expect(String(out.mock.calls.at(-1)?.[0])).toMatch(/exchanges checked, 0 violations/)
    } finally {
      out.mockRestore()
    }
  })
})
