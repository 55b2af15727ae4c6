/**
 * `@tsgi/protocol/conformance`: the TSGI conformance suite. `runServerSuite` checks a server
 * (started from a command template) over real sockets; `checkApp` checks an application with a
 * strict in-memory server double. The `tsgi-conformance` binary runs both.
 *
 * @module
 */

export { appPath } from './apps/index.ts'
export {
  type AppCheckOptions,
  type AppCheckReport,
  type AppViolation,
  type CheckHttpVersion,
  type CheckRequest,
  checkApp,
} from './check-app.ts'
export type { H2Client, H2ClientOptions } from './h2-client.ts'
export { fillTemplate, type RunningServer, startServer } from './harness.ts'
export { formatReport, formatResult, jsonReport } from './report.ts'
export {
  type LevelCounts,
  runServerSuite,
  type ServerSuiteOptions,
  type SuiteReport,
  selectCases,
} from './runner.ts'
export type {
  AppName,
  Case,
  CaseContext,
  CaseResult,
  FailureKind,
  Feature,
  Http2Mode,
  Level,
  Transport,
} from './types.ts'
export { CaseSkipped, ConformanceFailure } from './types.ts'
