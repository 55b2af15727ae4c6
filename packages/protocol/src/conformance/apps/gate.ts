/**
 * The startup gate of the lifespan test apps: with `TSGI_CONFORMANCE_STARTUP_GATE=<dir>` in the
 * environment, lifespan startup writes `<dir>/started` and goes on only once `<dir>/go` exists,
 * so the suite can check what the server does while startup runs, whatever the machine's speed.
 *
 * @module
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Resolves at once without a gate; else once `<dir>/go` exists (polled: files have no event). */
export function startupGate(): Promise<void> {
  const dir = process.env.TSGI_CONFORMANCE_STARTUP_GATE
  if (!dir) return Promise.resolve()
  writeFileSync(join(dir, 'started'), String(process.pid))
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (!existsSync(join(dir, 'go'))) return
      clearInterval(timer)
      resolve()
    }, 10)
  })
}
