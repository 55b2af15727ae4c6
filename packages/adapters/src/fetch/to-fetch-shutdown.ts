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

/** A request in flight, as `close()` sees it. */
export interface Cuttable {
  /** Ends it now: the graceful-shutdown deadline passed. */
  cut(): void
}

/**
 * The requests in flight. The request objects themselves, not promises: adding and deleting
 * one is the whole cost per request.
 */
export class InFlight {
  private readonly cuts = new Set<Cuttable>()
  private idle: (() => void) | null = null

  /** Registers a request until {@link delete}; its `cut()` ends it at the deadline. */
  add(work: Cuttable): void {
    this.cuts.add(work)
  }

  /** The request is done (its app returned, or it was cut). */
  delete(work: Cuttable): void {
    this.cuts.delete(work)
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
    for (const work of [...this.cuts]) work.cut()
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
