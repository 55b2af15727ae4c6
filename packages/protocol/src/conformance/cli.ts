/**
 * `tsgi-conformance`:
 *   tsgi-conformance server --command "<template>" [--grep RE] [--bail] [--list]
 *                           [--reporter text|json] [--timeout MS] [--host H]
 *                           [--no-websocket] [--no-lifespan]
 *                           [--http2 [--tls [--ca FILE | --insecure]]]
 *   tsgi-conformance app <module>[:export] [--http2] [--reporter text|json]
 *   tsgi-conformance --help | --version
 * Exit code 0 when every required case passed (skips and recommended ones included), 1 on any
 * required failure (or an app that cannot be loaded), 2 for bad usage: one line on stderr.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { Application } from '../application.ts'
import { checkApp } from './check-app.ts'
import type { H2ClientOptions } from './h2-client.ts'
import { formatReport, formatResult, jsonReport } from './report.ts'
import { runServerSuite, selectCases } from './runner.ts'
import type { Transport } from './types.ts'

const USAGE = `Usage:
  tsgi-conformance server --command "<template>" [options]
      The template starts your server: {app} is a module path, {port} a free port, {host} the
      host, {rootPath} (optional) a root path to mount the app at.
      --grep RE        only cases whose id or title matches the regular expression
      --list           list the cases and exit
      --bail           stop at the first failure
      --reporter R     text (default) or json
      --timeout MS     per-case timeout in milliseconds, a positive integer (default 20000)
      --host H         host to bind and test (default 127.0.0.1)
      --no-websocket   skip WebSocket cases
      --no-lifespan    skip cases that need lifespan support
      --http2          run over HTTP/2 in cleartext with prior knowledge (h2c; the server must
                       serve it on its port): protocol-level cases go through an HTTP/2 client,
                       HTTP/2-only cases are added, HTTP/1.1 wire cases are skipped
      --tls            with --http2: HTTP/2 over TLS (ALPN h2) instead of h2c; the template
                       starts the server with its certificate, URLs are https://host:port
      --ca FILE        with --tls: trust the PEM certificate(s) in FILE (e.g. the server's
                       self-signed one); by default only the system's CAs are trusted
      --insecure       with --tls: accept any certificate, unverified (test machines only)
  tsgi-conformance app <module>[:export] [--http2] [--reporter R]
      checks an application with a strict server double; --http2 drives every exchange as
      an HTTP/2 stream (httpVersion '2', host from :authority, no content-length unless sent)
  tsgi-conformance --help | --version

Exit code: 0 all required cases passed, 1 a failure, 2 bad usage.
`

/** Bad usage: reported as one line, exit code 2. */
class UsageError extends Error {}

const OPTIONS = {
  command: { type: 'string' },
  grep: { type: 'string' },
  list: { type: 'boolean' },
  bail: { type: 'boolean' },
  reporter: { type: 'string' },
  timeout: { type: 'string' },
  host: { type: 'string' },
  'no-websocket': { type: 'boolean' },
  'no-lifespan': { type: 'boolean' },
  http2: { type: 'boolean' },
  tls: { type: 'boolean' },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  help: { type: 'boolean' },
  version: { type: 'boolean' },
} as const

type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS })
  } catch (error) {
    const e = error as Error & { code?: string }
    const unknown = /^Unknown option '([^']+)'/.exec(e.message)
    throw new UsageError(unknown ? `unknown option ${unknown[1]}` : e.message.split('\n')[0])
  }
}

function version(): string {
  const pkg = new URL('../../package.json', import.meta.url)
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version
}

/** Options given that `mode` does not take. */
function refuseOptions(v: Values, mode: string, allowed: ReadonlyArray<keyof Values>) {
  const extra = (Object.keys(v) as Array<keyof Values>).find((k) => !allowed.includes(k))
  if (extra !== undefined) throw new UsageError(`--${extra} does not apply to "${mode}"`)
}

function reporterOf(v: Values): 'text' | 'json' {
  const r = v.reporter ?? 'text'
  if (r !== 'text' && r !== 'json')
    throw new UsageError(`--reporter must be text or json, got ${JSON.stringify(r)}`)
  return r
}

function timeoutOf(v: Values): number | undefined {
  if (v.timeout === undefined) return undefined
  const ms = /^\d+$/.test(v.timeout) ? Number(v.timeout) : Number.NaN
  if (!Number.isSafeInteger(ms) || ms <= 0)
    throw new UsageError(
      `--timeout must be a positive integer of milliseconds, got ${JSON.stringify(v.timeout)}`,
    )
  return ms
}

function grepOf(v: Values): RegExp | undefined {
  if (v.grep === undefined) return undefined
  try {
    return new RegExp(v.grep)
  } catch (error) {
    throw new UsageError(`--grep: ${(error as Error).message}`)
  }
}

