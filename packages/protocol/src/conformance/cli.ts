/**
 * `tsgi-conformance`:
 *   tsgi-conformance server --command "<template>" [--grep RE] [--bail] [--list]
 *                           [--reporter text|json] [--timeout MS] [--host H]
 *                           [--no-websocket] [--no-lifespan]
 *   tsgi-conformance app <module>[:export]
 * Exit code 0 when everything passed (skips included), 1 on any failure, 2 for bad usage.
 *
 * @module
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { Application } from '../application.ts'
import { checkApp } from './check-app.ts'
import { formatReport, formatResult, jsonReport } from './report.ts'
import { runServerSuite, selectCases } from './runner.ts'

const USAGE = `Usage:
  tsgi-conformance server --command "<template>" [options]
      The template starts your server: {app} is a module path, {port} a free port, {host} the host.
      --grep RE        only cases whose id or title matches
      --list           list the cases and exit
      --bail           stop at the first failure
      --reporter R     text (default) or json
      --timeout MS     per-case timeout (default 20000)
      --host H         host to bind and test (default 127.0.0.1)
      --no-websocket   skip WebSocket cases
      --no-lifespan    skip cases that need lifespan support
  tsgi-conformance app <module>[:export]
      checks an application with a strict server double
`

/** Runs the command line; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        command: { type: 'string' },
        grep: { type: 'string' },
        list: { type: 'boolean' },
        bail: { type: 'boolean' },
        reporter: { type: 'string' },
        timeout: { type: 'string' },
        host: { type: 'string' },
        'no-websocket': { type: 'boolean' },
        'no-lifespan': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    })
  } catch (error) {
    process.stderr.write(`tsgi-conformance: ${(error as Error).message}\n${USAGE}`)
    return 2
  }
  const v = parsed.values as Record<string, string | boolean | undefined>
  const [mode, target] = parsed.positionals
  if (v.help || mode === undefined) {
    process.stdout.write(USAGE)
    return v.help ? 0 : 2
  }
  if (mode === 'app') {
    if (!target) {
      process.stderr.write(`tsgi-conformance app: missing <module>\n${USAGE}`)
      return 2
    }
    const [file, name = 'default'] = target.split(/:(?=[^/\\]+$)/)
    const mod = (await import(pathToFileURL(resolve(file!)).href)) as Record<string, unknown>
    const app = mod[name]
    if (typeof app !== 'function') {
      process.stderr.write(`tsgi-conformance app: ${target} does not export an application\n`)
      return 2
    }
    const report = await checkApp(app as Application)
    if (v.reporter === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    else {
      for (const x of report.violations)
        process.stdout.write(`FAIL ${x.exchange}: ${x.kind}: ${x.message}\n`)
      process.stdout.write(
        `${report.checked.length} exchanges checked, ${report.violations.length} violations\n`,
      )
    }
    return report.passed ? 0 : 1
  }
  if (mode !== 'server' || typeof v.command !== 'string') {
    process.stderr.write(
      `tsgi-conformance: expected "server --command <template>" or "app <module>"\n${USAGE}`,
    )
    return 2
  }
  if (v.list) {
    for (const c of selectCases(v.command, v.grep as string | undefined))
      process.stdout.write(
        `${c.id.padEnd(44)} ${c.spec.padEnd(11)} ${c.title}${c.needs ? ` [needs ${c.needs.join(', ')}]` : ''}\n`,
      )
    return 0
  }
  const json = v.reporter === 'json'
  const report = await runServerSuite({
    command: v.command,
    host: v.host as string | undefined,
    grep: v.grep as string | undefined,
    bail: v.bail === true,
    timeoutMs: v.timeout ? Number(v.timeout) : undefined,
    features: {
      ...(v['no-websocket'] ? { websocket: false } : {}),
      ...(v['no-lifespan'] ? { lifespan: false } : {}),
    },
    onResult: json ? undefined : (r, i, n) => process.stderr.write(`${formatResult(r, i, n)}\n`),
  })
  process.stdout.write(json ? `${jsonReport(report)}\n` : `${formatReport(report)}\n`)
  return report.failed > 0 ? 1 : 0
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2))
