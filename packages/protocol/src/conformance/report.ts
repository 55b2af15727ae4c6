/**
 * Reporting: a progress line per case, failures with what was sent, what came back and what
 * the spec expects, and the summary `N passed, N failed, N skipped` — or JSON for machines.
 *
 * @module
 */
import type { SuiteReport } from './runner.ts'
import type { CaseResult } from './types.ts'

/** One progress line. */
export function formatResult(r: CaseResult, index: number, total: number): string {
  const mark = r.status === 'passed' ? 'ok  ' : r.status === 'failed' ? 'FAIL' : 'skip'
  return `[${String(index).padStart(String(total).length)}/${total}] ${mark} ${r.id} (${r.spec}) ${r.ms} ms`
}

/** The end-of-run report: every failure in full, then the summary line. */
export function formatReport(report: SuiteReport): string {
  const lines: string[] = []
  for (const r of report.results.filter((x) => x.status === 'failed'))
    lines.push('', `FAIL ${r.id} — ${r.title} (SPEC.md ${r.spec})`, `  ${r.message ?? ''}`)
  const skipped = report.results.filter((x) => x.status === 'skipped')
  if (skipped.length > 0)
    lines.push('', `skipped: ${skipped.map((s) => `${s.id} (${s.message})`).join(', ')}`)
  lines.push('', `${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`)
  return lines.join('\n')
}

/** The report as JSON. */
export function jsonReport(report: SuiteReport): string {
  return JSON.stringify(
    {
      summary: { passed: report.passed, failed: report.failed, skipped: report.skipped },
      results: report.results,
    },
    null,
    2,
  )
}