async function appMode(positionals: string[], v: Values): Promise<number> {
  refuseOptions(v, 'app', ['reporter', 'http2'])
  const reporter = reporterOf(v)
  const [target, ...rest] = positionals
  if (target === undefined) throw new UsageError('app: missing <module>')
  if (rest.length > 0) throw new UsageError(`app: unexpected argument ${JSON.stringify(rest[0])}`)
  const [file, name = 'default'] = target.split(/:(?=[^/\\]+$)/)
  const path = resolve(file!)
  if (!existsSync(path)) throw new UsageError(`app: no such file ${file}`)
  let mod: Record<string, unknown>
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  } catch (error) {
    // A module that exists but fails to load is the app's fault, not bad usage: say where.
    const e = error as Error
    process.stderr.write(
      `tsgi-conformance app: cannot load ${file}: ${e.message}\n${e.stack ?? ''}\n`,
    )
    return 1
  }
  const app = mod[name]
  if (typeof app !== 'function')
    throw new UsageError(`app: ${target} does not export an application (${name})`)
  const report = await checkApp(app as Application, v.http2 ? { httpVersion: '2' } : {})
  if (reporter === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  else {
    for (const x of report.violations)
      process.stdout.write(`FAIL ${x.exchange}: ${x.kind}: ${x.message}\n`)
    process.stdout.write(
      `${report.checked.length} exchanges checked, ${report.violations.length} violations\n`,
    )
  }
  return report.passed ? 0 : 1
}

/** The transport `--http2`/`--tls` select, and how TLS trusts the server (`--ca`, `--insecure`). */
function transportOf(v: Values): { transport: Transport; tls?: H2ClientOptions } {
  if (v.tls && !v.http2)
    throw new UsageError('--tls needs --http2 (the HTTP/1.1 cases run in cleartext)')
  for (const name of ['ca', 'insecure'] as const)
    if (v[name] !== undefined && !v.tls) throw new UsageError(`--${name} needs --tls`)
  if (v.ca !== undefined && v.insecure)
    throw new UsageError('--ca and --insecure do not go together: trust a CA or none')
  if (!v.http2) return { transport: 'http1' }
  if (!v.tls) return { transport: 'h2c' }
  if (v.ca === undefined) return { transport: 'h2', tls: { insecure: v.insecure === true } }
  if (!existsSync(v.ca)) throw new UsageError(`--ca: no such file ${v.ca}`)
  return { transport: 'h2', tls: { ca: readFileSync(v.ca) } }
}

async function serverMode(positionals: string[], v: Values): Promise<number> {
  if (positionals.length > 0)
    throw new UsageError(`server: unexpected argument ${JSON.stringify(positionals[0])}`)
  if (v.command === undefined || v.command.trim() === '')
    throw new UsageError('server: --command "<template>" is required')
  if (v.host !== undefined && v.host.trim() === '') throw new UsageError('--host must not be empty')
  const reporter = reporterOf(v)
  const timeoutMs = timeoutOf(v)
  const grep = grepOf(v)
  const { transport, tls } = transportOf(v)
  if (v.list) {
    for (const c of selectCases(v.command, grep, transport))
      process.stdout.write(
        `${c.id.padEnd(44)} ${c.spec.padEnd(9)} ${c.title}${c.needs ? ` [needs ${c.needs.join(', ')}]` : ''}${c.level === 'recommended' ? ' [recommended]' : ''}${v.http2 && (c.http2 ?? 'http1-only') === 'http1-only' ? ' [skipped: HTTP/1.1 wire case]' : ''}\n`,
      )
    return 0
  }
  const json = reporter === 'json'
  const report = await runServerSuite({
    command: v.command,
    host: v.host,
    grep,
    bail: v.bail === true,
    timeoutMs,
    transport,
    ...(tls ? { tls } : {}),
    features: {
      ...(v['no-websocket'] ? { websocket: false } : {}),
      ...(v['no-lifespan'] ? { lifespan: false } : {}),
    },
    onResult: json ? undefined : (r, i, n) => process.stderr.write(`${formatResult(r, i, n)}\n`),
  })
  process.stdout.write(json ? `${jsonReport(report)}\n` : `${formatReport(report)}\n`)
  return report.failed > 0 ? 1 : 0
}

/** Runs the command line; resolves with the exit code (bad usage: one line on stderr, 2). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const { values, positionals } = parse(argv)
    const v = values as Values
    if (v.help) {
      process.stdout.write(USAGE)
      return 0
    }
    if (v.version) {
      process.stdout.write(`tsgi-conformance ${version()} (node ${process.version})\n`)
      return 0
    }
    const [mode, ...rest] = positionals
    if (mode === 'app') return await appMode(rest, v)
    if (mode === 'server') return await serverMode(rest, v)
    throw new UsageError(
      mode === undefined
        ? 'missing command: "server --command <template>" or "app <module>"'
        : `unknown command ${JSON.stringify(mode)}: expected "server" or "app"`,
    )
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`tsgi-conformance: ${error.message} (see tsgi-conformance --help)\n`)
    return 2
  }
}

// No top-level await: this module must load with require() too (Node 22.12+).
if (import.meta.main)
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code
  })
