import { describe, expect, test } from 'vitest'
import { ALLOWED, MAX_FAILURES, runExpressSuite } from './express-suite.ts'

const dir = process.env.EXPRESS_DIR

describe.skipIf(dir === undefined)('Express own suite (set EXPRESS_DIR to a 5.x checkout)', () => {
  test('passes through createRequestListener(fromNodeListener(app)) but for the allow-list', async () => {
    const result = await runExpressSuite(dir as string)
    expect(result.timedOut).toBe(false)
    // The preload really wrapped the apps: a pass without wrapping would prove nothing.
    expect(result.wrapped).toBeGreaterThan(1000)
    expect(result.tests).toBeGreaterThan(1200)
    expect(result.passes + result.failures.length + result.pending).toBe(result.tests)
    // Every failure is a documented spec difference, and there are no more than the list holds.
    expect(result.failures.filter((f) => f.reason === null)).toEqual([])
    expect(result.failures.length).toBeLessThanOrEqual(MAX_FAILURES)
    expect(ALLOWED.length).toBeGreaterThan(0)
  }, 240_000)
})
