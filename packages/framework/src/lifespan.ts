/**
 * The framework's side of the lifespan protocol: ordered startup hooks, shutdown hooks in
 * reverse order, and failures reported with their message so the server can refuse to start.
 *
 * @module
 */
import type { Receive, Send, State } from '@tsgi/protocol'

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Runs the lifespan protocol for the hooks. `check` validates the app before startup hooks run. */
export async function runLifespan<S extends State>(
  state: S,
  receive: Receive,
  send: Send,
  startup: ReadonlyArray<(state: S) => unknown>,
  shutdown: ReadonlyArray<(state: S) => unknown>,
  check: () => void,
): Promise<void> {
  for (;;) {
    const event = await receive()
    if (event.type === 'lifespan.startup') {
      try {
        check()
        for (const hook of startup) await hook(state)
      } catch (error) {
        await send({ type: 'lifespan.startup.failed', message: message(error) })
        return
      }
      await send({ type: 'lifespan.startup.complete' })
    } else if (event.type === 'lifespan.shutdown') {
      try {
        for (let i = shutdown.length - 1; i >= 0; i--) await shutdown[i]!(state)
      } catch (error) {
        await send({ type: 'lifespan.shutdown.failed', message: message(error) })
        return
      }
      await send({ type: 'lifespan.shutdown.complete' })
      return
    }
  }
}
