/**
 * The request-body timeout, for every exchange of a server at once. A timer per request costs
 * a timer-list insert and removal on every POST (the largest single cost in the profile of a
 * small JSON echo); one sweep over the exchanges currently waiting for body bytes does not.
 * The deadline is honoured to within a quarter of the timeout (at most one second).
 *
 * @module
 */

/** An exchange that may wait for body bytes. Its `watch*` fields belong to the watchdog. */
export interface BodyWaiter {
  /** When the current wait began (`performance.now()`). */
  watchStart: number
  /** Neighbours in the watchdog's list of waiters. */
  watchPrev: BodyWaiter | null
  watchNext: BodyWaiter | null
  /** Whether the waiter is in the list. */
  watched: boolean
  /** The wait lasted longer than the timeout. */
  onBodyTimeout(): void
}

/**
 * Watches the exchanges waiting for body bytes and times out the slow ones. The waiters form
 * an intrusive doubly linked list: adding and removing are a few field writes (a Set's hashing
 * showed in the profile of a small POST).
 */
export class BodyWatchdog {
  private head: BodyWaiter | null = null
  private count = 0
  private readonly timeoutMs: number
  private timer: NodeJS.Timeout | null = null

  /** `timeoutSeconds` 0 disables the timeout. */
  constructor(timeoutSeconds: number) {
    this.timeoutMs = timeoutSeconds * 1000
  }

  /** How many exchanges are waiting. */
  get size(): number {
    return this.count
  }

  /** `waiter` starts waiting for body bytes. */
  watch(waiter: BodyWaiter): void {
    if (this.timeoutMs <= 0) return
    waiter.watchStart = performance.now()
    if (!waiter.watched) {
      waiter.watched = true
      waiter.watchPrev = null
      waiter.watchNext = this.head
      if (this.head !== null) this.head.watchPrev = waiter
      this.head = waiter
      this.count++
    }
    if (this.timer === null) {
      const every = Math.max(50, Math.min(1000, this.timeoutMs / 4))
      this.timer = setInterval(() => this.sweep(), every)
      this.timer.unref()
    }
  }

  /** `waiter` got its bytes, or is gone. */
  unwatch(waiter: BodyWaiter): void {
    if (!waiter.watched) return
    waiter.watched = false
    const prev = waiter.watchPrev
    const next = waiter.watchNext
    if (prev === null) this.head = next
    else prev.watchNext = next
    if (next !== null) next.watchPrev = prev
    waiter.watchPrev = null
    waiter.watchNext = null
    this.count--
  }

  private sweep(): void {
    const now = performance.now()
    let waiter = this.head
    while (waiter !== null) {
      const next = waiter.watchNext
      if (now - waiter.watchStart >= this.timeoutMs) {
        this.unwatch(waiter)
        waiter.onBodyTimeout()
      }
      waiter = next
    }
    if (this.count === 0 && this.timer !== null) {
      clearInterval(this.timer)
      this.timer = null
    }
  }
}
