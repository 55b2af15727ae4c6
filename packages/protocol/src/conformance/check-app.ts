/**
 * `checkApp(app)`: drives an application with a strict server double and records every
 * protocol violation — an invalid event, a body before the start, events after completion,
 * returning without a response, ignoring `http.disconnect`, accepting an unknown scope type,
 * lifespan misuse — instead of stopping at the first. Framework authors run it in their tests.
 * The lifespan double is check-app-lifespan.ts, the scopes (HTTP/1.1 or, with
 * `httpVersion: '2'`, an HTTP/2 stream's) come from check-app-scope.ts; this file drives the
 * HTTP exchanges.
 *
 * @module
 */
import type { Application, ReceiveEvent, SendEvent } from '../application.ts'
import { ClientDisconnectedError, ErrorCode, type ProtocolError } from '../errors.ts'
import { HTTPResponseTracker } from '../http-response-tracker.ts'
import { TSGI_VERSION } from '../version.ts'
import { type StartedLifespan, startLifespan } from './check-app-lifespan.ts'
import { type CheckHttpVersion, type CheckRequest, checkScope } from './check-app-scope.ts'
import { settles } from './settles.ts'

export type { CheckHttpVersion, CheckRequest } from './check-app-scope.ts'

/** One violation found. */
export interface AppViolation {
  /** What was being checked, e.g. `GET /`, `lifespan`, `unknown scope`. */
  exchange: string
  /** `invalid-event`, `unexpected-event`, `content-length`, `incomplete-response`, `ignores-disconnect`, `accepts-unknown-scope`, `lifespan`, `threw`. */
  kind: string
  message: string
}

/** What `checkApp` found. */
export interface AppCheckReport {
  passed: boolean
  violations: AppViolation[]
  /** The exchanges that were run. */
  checked: string[]
}

/** Options of {@link checkApp}. */
export interface AppCheckOptions {
  /** Requests to run (default: GET /, HEAD /, POST / with a JSON body, GET of an unknown path). */
  requests?: CheckRequest[]
  /** Run the lifespan (default true). */
  lifespan?: boolean
  /** How long an app may take to settle after a disconnect, in ms. Default 2000. */
  settleMs?: number
  /**
   * The HTTP version of every exchange (default `'1.1'`). With `'2'` the app is driven as a
   * server drives an HTTP/2 stream (SPEC.md §5.10; see {@link CheckHttpVersion}). The response
   * rules are the same: connection-specific fields an app sets (`connection`, `keep-alive`…)
   * are no violation, as §5.10.4 has the server drop them.
   */
  httpVersion?: CheckHttpVersion
}

const utf8 = new TextEncoder()
const DEFAULT_REQUESTS: CheckRequest[] = [
  { path: '/' },
  { method: 'HEAD', path: '/' },
  {
    method: 'POST',
    path: '/',
    headers: [['content-type', 'application/json']],
    body: '{"check":true}',
  },
  { path: '/tsgi-conformance-unknown-path' },
]

function kindOf(error: unknown): string {
  switch ((error as ProtocolError)?.code) {
    case ErrorCode.invalidEvent:
      return 'invalid-event'
    case ErrorCode.unexpectedEvent:
      return 'unexpected-event'
    case ErrorCode.contentLength:
      return 'content-length'
    default:
      return 'invalid-event'
  }
}

/**
 * Checks `app` against the protocol. Throws a `TypeError` (before running anything) for a
 * request that `options.httpVersion` cannot carry.
 */
