/**
 * `waitUntil()` bookkeeping and the lifespan unit of a `fromFetch` application: startup
 * completes, shutdown awaits every pending `waitUntil()` promise, then completes.
 *
 * @module
 */
import type { Receive, Send, State } from '@tsgi/protocol'

/** Promises handed to `waitUntil()` that have not settled yet. */
export class PendingTasks {
  private readonly pending = new Set<Promise<unknown>>()
  private readonly onError: (error: unknown) => void

  constructor(onError: (error: unknown) => void) {
    this.onError = onError
  }

  /** Tracks `promise` until it settles; a rejection goes to `onError`, never unhandled. */
  add(promise: Promise<unknown>): void {
    const tracked: Promise<unknown> = Promise.resolve(promise).then(
      () => this.pending.delete(tracked),
      (error: unknown) => {
        this.pending.delete(tracked)
        this.onError(error)
      },
    )
    this.pending.add(tracked)
  }

  /** How many promises are pending. */
  get size(): number {
    return this.pending.size
  }

  /** Resolves once nothing is pending, including promises added while waiting. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending)
  }
}

/** Hooks run by the lifespan unit. */
export interface LifespanHooks {
  /** Runs at startup; may fill `state` (it reaches every request as `context.state`). */
  onStartup?: (state: State) => void | Promise<void>
  /** Runs at shutdown, after the pending `waitUntil()` promises settled. */
  onShutdown?: (state: State) => void | Promise<void>
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Answers the lifespan unit. */
export async function runLifespan(
  state: State,
  receive: Receive,
  send: Send,
  tasks: PendingTasks,
  hooks: LifespanHooks,
): Promise<void> {
  for (;;) {
    const event = await receive()
    if (event.type === 'lifespan.startup') {
      try {
        await hooks.onStartup?.(state)
      } catch (error) {
        await send({ type: 'lifespan.startup.failed', message: messageOf(error) })
        return
      }
      await send({ type: 'lifespan.startup.complete' })
    } else if (event.type === 'lifespan.shutdown') {
      await tasks.drain()
      try {
        await hooks.onShutdown?.(state)
      } catch (error) {
        await send({ type: 'lifespan.shutdown.failed', message: messageOf(error) })
        return
      }
      await send({ type: 'lifespan.shutdown.complete' })
      return
    }
  }
}
