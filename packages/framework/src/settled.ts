/**
 * Recognising a promise already known to be fulfilled, to skip a `.then` on it. A server's
 * `send()` that did not have to wait may return one shared, settled promise (the reference
 * server does); a fulfilled promise stays fulfilled, so once one is seen fulfilled the same
 * object can be passed on as is: no derived promise, no reaction, no microtask per response.
 * Only a few promises are probed, so a server that returns a fresh promise per call pays for
 * a probe once in a thousand requests, not per request.
 *
 * @module
 */

let fulfilled: Promise<unknown> | null = null
let misses = 0
/** Probe the first few unknown promises, then one in 1024 (another server in the process). */
const PROBES = 8
const ignore = (): void => {}

/** Whether `promise` is known to be fulfilled (is the one seen fulfilled before). */
export function knownFulfilled(promise: Promise<unknown>): boolean {
  if (promise === fulfilled) return true
  misses++
  if (misses <= PROBES || (misses & 1023) === 0) {
    promise.then(() => {
      fulfilled = promise
    }, ignore)
  }
  return false
}

/** Whether `promise` is the one already seen fulfilled (no probe: for a promise just checked). */
export function isKnownFulfilled(promise: Promise<unknown>): boolean {
  return promise === fulfilled
}
