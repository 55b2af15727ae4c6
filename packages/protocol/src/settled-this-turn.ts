/**
 * Telling a body that is already there from one that is still coming, without waiting for it:
 * a framework or adapter that turns a web `Response` into TSGI events sends a body that is one
 * chunk (a string, bytes, a stream enqueued at once) with the start in one go, and streams the
 * rest. Shared by `@tsgi/framework` (a handler's web `Response`) and `@tsgi/adapters`
 * (`fromFetch`).
 *
 * @module
 */

/** What {@link settledThisTurn} resolves with when the promise had not settled in time. */
export const NOT_SETTLED: unique symbol = Symbol('tsgi.notSettled')

/**
 * `promise`'s value if it settles before the event loop's next turn (a `setImmediate`), else
 * {@link NOT_SETTLED}, with `promise` still running (await it again for its value). A rejection
 * in time rejects; a later rejection is left to whoever awaits `promise` next.
 *
 * @example
 * ```ts
 * const first = await settledThisTurn(reader.read())
 * if (first === NOT_SETTLED) streamTheBody()
 * ```
 */
export function settledThisTurn<T>(promise: Promise<T>): Promise<T | typeof NOT_SETTLED> {
  return new Promise((resolve, reject) => {
    const timer = setImmediate(resolve, NOT_SETTLED)
    promise.then(
      (value) => {
        clearImmediate(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearImmediate(timer)
        reject(error)
      },
    )
  })
}
