/**
 * Runs Express's own test suite (mocha + supertest) from a checkout of expressjs/express at its
 * 5.x head, with every `request(app)` going through the round trip
 * `createRequestListener(fromNodeListener(app))` (see `express-preload.ts`), and classifies
 * the failures against the documented spec differences.
 *
 *     EXPRESS_DIR=/tmp/express node --conditions=@tsgi/source \
 *       packages/adapters/test/external/express-suite.ts
 *
 * Exits 0 when every failure is allowed and there are at most {@link MAX_FAILURES}.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Deliberate differences between the TSGI round trip and node:http, each matched by the full
 * title of the Express test it fails. A failure matching none of them is an adapter bug.
 */
export const ALLOWED: ReadonlyArray<{ reason: string; title: RegExp }> = [
  {
    reason: 'final statuses outside 200–599 are refused (SPEC §5.4: 1xx are the server’s)',
    title: /^res \.status\(code\) accept valid ranges should set the response status code to 101$/,
  },
  {
    reason: 'final statuses outside 200–599 are refused (RFC 9110 §15: 3-digit 1xx–5xx)',
    title:
      /^res \.status\(code\) accept valid ranges should set the response status code to [7-9]\d\d$/,
  },
  {
    reason: 'an app-set Transfer-Encoding is hop-by-hop: the server frames the response',
    title:
      /^res when Transfer-Encoding header is present should not add Content-Length header if Transfer-Encoding header is equal to \w+$/,
  },
  {
    reason:
      'the server answers 400 to an invalid Host header (RFC 9112 §3.2), here `http://example.com`',
    title:
      /^res when accepting (html should escape the url|html should not render evil javascript links in anchor href \(prevent XSS\)|text should encode the url)$/,
  },
]

/** At most this many failures (4 statuses, 4 Transfer-Encoding, 3 invalid Host headers). */
export const MAX_FAILURES = 11

/** One failed Express test. */
export interface SuiteFailure {
  title: string
  message: string
  /** The allow-list entry it matches, or `null` (an adapter bug). */
  reason: string | null
}

/** The outcome of one run of Express's suite. */
export interface SuiteResult {
  passes: number
  failures: SuiteFailure[]
  pending: number
  tests: number
  durationMs: number
  /** Apps the preload wrapped, and servers it passed through unchanged. */
  wrapped: number
  passedThrough: number
  /** mocha's exit code and how the process ended. */
  exitCode: number | null
  timedOut: boolean
}

interface MochaJson {
  stats: { passes: number; failures: number; pending: number; tests: number; duration: number }
  failures: Array<{ fullTitle: string; err: { message?: string } }>
}

const preload = fileURLToPath(new URL('./express-preload.ts', import.meta.url))

/** Runs the suite in `dir` (a checkout with its dependencies installed). */
export async function runExpressSuite(dir: string, timeoutMs = 180_000): Promise<SuiteResult> {
  const work = mkdtempSync(join(tmpdir(), 'tsgi-express-'))
  const report = join(work, 'report.json')
  const statsFile = join(work, 'stats.json')
  const mocha = join(dir, 'node_modules', 'mocha', 'bin', 'mocha.js')
  const args = [
    '--conditions=@tsgi/source',
    mocha,
    '--require',
    'test/support/env',
    '--require',
    preload,
    '--reporter',
    'json',
    '--reporter-option',
    `output=${report}`,
    '--check-leaks',
    'test/',
    'test/acceptance/',
  ]
  const env = { ...process.env, EXPRESS_DIR: dir, TSGI_EXPRESS_STATS: statsFile }
  try {
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 1_000_000) stderr += chunk.toString()
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve))
    clearTimeout(timer)
    let json: MochaJson
    try {
      json = JSON.parse(readFileSync(report, 'utf8')) as MochaJson
    } catch {
      throw new Error(`Express suite left no report (exit ${exitCode}):\n${stderr.slice(-4000)}`)
    }
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as {
      wrapped: number
      passedThrough: number
    }
    return {
      passes: json.stats.passes,
      pending: json.stats.pending,
      tests: json.stats.tests,
      durationMs: json.stats.duration,
      failures: json.failures.map((f) => ({
        title: f.fullTitle,
        message: (f.err.message ?? '').split('\n')[0] ?? '',
        reason: ALLOWED.find((a) => a.title.test(f.fullTitle))?.reason ?? null,
      })),
      wrapped: stats.wrapped,
      passedThrough: stats.passedThrough,
      exitCode,
      timedOut,
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Whether `result` meets the target: every failure allowed, at most {@link MAX_FAILURES}. */
export function acceptable(result: SuiteResult): boolean {
  return (
    result.failures.length <= MAX_FAILURES &&
    result.failures.every((f) => f.reason !== null) &&
    result.wrapped > 0 &&
    !result.timedOut
  )
}

if (import.meta.main) {
  const dir = process.env.EXPRESS_DIR
  if (dir === undefined) {
    console.error('set EXPRESS_DIR to a checkout of expressjs/express (5.x) with npm install done')
    process.exit(2)
  }
  const result = await runExpressSuite(dir)
  console.log(
    `Express suite through createRequestListener(fromNodeListener(app)): ${result.passes} passing,` +
      ` ${result.failures.length} failing, ${result.pending} pending of ${result.tests}` +
      ` (${result.durationMs} ms; ${result.wrapped} apps wrapped, ${result.passedThrough} servers` +
      ' passed through)',
  )
  for (const f of result.failures)
    console.log(`- ${f.title}\n    ${f.message}\n    ${f.reason ?? 'NOT ALLOWED: an adapter bug'}`)
  process.exit(acceptable(result) ? 0 : 1)
}
