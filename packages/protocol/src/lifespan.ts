/**
 * The `lifespan` scope: startup and shutdown of the server process.
 *
 * @module
 */
import type { State, TsgiVersion } from './common.ts'

/** The scope of the server's lifespan. The application is called with it once, at startup. */
export interface LifespanScope<S extends State = State> {
  /** Discriminant. */
  type: 'lifespan'
  /** Contract version. */
  tsgi: TsgiVersion
  /** Empty at startup; whatever the application puts here is copied into every request scope. */
  state: S
}

/** The server is starting: do setup, then send `lifespan.startup.complete` or `.failed`. */
export interface LifespanStartupEvent {
  type: 'lifespan.startup'
}

/** The server is stopping (connections are drained): clean up, then send `.complete` or `.failed`. */
export interface LifespanShutdownEvent {
  type: 'lifespan.shutdown'
}

/** Startup succeeded; the server may start accepting connections. */
export interface LifespanStartupCompleteEvent {
  type: 'lifespan.startup.complete'
}

/** Startup failed; the server logs `message` and exits non-zero without serving. */
export interface LifespanStartupFailedEvent {
  type: 'lifespan.startup.failed'
  /** Why startup failed. Defaults to `''`. */
  message?: string
}

/** Shutdown cleanup finished. */
export interface LifespanShutdownCompleteEvent {
  type: 'lifespan.shutdown.complete'
}

/** Shutdown cleanup failed; the server logs `message` and exits non-zero. */
export interface LifespanShutdownFailedEvent {
  type: 'lifespan.shutdown.failed'
  /** Why shutdown failed. Defaults to `''`. */
  message?: string
}

/** Events an application receives in a `lifespan` scope. */
export type LifespanIncomingEvent = LifespanStartupEvent | LifespanShutdownEvent

/** Events an application sends in a `lifespan` scope. */
export type LifespanOutgoingEvent =
  | LifespanStartupCompleteEvent
  | LifespanStartupFailedEvent
  | LifespanShutdownCompleteEvent
  | LifespanShutdownFailedEvent
