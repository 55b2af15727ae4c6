/**
 * Runs an application's lifespan (SPEC.md §7) the way a server must: startup before serving,
 * `auto` mode treating a rejected lifespan scope as "no lifespan support", shutdown waiting for
 * completion. Shared by the reference server and the in-memory test client.
 *
 * @module
 */
import type { Application, SendEvent } from './application.ts'
import { callApplication } from './call-application.ts'
import type { State } from './common.ts'
import { type Deferred, deferred } from './deferred.ts'
import { LifespanFailedError, ProtocolError } from './errors.ts'
import type { LifespanIncomingEvent, LifespanScope } from './lifespan.ts'
import { LifespanTracker } from './lifespan-tracker.ts'
import { TSGI_VERSION } from './version.ts'

/**
 * What {@link LifespanRunner.start} makes of an application that rejects the lifespan scope
 * before startup ends. `auto`: it has no lifespan support, and serving goes on without one.
 * `on`: that is an error, and `start` rejects with it. (A server's own setting may add `off`,
 * under which it never calls `start`.)
 */
export type LifespanRunnerMode = 'auto' | 'on'

/**
 * Runs one application's lifespan: {@link start} before serving, {@link stop} after draining.
 *
 * @example
 * ```ts
 * const lifespan = new LifespanRunner()
 * const state = await lifespan.start(app, 'auto') // throws LifespanFailedError on startup.failed
 * // ... serve, giving each scope { ...state } ...
 * await lifespan.stop()
 * ```
 */
export class LifespanRunner {
  /** The state the application filled during startup (copied into each request scope). */
  readonly state: State
  /** Called with an error the application throws after startup completed (for logging). */
  onError: ((error: unknown) => void) | null = null
  /** `true` once startup completed, `false` when the app has no lifespan support. */
  supported: boolean | undefined = undefined
  /** Contract violations the application committed. */
  readonly violations: ProtocolError[] = []
  private readonly tracker = new LifespanTracker()
  private readonly startup = deferred<void>()
  private shutdownDone: Deferred<void> | undefined
  private readonly shutdownAsked = deferred<void>()
  private settled = false
  /** The error the application's lifespan call rejected with, if it did. */
  appError: unknown = undefined

  /** @param state The state object to hand the application (a fresh `{}` by default). */
  constructor(state: State = {}) {
    this.state = state
  }

  /** Calls the application with the lifespan scope and waits for startup to end. */
  async start(app: Application, mode: LifespanRunnerMode): Promise<State> {
    const scope: LifespanScope = { type: 'lifespan', tsgi: TSGI_VERSION, state: this.state }
    let delivered = 0
    const receive = async (): Promise<LifespanIncomingEvent> => {
      if (delivered++ === 0) {
        this.tracker.delivered('lifespan.startup')
        return { type: 'lifespan.startup' }
      }
      await this.shutdownAsked.promise
      this.tracker.delivered('lifespan.shutdown')
      return { type: 'lifespan.shutdown' }
    }
    const send = async (event: SendEvent): Promise<void> => {
      try {
        this.tracker.accept(event)
      } catch (error) {
        if (error instanceof ProtocolError) this.violations.push(error)
        throw error
      }
      if (event.type === 'lifespan.startup.complete') this.startup.resolve()
      else if (event.type === 'lifespan.startup.failed')
        this.startup.reject(new LifespanFailedError('startup', this.tracker.failure ?? ''))
      else if (event.type === 'lifespan.shutdown.complete') this.shutdownDone?.resolve()
      else if (event.type === 'lifespan.shutdown.failed')
        this.shutdownDone?.reject(new LifespanFailedError('shutdown', this.tracker.failure ?? ''))
    }
    callApplication(
      app,
      scope,
      receive,
      send,
      () => this.settle(undefined, mode),
      (error) => this.settle(error, mode),
    )
    await this.startup.promise
    if (this.supported === undefined) this.supported = true
    return this.state
  }

  /** Sends `lifespan.shutdown` and waits for the application to finish it. */
  async stop(): Promise<void> {
    if (!this.supported || this.settled) {
      if (this.appError !== undefined && this.supported) throw this.appError
      return
    }
    this.shutdownDone = deferred()
    this.shutdownAsked.resolve()
    await this.shutdownDone.promise
  }

  private settle(error: unknown, mode: LifespanRunnerMode): void {
    this.settled = true
    this.appError = error
    const phase = this.tracker.phase
    if (phase === 'starting' || phase === 'idle') {
      if (error !== undefined && mode === 'on') {
        this.startup.reject(error)
      } else {
        // No lifespan support (the app rejected the scope, or returned): serve without one.
        this.supported = false
        this.startup.resolve()
      }
    } else if (phase === 'started' && error !== undefined) {
      this.onError?.(error)
    } else if (phase === 'stopping') {
      if (error !== undefined) this.shutdownDone?.reject(error)
      else this.shutdownDone?.resolve()
    }
  }
}
