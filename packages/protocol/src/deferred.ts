/** A promise with its resolve and reject at hand. */
export interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(error: unknown): void
  settled: boolean
}

/** Creates a {@link Deferred}. Its promise never counts as an unhandled rejection. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => {})
  const d: Deferred<T> = {
    promise,
    settled: false,
    resolve(value) {
      d.settled = true
      resolve(value)
    },
    reject(error) {
      d.settled = true
      reject(error)
    },
  }
  return d
}
