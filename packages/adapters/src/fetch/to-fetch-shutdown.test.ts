import { afterEach, describe, expect, it, vi } from 'vitest'
import { gracefulShutdownMs, within } from './to-fetch-shutdown.ts'

describe('within', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('is false once the time passed, true when the work settled first', async () => {
    vi.useFakeTimers()
    const late = within(new Promise(() => {}), 1000)
    vi.advanceTimersByTime(1000)
    expect(await late).toBe(false)
    expect(await within(Promise.resolve(), 1000)).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('sets no timer for Infinity or a wait past what setTimeout holds (it would fire at once)', () => {
    vi.useFakeTimers()
    void within(new Promise(() => {}), Number.POSITIVE_INFINITY)
    void within(new Promise(() => {}), gracefulShutdownMs(1e7))
    expect(vi.getTimerCount()).toBe(0)
  })
})
