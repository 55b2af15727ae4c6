/**
 * Runs the server cases against a command: one shared server per test app (cases that need
 * their own start one), optional features detected from what the server announces, each case
 * bounded by a timeout. An absent optional feature skips its cases — never passes them.
 *
 * @module
 */
import { appPath } from './apps/index.ts'
import { detect } from './detect.ts'
import { H2Client, type H2ClientOptions } from './h2-client.ts'
import { ROOT_PATH, type RunningServer, startServer } from './harness.ts'
import { serverCases } from './registry.ts'
import {
  type AppName,
  type Case,
  type CaseContext,
  type CaseResult,
  CaseSkipped,
  ConformanceFailure,
  type FailureKind,
  type Feature,
  type Transport,
} from './types.ts'

/** Options of {@link runServerSuite}. */
export interface ServerSuiteOptions {
  /** The command template: `{app}`, `{port}`, optionally `{host}`. */
  command: string
  host?: string
  /** Only cases whose id or title matches. */
  grep?: string | RegExp
  /** Stop at the first failure. */
  bail?: boolean
  /** Force optional features on or off (default: detected; lifespan assumed supported). */
  features?: Partial<Record<Feature, boolean>>
  /** Per-case timeout in ms (a case that needs longer has its own). Default 20 000. */
  timeoutMs?: number
  /**
   * `h2c` runs the cases marked `http2: 'same'` through an HTTP/2 client (cleartext, prior
   * knowledge), adds the HTTP/2-only cases and skips the HTTP/1.1 wire cases; `h2` does the
   * same over TLS (ALPN `h2`, `https://` URLs). The server must serve that on its port, with a
   * certificate for `h2` (the template's business). Default `http1`.
   */
  transport?: Transport
  /**
   * Under `h2`: how the client trusts the server's certificate (default: as node:tls does).
   * A self-signed test certificate needs `ca` (it) or `insecure: true`.
   */
  tls?: H2ClientOptions
  /** Called after each case (progress). */
  onResult?: (result: CaseResult, index: number, total: number) => void
}

/** Counts of one level's results. */
export interface LevelCounts {
  passed: number
  failed: number
  skipped: number
}

/**
 * The outcome of a run. `passed`, `failed` and `skipped` count the required cases (what
 * conformance means); `recommended` counts the others, reported apart: their failures never
 * fail a run.
 */
export interface SuiteReport extends LevelCounts {
  results: CaseResult[]
  recommended: LevelCounts
}

/** The cases a run would execute (after `grep`); HTTP/2-only ones only under `h2c` and `h2`. */
export function selectCases(
  command: string,
  grep?: string | RegExp,
  transport: Transport = 'http1',
): Case[] {
  const all = serverCases(command).filter((c) => transport !== 'http1' || c.http2 !== 'h2-only')
  if (grep === undefined) return all
  const re = typeof grep === 'string' ? new RegExp(grep) : grep
  return all.filter((c) => re.test(c.id) || re.test(c.title))
}

class CaseTimeout extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number, id: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new CaseTimeout(`${id} did not finish within ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

function kindOf(error: unknown): FailureKind {
  if (error instanceof ConformanceFailure) return 'assertion'
  return error instanceof CaseTimeout ? 'timeout' : 'error'
}

function count(results: CaseResult[]): LevelCounts {
  return {
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
  }
}

/** Runs the server suite. */
export async function runServerSuite(options: ServerSuiteOptions): Promise<SuiteReport> {
  const transport = options.transport ?? 'http1'
  const cases = selectCases(options.command, options.grep, transport)
  const h2 = transport === 'http1' ? undefined : new H2Client(options.tls)
  const scheme = transport === 'h2' ? 'https' : 'http'
  const results: CaseResult[] = []
  const timeout = options.timeoutMs ?? 20_000
  const order: AppName[] = ['lifespan', 'failing-startup', 'no-lifespan', 'main']
  let stop = false
  const record = (result: CaseResult) => {
    results.push(result)
    options.onResult?.(result, results.length, cases.length)
    if (result.status === 'failed' && result.level === 'required' && options.bail) stop = true
  }
  for (const app of order) {
    const group = cases.filter((c) => c.app === app)
    if (group.length === 0 || stop) continue
    let server: RunningServer | null = null
    let startError: Error | null = null
    const shared = group.some((c) => !c.ownServer)
    if (shared) {
      try {
        server = await startServer(options.command, appPath(app), { host: options.host, scheme })
      } catch (error) {
        startError = error as Error
      }
    }
    const detected = server
      ? await detect(server, options.features, options.command, transport, h2?.fetch ?? fetch)
      : { features: new Set<Feature>(['lifespan']), extensions: {} }
    if (!server && options.features?.lifespan === false) detected.features.delete('lifespan')
    for (const c of group) {
      if (stop) break
      const missing = (c.needs ?? []).filter((f) => !detected.features.has(f))
      const started = performance.now()
      const base = { id: c.id, title: c.title, spec: c.spec, level: c.level ?? 'required' }
      if (h2 && (c.http2 ?? 'http1-only') === 'http1-only') {
        record({ ...base, status: 'skipped', message: 'HTTP/1.1 wire case', ms: 0 })
        continue
      }
      if (missing.length > 0) {
        record({
          ...base,
          status: 'skipped',
          message: `the server does not offer: ${missing.join(', ')}`,
          ms: 0,
        })
        continue
      }
      if (!c.ownServer && server === null) {
        record({
          ...base,
          status: 'failed',
          failure: 'error',
          message: `could not start the server: ${startError?.message}`,
          ms: 0,
        })
        continue
      }
      const ctx: CaseContext = {
        url: server?.url ?? '',
        host: server?.host ?? options.host ?? '127.0.0.1',
        port: server?.port ?? 0,
        pid: server?.pid,
        extensions: detected.extensions,
        rootPath: detected.features.has('root-path') ? ROOT_PATH : '',
        output: () => server?.output() ?? '',
        stop: () => server?.stop() ?? Promise.resolve(null),
        transport,
        scheme,
        ...(h2 ? { fetch: h2.fetch as typeof fetch, h2 } : {}),
      }
      try {
        await withTimeout(c.run(ctx), Math.max(timeout, c.timeoutMs ?? 0), c.id)
        record({ ...base, status: 'passed', ms: Math.round(performance.now() - started) })
      } catch (error) {
        const ms = Math.round(performance.now() - started)
        const message = (error as Error).message
        if (error instanceof CaseSkipped) record({ ...base, status: 'skipped', message, ms })
        else record({ ...base, status: 'failed', failure: kindOf(error), message, ms })
      }
    }
    h2?.close()
    await server?.stop(5000)
  }
  return {
    results,
    ...count(results.filter((r) => r.level === 'required')),
    recommended: count(results.filter((r) => r.level === 'recommended')),
  }
}
