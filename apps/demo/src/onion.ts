/**
 * The seed's two global middlewares: each logs on the way in and on the way out, so the log
 * shows the onion order around every request.
 *
 * @module
 */
import type { Middleware } from '@tsgi/framework'

/** Where the onion lines go (stdout by default; tests read it from the process output). */
export const onionLog = (line: string) => process.stdout.write(`${line}\n`)

/** A middleware named `name` that logs `name> METHOD path` before and `name< status` after. */
export function onion(name: string): Middleware {
  return async (req, next) => {
    onionLog(`${name}> ${req.method} ${req.path}`)
    const res = await next()
    onionLog(`${name}< ${res.status}`)
    return res
  }
}
