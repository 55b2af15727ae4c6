import { checkApp } from '@tsgi/protocol/conformance'
import { tinyFramework } from './mini-framework.ts'

// In a framework's test suite: the strict server double finds every protocol violation.
export async function main(): Promise<unknown> {
  const app = tinyFramework({ 'GET /': () => ({ ok: true }), 'POST /': () => ({ posted: true }) })
  const report = await checkApp(app, { settleMs: 500 })
  return { passed: report.passed, violations: report.violations }
}
