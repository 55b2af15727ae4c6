/**
 * The ordering rules of the lifespan protocol (SPEC.md §7), shared by servers and test clients.
 *
 * @module
 */
import type { SendEvent } from './application.ts'
import { InvalidEventError, UnexpectedEventError } from './errors.ts'
import { validateSendEvent } from './validate.ts'

/**
 * Where the lifespan is: `idle` (startup not delivered yet), `starting`, `started`, `stopping`,
 * `stopped`, or `failed` (startup failed).
 */
export type LifespanPhase = 'idle' | 'starting' | 'started' | 'stopping' | 'stopped' | 'failed'

/**
 * Tracks the lifespan from the application's side. The server calls {@link delivered} when
 * `receive()` hands out `lifespan.startup` or `lifespan.shutdown`, and {@link accept} for each
 * event the application sends. Completing a phase twice, or one that was not started, throws.
 */
export class LifespanTracker {
  /** Current phase. */
  phase: LifespanPhase = 'idle'
  /** The message of a `.failed` event, once one was sent. */
  failure: string | null = null

  /** Notes that the server delivered `lifespan.startup` or `lifespan.shutdown`. */
  delivered(type: 'lifespan.startup' | 'lifespan.shutdown'): void {
    this.phase = type === 'lifespan.startup' ? 'starting' : 'stopping'
  }

  /** Records `event`, or throws `InvalidEventError` / `UnexpectedEventError`. */
  accept(event: SendEvent): void {
    const error = validateSendEvent(event, { scopeType: 'lifespan' })
    if (error) throw error
    switch (event.type) {
      case 'lifespan.startup.complete':
      case 'lifespan.startup.failed':
        if (this.phase !== 'starting')
          throw this.unexpected(
            event.type,
            this.phase === 'idle'
              ? 'before lifespan.startup was received'
              : 'twice, or after startup ended',
          )
        this.settle(event.type === 'lifespan.startup.complete' ? 'started' : 'failed', event)
        return
      case 'lifespan.shutdown.complete':
      case 'lifespan.shutdown.failed':
        if (this.phase !== 'stopping')
          throw this.unexpected(
            event.type,
            this.phase === 'stopped' ? 'twice' : 'before lifespan.shutdown was received',
          )
        this.settle('stopped', event)
        return
      default:
        throw new InvalidEventError(
          event.type,
          'type',
          'belongs to another scope type, not lifespan',
        )
    }
  }

  private settle(phase: LifespanPhase, event: SendEvent): void {
    this.phase = phase
    if (event.type === 'lifespan.startup.failed' || event.type === 'lifespan.shutdown.failed') {
      this.failure = event.message ?? ''
    }
  }

  private unexpected(type: string, reason: string): UnexpectedEventError {
    return new UnexpectedEventError(type, this.phase, reason)
  }
}
