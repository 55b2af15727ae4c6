/**
 * `tsgi-conformance` on Bun and Deno: through `toFetch` (the host scripts in test/runtimes/)
 * and the reference server itself run by each runtime. Every failing case must be listed in
 * test/runtimes/expected.ts with its reason, and every listed case must fail (unless marked
 * timing-dependent). The four runs go concurrently: they mostly wait on sockets.
 */
import { type CaseResult, runServerSuite } from '@tsgi/protocol/conformance'
import { describe, expect, test } from 'vitest'
import { type Combination, expectedFailures, expectedSkips } from './runtimes/expected.ts'
import {
  findRuntime,
  hostScript,
  type Runtime,
  requireRuntimes,
  runCommand,
  serverCli,
} from './runtimes/find.ts'

const ARGS = '{app} --port {port} --host {host} --root-path {rootPath}'
const bins = { bun: findRuntime('bun'), deno: findRuntime('deno') }

function command(runtime: Runtime, host: 'toFetch' | 'server'): string {
  const run = runCommand(runtime, bins[runtime] as string)
  return host === 'toFetch'
    ? `${run} "${hostScript(runtime)}" ${ARGS}`
    : `${run} "${serverCli}" ${ARGS} --no-access-log`
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Runs the suite; a case that failed by a timeout or an error (not an assertion) and is not
 * expected to fail is run again alone with more time: a loaded machine is not the runtime's.
 */
async function run(combination: Combination, template: string) {
  const report = await runServerSuite({ command: template })
  const byId = new Map<string, CaseResult>(report.results.map((r) => [r.id, r]))
  const listed = expectedFailures[combination]
  for (const r of report.results) {
    if (r.status !== 'failed' || r.failure === 'assertion' || r.id in listed) continue
    const again = await runServerSuite({
      command: template,
      grep: new RegExp(`^${escapeRe(r.id)}$`),
      timeoutMs: 90_000,
    })
    const retried = again.results.find((x) => x.id === r.id)
    if (retried) byId.set(r.id, retried)
  }
  const results = [...byId.values()]
  const failed = results.filter((r) => r.status === 'failed')
  const count = (status: string) => results.filter((r) => r.status === status).length
  // One line per combination in the log: the numbers the README's table shows.
  console.log(
    `${combination}: ${count('passed')} passed, ${failed.length} failed (all listed: ${failed.every((r) => r.id in listed)}), ${count('skipped')} skipped, of ${results.length}`,
  )
  return {
    combination,
    passed: results.filter((r) => r.status === 'passed').length,
    unexpectedFailures: Object.fromEntries(
      failed.filter((r) => !(r.id in listed)).map((r) => [r.id, `${r.failure}: ${r.message}`]),
    ),
    listedButPassed: Object.entries(listed)
      .filter(([id, e]) => e.timing !== true && byId.get(id)?.status === 'passed')
      .map(([id]) => id),
    listedButMissing: Object.keys(listed).filter((id) => !byId.has(id)),
    skipped: results
      .filter((r) => r.status === 'skipped')
      .map((r) => r.id)
      .sort(),
  }
}

const missing = (['bun', 'deno'] as const).filter((r) => bins[r] === null)
const why = `${missing.join(' and ')} not found (TSGI_BUN/TSGI_DENO, ~/.cache/tsgi, PATH)`

describe.skipIf(missing.length > 0 && !requireRuntimes)(
  missing.length > 0 ? `runtime conformance (skipped: ${why})` : 'runtime conformance',
  () => {
    test('Bun and Deno, through toFetch and the reference server: only the listed cases fail', {
      timeout: 900_000,
    }, async () => {
      expect(missing, why).toEqual([])
      const combinations: Array<[Combination, string]> = [
        ['bun × toFetch', command('bun', 'toFetch')],
        ['deno × toFetch', command('deno', 'toFetch')],
        ['bun × server', command('bun', 'server')],
        ['deno × server', command('deno', 'server')],
      ]
      const reports = await Promise.all(combinations.map(([c, t]) => run(c, t)))
      // One comparison for all four, so a failure shows every combination's differences.
      expect(reports.map(({ passed: _, ...rest }) => rest)).toEqual(
        reports.map((r) => ({
          combination: r.combination,
          unexpectedFailures: {},
          listedButPassed: [],
          listedButMissing: [],
          skipped: [...expectedSkips[r.combination]].sort(),
        })),
      )
      // Most of the suite ran and passed (it has 119 cases).
      for (const r of reports) expect(r.passed, r.combination).toBeGreaterThanOrEqual(95)
    })
  },
)
