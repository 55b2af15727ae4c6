/**
 * A bounded wait on an application's promise, telling "settled (maybe with an error)" from
 * "still running". `checkApp` and its lifespan double both judge an app by it, so it lives
 * in a module of its own rather than in either.
 *
 * @module
 */

/** Waits up to `ms` for `p`: whether it settled, and its rejection if it rejected. */
export async function settles(
  p: Promise<unknown>,
  ms: number,
): Promise<{ settled: boolean; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined
  const result = await Promise.race([
    p.then(
      () => ({ settled: true }),
      (error: unknown) => ({ settled: true, error }),
    ),
    new Promise<{ settled: boolean }>((r) => {
      timer = setTimeout(() => r({ settled: false }), ms)
    }),
  ])
  clearTimeout(timer)
  return result
}