export async function checkApp(
  app: Application,
  options: AppCheckOptions = {},
): Promise<AppCheckReport> {
  const violations: AppViolation[] = []
  const checked: string[] = []
  const settleMs = options.settleMs ?? 2000
  const httpVersion = options.httpVersion ?? '1.1'
  if (httpVersion !== '1.1' && httpVersion !== '2')
    throw new TypeError(`checkApp: httpVersion must be '1.1' or '2', got ${String(httpVersion)}`)
  const requests = options.requests ?? DEFAULT_REQUESTS
  // A request the version cannot carry is the caller's mistake: say so before the app runs.
  for (const req of requests) checkScope(req, {}, httpVersion)
  const add = (exchange: string, kind: string, message: string) =>
    violations.push({ exchange, kind, message })
  let state: Record<string, unknown> = {}

  // 1. An unknown scope type must be refused (SPEC.md §2.3).
  checked.push('unknown scope')
  const unknown = await settles(
    Promise.resolve().then(() =>
      (app as (s: unknown, r: unknown, s2: unknown) => Promise<void>)(
        { type: 'tsgi.conformance-unknown', tsgi: TSGI_VERSION, state: {} },
        () => new Promise(() => {}),
        () => Promise.resolve(),
      ),
    ),
    settleMs,
  )
  if (unknown.settled && unknown.error === undefined)
    add(
      'unknown scope',
      'accepts-unknown-scope',
      'the app returned normally for an unknown scope type; it must throw (UnsupportedScopeError)',
    )

  // 2. Lifespan (SPEC.md §4): answers checked by the tracker; throwing means "no lifespan".
  let lifespanRun: StartedLifespan | null = null
  if (options.lifespan !== false) {
    checked.push('lifespan')
    lifespanRun = await startLifespan(app, settleMs, (message) =>
      add('lifespan', 'lifespan', message),
    )
    if (lifespanRun) state = lifespanRun.state
  }

  // 3. Requests: every event validated and ordered; the response must complete.
  for (const req of requests) {
    const name = `${req.method ?? 'GET'} ${req.path}`
    checked.push(name)
    const scope = checkScope(req, state, httpVersion)
    const tracker = new HTTPResponseTracker(scope.method, scope.extensions)
    let bodySent = false
    // A client that stays: after the body, receive() waits until the response is complete
    // (SPEC §5.3.4), so an app watching for a disconnect while it responds is not told one.
    let responded = (): void => {}
    const complete = new Promise<void>((resolve) => {
      responded = resolve
    })
    const receive = async (): Promise<ReceiveEvent> => {
      if (!bodySent) {
        bodySent = true
        return { type: 'http.request', body: utf8.encode(req.body ?? ''), moreBody: false }
      }
      await complete
      return { type: 'http.disconnect' }
    }
    const send = async (event: SendEvent) => {
      try {
        tracker.accept(event)
      } catch (error) {
        add(name, kindOf(error), (error as Error).message)
        throw error
      }
      if (tracker.complete) responded()
    }
    const run = await settles(
      Promise.resolve().then(() => app(scope, receive, send)),
      settleMs * 2,
    )
    if (!run.settled) add(name, 'incomplete-response', 'the app did not settle')
    else if (run.error !== undefined && !violations.some((v) => v.exchange === name))
      add(name, 'threw', `the app threw: ${(run.error as Error)?.message ?? String(run.error)}`)
    else if (!tracker.complete && !violations.some((v) => v.exchange === name))
      add(
        name,
        'incomplete-response',
        tracker.started ? 'returned before the final body' : 'returned without http.response.start',
      )
  }

  // 4. A client that leaves mid-body: the app must stop (not hang, not keep sending).
  const gone = 'client disconnects mid-body'
  checked.push(gone)
  {
    const scope = checkScope(
      {
        method: 'POST',
        path: '/',
        headers: [['content-type', 'application/json']],
        body: '{"partial":',
      },
      state,
      httpVersion,
    )
    let calls = 0
    let sendsAfter = 0
    const receive = async (): Promise<ReceiveEvent> => {
      calls++
      return calls === 1
        ? { type: 'http.request', body: utf8.encode('{"partial":'), moreBody: true }
        : { type: 'http.disconnect' }
    }
    const send = async () => {
      sendsAfter++
      throw new ClientDisconnectedError()
    }
    const run = await settles(
      Promise.resolve().then(() => app(scope, receive, send)),
      settleMs,
    )
    if (!run.settled)
      add(
        gone,
        'ignores-disconnect',
        `the app did not settle within ${settleMs} ms after http.disconnect`,
      )
    else if (sendsAfter > 2)
      add(
        gone,
        'ignores-disconnect',
        `the app kept sending after the disconnect (${sendsAfter} sends)`,
      )
  }

  await lifespanRun?.shutdown()
  return { passed: violations.length === 0, violations, checked }
}
