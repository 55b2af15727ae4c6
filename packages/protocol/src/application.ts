/**
 * The application callable and the unions that tie scopes and events together.
 *
 * @module
 */
import type { State } from './common.ts'
import type { HTTPIncomingEvent, HTTPOutgoingEvent, HTTPScope } from './http.ts'
import type { LifespanIncomingEvent, LifespanOutgoingEvent, LifespanScope } from './lifespan.ts'
import type { WebSocketIncomingEvent, WebSocketOutgoingEvent, WebSocketScope } from './websocket.ts'

/** Any scope. Narrow on `scope.type`. */
export type Scope<S extends State = State> = HTTPScope<S> | WebSocketScope<S> | LifespanScope<S>

/** The scope types defined by TSGI 1.0. */
export type ScopeType = Scope['type']

/** Any event an application can receive. Narrow on `event.type`. */
export type ReceiveEvent = HTTPIncomingEvent | WebSocketIncomingEvent | LifespanIncomingEvent

/** Any event an application can send. Narrow on `event.type`. */
export type SendEvent = HTTPOutgoingEvent | WebSocketOutgoingEvent | LifespanOutgoingEvent

/** Every `type` string of an event an application can send. */
export type SendEventType = SendEvent['type']

/** Every `type` string of an event an application can receive. */
export type ReceiveEventType = ReceiveEvent['type']

/**
 * Waits for the next event from the server. Never rejects for ordinary conditions: a client
 * that went away is reported as an `http.disconnect` or `websocket.disconnect` event.
 */
export type Receive<E extends ReceiveEvent = ReceiveEvent> = () => Promise<E>

/**
 * Hands an event to the server. Resolves once the data is handed to the transport and the
 * transport is below its high-water mark (backpressure). Rejects with `ClientDisconnectedError`
 * once the client is gone, and with `InvalidEventError` or `UnexpectedEventError` when the event
 * breaks the contract.
 */
export type Send<E extends SendEvent = SendEvent> = (event: E) => Promise<void>

/**
 * A TSGI application: called once per connection-level unit (one HTTP request, one WebSocket
 * session, or the server's lifespan). The returned promise settles when the unit is done.
 * An application that does not support a scope type must reject (see `UnsupportedScopeError`).
 *
 * `S` types `scope.state`. An `Application<MyState>` is accepted wherever an `Application` is
 * (servers do not look into state), so the parameter is declared bivariantly.
 */
export type Application<S extends State = State> = {
  bivariant(scope: Scope<S>, receive: Receive, send: Send): Promise<void>
}['bivariant']

/** The scope type, receive event and send event of each kind of scope, for generic code. */
export interface ScopeEvents {
  http: { scope: HTTPScope; receive: HTTPIncomingEvent; send: HTTPOutgoingEvent }
  websocket: {
    scope: WebSocketScope
    receive: WebSocketIncomingEvent
    send: WebSocketOutgoingEvent
  }
  lifespan: { scope: LifespanScope; receive: LifespanIncomingEvent; send: LifespanOutgoingEvent }
}
