/**
 * The shapes of the conformance suite: cases, their context, results.
 *
 * @module
 */

/** Optional features a case may need; absent ones make the case skip, never pass. */
export type Feature = 'trailers' | 'pathsend' | 'websocket' | 'denial' | 'lifespan' | 'root-path'

/** The test applications the suite ships; each case runs against one. */
export type AppName = 'main' | 'lifespan' | 'failing-startup' | 'no-lifespan'

/**
 * How binding a case's rule is: `required` rules are SPEC.md MUSTs (a failure fails the run);
 * `recommended` ones are SHOULDs, reported apart and never failing the run.
 */
export type Level = 'required' | 'recommended'

/**
 * How a run reaches the server: HTTP/1.1 (`http1`), HTTP/2 in cleartext with prior knowledge
 * (`h2c`), or HTTP/2 over TLS, negotiated by ALPN (`h2`).
 */
export type Transport = 'http1' | 'h2c' | 'h2'

/**
 * Whether a case means anything over HTTP/2: `same` (the rule is protocol-level; under h2c its
 * requests go through an HTTP/2 client), `http1-only` (it writes HTTP/1.1 bytes; skipped under
 * h2c and h2), `h2-only` (it checks HTTP/2 behaviour; only selected under h2c and h2).
 */
export type Http2Mode = 'same' | 'http1-only' | 'h2-only'

/** What a case gets. */
export interface CaseContext {
  /** The run's transport (default `http1`). */
  transport?: Transport
  /**
   * The `fetch` to make requests with: the global one over HTTP/1.1, the HTTP/2 client's under
   * `h2c` and `h2` (the helpers in cases/util.ts use it).
   */
  fetch?: typeof fetch
  /**
   * Under h2c and h2: the HTTP/2 client, for cases that work with sessions and streams
   * directly. It connects with TLS (ALPN h2) to `https:` origins, in cleartext to `http:` ones.
   */
  h2?: import('./h2-client.ts').H2Client
  /**
   * The scheme the server under test speaks: `https` under transport `h2`, else `http`. A case
   * that starts its own server passes it to `startServer` (harness.ts) so that the server's
   * `url` says so.
   */
  scheme?: 'http' | 'https'
  /**
   * `http://host:port` of the server under test, started with the case's app (`https://`
   * under transport `h2`).
   */
  url: string
  /** The host the server was started on (`{host}`). */
  host: string
  /** The port the server listens on (`{port}`). */
  port: number
  /** The server process's PID (the command is run with `exec`), or `undefined` if unknown. */
  pid: number | undefined
  /** The root path the server was started with (`{rootPath}` in the template), or ''. */
  rootPath: string
  /** The extensions the server announced in its HTTP scopes. */
  extensions: Record<string, unknown>
  /** The server's output so far (stdout and stderr). */
  output(): string
  /** Stops the server (SIGTERM) and resolves with its exit code. */
  stop(): Promise<number | null>
}

/** One conformance case. */
export interface Case {
  /** Stable id, `group.name`. */
  id: string
  /** One line: what is checked. */
  title: string
  /** The SPEC.md section that states the rule, e.g. `§5.8.3`. */
  spec: string
  /** Default `required`. */
  level?: Level
  app: AppName
  needs?: Feature[]
  /** Whether it runs over HTTP/2 (default `http1-only`); see {@link Http2Mode}. */
  http2?: Http2Mode
  /** Starts its own server (the default shares one per app). */
  ownServer?: boolean
  /** Its own deadline in ms, when it needs more than the run's per-case timeout. */
  timeoutMs?: number
  run(ctx: CaseContext): Promise<void>
}

/**
 * Why a case failed: `assertion` (the server did something the spec forbids), `timeout` (the
 * case did not finish within its deadline) or `error` (anything else, e.g. a server that could
 * not be started).
 */
export type FailureKind = 'assertion' | 'timeout' | 'error'

/** The outcome of one case. */
export interface CaseResult {
  id: string
  title: string
  spec: string
  level: Level
  status: 'passed' | 'failed' | 'skipped'
  /** Set when `status` is `failed`. */
  failure?: FailureKind
  /** Why it failed (what was sent, what came back, what the spec expects) or was skipped. */
  message?: string
  ms: number
}

/** A failed expectation: says what was sent, what came back and what the spec expects. */
export class ConformanceFailure extends Error {
  constructor(sent: string, received: string, expected: string) {
    super(`sent: ${sent}\n  received: ${received}\n  expected: ${expected}`)
    this.name = 'ConformanceFailure'
  }
}

/**
 * Thrown by a case that cannot run where it is (say, no `/proc` to measure memory with): the
 * case is reported skipped with this message, never passed.
 */
export class CaseSkipped extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'CaseSkipped'
  }
}

/** Throws a {@link ConformanceFailure} unless `ok`. */
export function expectThat(ok: boolean, sent: string, received: string, expected: string): void {
  if (!ok) throw new ConformanceFailure(sent, received, expected)
}
