/**
 * `checkApp`'s lifespan double (SPEC.md §4): runs the app's lifespan scope, feeds it
 * `lifespan.startup` and later `lifespan.shutdown`, and has every answer checked by the
 * {@link LifespanTracker}, reporting misuse instead of stopping. An app that throws or returns
 * without answering has no lifespan (allowed). It is a server double of its own, with its own
 * inbox and wake-up, so it is kept apart from the HTTP exchanges of check-app.ts.
 *
 * @module
 */
import type { Application, ReceiveEvent, SendEvent } from '../application.ts'
import { LifespanTracker } from '../lifespan-tracker.ts'
import { TSGI_VERSION } from '../version.ts'
import { settles } from './settles.ts'

/** A lifespan whose startup was answered. */
export interface StartedLifespan {
  /** The lifespan scope's `state` after startup: each request's scope gets a copy. */
  state: Record<string, unknown>
  /** Sends `lifespan.shutdown` and reports it if it is not answered. */
  shutdown(): Promise<void>
}

/**
 * Starts the app's lifespan; `violation` gets the message of each misuse. Null when the app
 * settled without answering the startup (it has no lifespan).
 */
export async function startLifespan(
  app: Application,
  settleMs: number,
  violation: (message: string) => void,
): Promise<StartedLifespan | null> {
  const tracker = new LifespanTracker()
  const inbox: ReceiveEvent[] = [{ type: 'lifespan.startup' }]
  let wake: (() => void) | null = null
  let answered: (() => void) | null = null
  const scope = {
    type: 'lifespan' as const,
    tsgi: TSGI_VERSION,
    state: {} as Record<string, unknown>,
  }
  const receive = () =>
    new Promise<ReceiveEvent>((resolve) => {
      const take = () => {
        const e = inbox.shift()!
        tracker.delivered(e.type as 'lifespan.startup')
        resolve(e)
      }
      if (inbox.length > 0) take()
      else wake = take
    })
  const send = async (event: SendEvent) => {
    try {
      tracker.accept(event)
    } catch (error) {
      violation((error as Error).message)
      throw error
    }
    answered?.()
  }
  const answer = () =>
    new Promise<void>((resolve) => {
      answered = () => {
        answered = null
        resolve()
      }
    })
  const startupAnswered = answer()
  const running = Promise.resolve().then(() => app(scope, receive, send))
  const first = await Promise.race([
    startupAnswered.then(() => 'answered'),
    settles(running, settleMs).then(() => 'settled'),
  ])
  if (first !== 'answered') return null
  if (tracker.phase === 'failed') violation(`startup failed: ${tracker.failure}`)
  return {
    state: scope.state,
    async shutdown() {
      const done = answer()
      inbox.push({ type: 'lifespan.shutdown' })
      const w = wake
      wake = null
      w?.()
      const r = await Promise.race([
        done.then(() => true),
        settles(running, settleMs).then(() => false),
      ])
      if (!r || tracker.phase !== 'stopped') violation('lifespan.shutdown was not answered')
    },
  }
}
