/**
 * What `toFetch().close()` waits for, and for how long: the requests and sessions in flight,
 * until they are done or the graceful-shutdown deadline passes, when the rest are cut.
 *
 * @module
 */
import { FetchAdapterError, FetchAdapterErrorCode } from './errors.ts'

/** Seconds `close()` gives in-flight work by default: the reference server's default. */
export const DEFAULT_GRACEFUL_SHUTDOWN = 25

/** Checks `timeoutGracefulShutdown` (seconds, `Infinity` for no limit); returns milliseconds. */
export function gracefulShutdownMs(value: unknown): number {
  if (value === undefined) return DEFAULT_GRACEFUL_SHUTDOWN * 1000
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0)
    throw new FetchAdapterError(
      FetchAdapterErrorCode.option,
      `toFetch: timeoutGracefulShutdown must be a number of seconds >= 0 (or Infinity), got ${typeof value === 'number' ? value : typeof value}`,
    )
  return value * 1000
}

/**
 * The requests in flight, each by the function that cuts it short. A `Set` of functions, not
 * of promises: adding and deleting one is the whole cost per request.
 */
export class InFlight {
  private readonly cuts = new Set<() => void>()
  private idle: (() => void) | null = null

  /** Registers a request until {@link delete}; `cut` ends it at the deadline. */
  add(cut: () => void): void {
    this.cuts.add(cut)
  }

  /** The request is done (its app returned, or it was cut). */
  delete(cut: () => void): void {
    this.cuts.delete(cut)
    if (this.cuts.size === 0) this.idle?.()
  }

  /** Resolves once nothing is in flight, including requests that began while waiting. */
  drained(): Promise<void> {
    if (this.cuts.size === 0) return Promise.resolve()
    return new Promise((resolve) => {
      this.idle = () => {
        this.idle = null
        resolve()
      }
    })
  }

  /** Cuts every request still in flight. */
  cutAll(): void {
    for (const cut of [...this.cuts]) cut()
  }
}

/**
 * Resolves `true` once `work` settled, or `false` when `ms` passed first (the timer does not
 * keep the process alive past `work`).
 */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  // setTimeout fires at once past 2^31 - 1 ms: a longer wait is no limit at all.
  if (ms > 0x7fffffff) {
    await work
    return true
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([work.then(() => true as const), late])
  } finally {
    clearTimeout(timer)
  }
}
