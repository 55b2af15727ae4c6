/**
 * Reporting: a progress line per case, failures with what was sent, what came back and what
 * the spec expects, and the summary `N passed, N failed, N skipped` — or JSON for machines.
 * Recommended cases (SHOULDs) are reported apart from conformance.
 *
 * @module
 */
import type { SuiteReport } from './runner.ts'
import type { CaseResult } from './types.ts'

/** One progress line; a failed recommended case is marked `warn`, not `FAIL`. */
export function formatResult(r: CaseResult, index: number, total: number): string {
  const failMark = r.level === 'recommended' ? 'warn' : 'FAIL'
  const mark = r.status === 'passed' ? 'ok  ' : r.status === 'failed' ? failMark : 'skip'
  const tags = [
    ...(r.level === 'recommended' ? ['recommended'] : []),
    ...(r.failure === 'timeout' ? ['timeout'] : []),
  ]
  const tail = tags.length > 0 ? ` [${tags.join(', ')}]` : ''
  return `[${String(index).padStart(String(total).length)}/${total}] ${mark} ${r.id} (${r.spec}) ${r.ms} ms${tail}`
}

function failures(results: CaseResult[]): string[] {
  const lines: string[] = []
  for (const r of results.filter((x) => x.status === 'failed'))
    lines.push('', `FAIL ${r.id} — ${r.title} (SPEC.md ${r.spec})`, `  ${r.message ?? ''}`)
  return lines
}

/** The end-of-run report: every failure in full, then the summary lines. */
export function formatReport(report: SuiteReport): string {
  const required = report.results.filter((r) => r.level !== 'recommended')
  const recommended = report.results.filter((r) => r.level === 'recommended')
  const lines = failures(required)
  const missed = failures(recommended)
  if (missed.length > 0)
    lines.push('', 'Recommended (SHOULD) cases that failed — reported apart, not conformance:')
  lines.push(...missed)
  const skipped = report.results.filter((x) => x.status === 'skipped')
  if (skipped.length > 0)
    lines.push('', `skipped: ${skipped.map((s) => `${s.id} (${s.message})`).join(', ')}`)
  lines.push('', `${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`)
  const rec = report.recommended
  if (recommended.length > 0)
    lines.push(
      `recommended: ${rec.passed} passed, ${rec.failed} failed, ${rec.skipped} skipped (not counted)`,
    )
  return lines.join('\n')
}

/** The report as JSON: `summary` (required cases, `recommended` apart) and every result. */
export function jsonReport(report: SuiteReport): string {
  return JSON.stringify(
    {
      summary: {
        passed: report.passed,
        failed: report.failed,
        skipped: report.skipped,
        recommended: report.recommended,
      },
      results: report.results,
    },
    null,
    2,
  )
}
