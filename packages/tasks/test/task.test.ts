/** Task definitions, backoff and retry decisions. */
import { describe, expect, test } from 'vitest'
import { backoffDelay, defineTask, NonRetryableError, TaskTimeoutError } from '../src/index.ts'
import { nextAttempt } from '../src/task.ts'

describe('defineTask', () => {
  test('defaults: 3 attempts, exponential backoff with jitter, no timeout', () => {
    const t = defineTask('t', () => 1)
    expect(t.options.attempts).toBe(3)
    expect(t.options.timeout).toBe(0)
    expect(t.options.backoff).toEqual({
      type: 'exponential',
      delay: 1000,
      max: 3_600_000,
      jitter: 0.2,
    })
    expect(Object.isFrozen(t)).toBe(true)
  })
  test.each([
    ['', {}, /non-empty name/],
    ['t', { attempts: 0 }, /attempts must be an integer >= 1/],
    ['t', { attempts: 1.5 }, /attempts must be an integer >= 1/],
    ['t', { timeout: -1 }, /timeout must be >= 0/],
  ])('%j %j is refused', (name, options, message) => {
    expect(() => defineTask(name, () => 1, options)).toThrow(message)
  })
})

describe('backoff', () => {
  test('fixed, exponential (capped), jittered, custom', () => {
    expect(backoffDelay({ type: 'fixed', delay: 500 }, 3, null)).toBe(500)
    expect(
      [1, 2, 3, 4].map((a) => backoffDelay({ type: 'exponential', delay: 100 }, a, null)),
    ).toEqual([100, 200, 400, 800])
    expect(backoffDelay({ type: 'exponential', delay: 100, max: 250 }, 5, null)).toBe(250)
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay({ type: 'exponential', delay: 1000, jitter: 0.5 }, 1, null)
      expect(d).toBeGreaterThanOrEqual(500)
      expect(d).toBeLessThanOrEqual(1500)
    }
    expect(backoffDelay((attempt, error) => attempt * 10 + (error as number), 2, 5)).toBe(25)
    expect(backoffDelay(() => -5, 1, null)).toBe(0)
    expect(backoffDelay(() => Number.NaN, 1, null)).toBe(0)
  })

  test('nextAttempt: retry within attempts; never after NonRetryableError or a refusing retryIf', () => {
    const t = defineTask('t', () => 1, { attempts: 3, backoff: { type: 'fixed', delay: 7 } })
    expect(nextAttempt(t, 1, new Error('x'))).toBe(7)
    expect(nextAttempt(t, 3, new Error('x'))).toBeNull()
    expect(nextAttempt(t, 1, new NonRetryableError('no'))).toBeNull()
    const picky = defineTask('p', () => 1, { retryIf: (e) => e instanceof TaskTimeoutError })
    expect(nextAttempt(picky, 1, new Error('x'))).toBeNull()
    expect(nextAttempt(picky, 1, new TaskTimeoutError('p', 5))).not.toBeNull()
  })
})

describe('queue options', () => {
  test('two tasks with one name, or a bad concurrency, are refused', async () => {
    const { createQueue } = await import('../src/index.ts')
    const a = defineTask('same', () => 1)
    const b = defineTask('same', () => 2)
    expect(() => createQueue({ tasks: [a, b] })).toThrow(/two tasks are named "same"/)
    expect(() => createQueue({ tasks: [a], concurrency: 0 })).toThrow(
      /concurrency must be an integer >= 1/,
    )
  })
})
