/**
 * Helpers of the fetch adapter tests: a server on a free port with a recording logger, waiting
 * on a condition instead of a time, and a deferred.
 */
import type { Application } from '@tsgi/protocol'
import { type Logger, type ServerHandle, type ServerOptions, serve } from '@tsgi/server'

/** How long a wait may take before the test fails (generous: the machine is shared). */
export const DEADLINE = 10_000

/** A logger that keeps error lines. */
export interface RecordingLogger extends Logger {
  errors: Array<{ message: string; error?: unknown }>
}

export function recordingLogger(): RecordingLogger {
  const errors: RecordingLogger['errors'] = []
  return {
    errors,
    enabled: () => true,
    error: (message, error) => errors.push({ message, error }),
    warn: () => {},
    info: () => {},
    debug: () => {},
    access: () => {},
  }
}

/** A running test server. */
export interface TestServer extends ServerHandle {
  logger: RecordingLogger
}

/** Serves `app` on 127.0.0.1, a free port, lifespan `auto`. */
export async function startServer(app: Application, options: ServerOptions = {}) {
  const logger = recordingLogger()
  const handle = await serve(app, { host: '127.0.0.1', port: 0, logger, ...options })
  return Object.assign(handle, { logger }) as TestServer
}

/** Resolves once `condition()` holds; rejects after {@link DEADLINE}. */
export async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  const end = Date.now() + DEADLINE
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

/** A promise with its resolve function. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}
