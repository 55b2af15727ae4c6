/** The report: progress lines, failures in full, recommended cases apart, the summary, JSON. */
import { describe, expect, test } from 'vitest'
import { formatReport, formatResult, jsonReport } from './report.ts'
import type { SuiteReport } from './runner.ts'

const report: SuiteReport = {
  results: [
    { id: 'a.one', title: 'one', spec: '§5.1', level: 'required', status: 'passed', ms: 3 },
    {
      id: 'a.two',
      title: 'two',
      spec: '§5.4',
      level: 'required',
      status: 'failed',
      failure: 'assertion',
      message: 'sent: x\n  received: y\n  expected: z',
      ms: 7,
    },
    {
      id: 'a.three',
      title: 'three',
      spec: '§7.1',
      level: 'required',
      status: 'skipped',
      message: 'the server does not offer: trailers',
      ms: 0,
    },
    {
      id: 'a.four',
      title: 'four',
      spec: '§5.8.10',
      level: 'recommended',
      status: 'failed',
      failure: 'timeout',
      message: 'a.four did not finish within 20 ms',
      ms: 20,
    },
  ],
  passed: 1,
  failed: 1,
  skipped: 1,
  recommended: { passed: 0, failed: 1, skipped: 0 },
}

describe('report', () => {
  test('progress lines: FAIL for required, warn for recommended, timeouts marked', () => {
    expect(formatResult(report.results[1]!, 2, 4)).toBe('[2/4] FAIL a.two (§5.4) 7 ms')
    expect(formatResult(report.results[3]!, 4, 4)).toBe(
      '[4/4] warn a.four (§5.8.10) 20 ms [recommended, timeout]',
    )
  })

  test('failures in full; recommended ones apart; the summary counts required cases', () => {
    const text = formatReport(report)
    const apart = text.indexOf('Recommended (SHOULD) cases that failed')
    expect(text.indexOf('FAIL a.two — two (SPEC.md §5.4)\n  sent: x\n  received: y')).toBeLessThan(
      apart,
    )
    expect(text.indexOf('FAIL a.four — four (SPEC.md §5.8.10)')).toBeGreaterThan(apart)
    expect(text).toContain('skipped: a.three (the server does not offer: trailers)')
    expect(text).toContain('\n1 passed, 1 failed, 1 skipped\n')
    expect(text.endsWith('recommended: 0 passed, 1 failed, 0 skipped (not counted)')).toBe(true)
  })

  test('without recommended results the summary is the last line', () => {
    const required = report.results.filter((r) => r.level === 'required')
    const text = formatReport({
      ...report,
      results: required,
      recommended: { ...report.recommended, failed: 0 },
    })
    expect(text.endsWith('1 passed, 1 failed, 1 skipped')).toBe(true)
    expect(text).not.toContain('Recommended')
  })

  test('JSON: the summary with recommended apart, each result with its level and failure', () => {
    const json = JSON.parse(jsonReport(report))
    expect(json.summary).toEqual({
      passed: 1,
      failed: 1,
      skipped: 1,
      recommended: { passed: 0, failed: 1, skipped: 0 },
    })
    expect(json.results[3]).toMatchObject({ level: 'recommended', failure: 'timeout' })
  })
})
