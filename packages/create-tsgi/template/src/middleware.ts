/** Middleware: `(req, next) => response`, wrapped around the routes like an onion. */
import type { Middleware } from '@tsgi/framework'

/** Says how long the app took, in a `server-timing` header browsers' dev tools show. */
export const serverTiming: Middleware = async (_req, next) => {
  const start = performance.now()
  const res = await next()
  res.headers.set('server-timing', `app;dur=${(performance.now() - start).toFixed(1)}`)
  return res
}
