/**
 * The shapes of the conformance suite: cases, their context, results.
 *
 * @module
 */

/** Optional features a case may need; absent ones make the case skip, never pass. */
export type Feature = 'trailers' | 'pathsend' | 'websocket' | 'denial' | 'lifespan' | 'root-path'

/** The test applications the suite ships; each case runs against one. */
export type AppName = 'main' | 'lifespan' | 'failing-startup' | 'no-lifespan'

/** What a case gets. */
export interface CaseContext {
  /** `http://host:port` of the server under test, started with the case's app. */
  url: string
  host: string
  port: number
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
  /** The SPEC.md section it checks. */
  spec: string
  app: AppName
  needs?: Feature[]
  /** Starts its own server (the default shares one per app). */
  ownServer?: boolean
  run(ctx: CaseContext): Promise<void>
}

/** The outcome of one case. */
export interface CaseResult {
  id: string
  title: string
  spec: string
  status: 'passed' | 'failed' | 'skipped'
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

/** Throws a {@link ConformanceFailure} unless `ok`. */
export function expectThat(ok: boolean, sent: string, received: string, expected: string): void {
  if (!ok) throw new ConformanceFailure(sent, received, expected)
}
