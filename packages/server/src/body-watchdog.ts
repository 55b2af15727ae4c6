/**
 * The request-body timeout, for every exchange of a server at once. A timer per request costs
 * a timer-list insert and removal on every POST (the largest single cost in the profile of a
 * small JSON echo); one sweep over the exchanges currently waiting for body bytes does not.
 * The deadline is honoured to within a quarter of the timeout (at most one second).
 *
 * @module
 */

/** An exchange that may wait for body bytes. */
export interface BodyWaiter {
  /** When the current wait began (`performance.now()`), set by the watchdog. */
  bodyWaitStart: number
  /** The wait lasted longer than the timeout. */
  onBodyTimeout(): void
}

/** Watches the exchanges waiting for body bytes and times out the slow ones. */
export class BodyWatchdog {
  private readonly waiting = new Set<BodyWaiter>()
  private readonly timeoutMs: number
  private timer: NodeJS.Timeout | null = null

  /** `timeoutSeconds` 0 disables the timeout. */
  constructor(timeoutSeconds: number) {
    this.timeoutMs = timeoutSeconds * 1000
  }

  /** `waiter` starts waiting for body bytes. */
  watch(waiter: BodyWaiter): void {
    if (this.timeoutMs <= 0) return
    waiter.bodyWaitStart = performance.now()
    this.waiting.add(waiter)
    if (this.timer === null) {
      const every = Math.max(50, Math.min(1000, this.timeoutMs / 4))
      this.timer = setInterval(() => this.sweep(), every)
      this.timer.unref()
    }
  }

  /** `waiter` got its bytes, or is gone. */
  unwatch(waiter: BodyWaiter): void {
    this.waiting.delete(waiter)
  }

  private sweep(): void {
    const now = performance.now()
    for (const waiter of this.waiting) {
      if (now - waiter.bodyWaitStart < this.timeoutMs) continue
      this.waiting.delete(waiter)
      waiter.onBodyTimeout()
    }
    if (this.waiting.size === 0 && this.timer !== null) {
      clearInterval(this.timer)
      this.timer = null
    }
  }
}
