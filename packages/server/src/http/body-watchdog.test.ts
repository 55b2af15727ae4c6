import { afterEach, describe, expect, test, vi } from 'vitest'
import { type BodyWaiter, BodyWatchdog } from './body-watchdog.ts'

function waiter(timedOut: string[], name: string): BodyWaiter {
  return {
    watchStart: 0,
    watchPrev: null,
    watchNext: null,
    watched: false,
    onBodyTimeout: () => timedOut.push(name),
  }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('BodyWatchdog', () => {
  test('times out only the waiters still waiting past the deadline, whatever their place in the list', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] })
    const dog = new BodyWatchdog(1)
    const timedOut: string[] = []
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => waiter(timedOut, n)) as [
      BodyWaiter,
      BodyWaiter,
      BodyWaiter,
      BodyWaiter,
    ]
    for (const w of [a, b, c, d]) dog.watch(w)
    dog.watch(b) // watching twice does not list twice
    expect(dog.size).toBe(4)
    dog.unwatch(c) // middle
    dog.unwatch(d) // head
    dog.unwatch(d) // twice is harmless
    expect(dog.size).toBe(2)
    vi.advanceTimersByTime(500)
    expect(timedOut).toEqual([])
    dog.watch(b) // b's wait starts again: its deadline moves
    vi.advanceTimersByTime(750)
    expect(timedOut).toEqual(['a'])
    vi.advanceTimersByTime(1000)
    expect(timedOut).toEqual(['a', 'b'])
    expect(dog.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0) // the sweep stops when nobody waits
  })

  test('a timeout of 0 watches nothing', () => {
    const dog = new BodyWatchdog(0)
    const w = waiter([], 'a')
    dog.watch(w)
    expect(dog.size).toBe(0)
    expect(w.watched).toBe(false)
  })
})
