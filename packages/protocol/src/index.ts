/**
 * `@tsgi/protocol`: the TSGI 1.0 contract between Node.js servers and applications.
 * Types of every scope and event, runtime validators, the errors of the contract, the ordering
 * rules as shared state machines, and small header/status helpers. Zero runtime dependencies.
 *
 * The in-memory test client is in `@tsgi/protocol/testing`.
 *
 * @module
 */
export type {
  Application,
  Receive,
  ReceiveEvent,
  ReceiveEventType,
  Scope,
  ScopeEvents,
  ScopeType,
  Send,
  SendEvent,
  SendEventType,
} from './application.ts'
export { callApplication } from './call-application.ts'
export type {
  Address,
  Extensions,
  HeaderList,
  ServerAddress,
  State,
  TLSExtension,
  TsgiVersion,
} from './common.ts'
export {
  ClientDisconnectedError,
  ContentLengthError,
  ErrorCode,
  IncompleteResponseError,
  InvalidEventError,
  InvalidScopeError,
  isClientDisconnected,
  LifespanFailedError,
  ProtocolError,
  TSGIError,
  UnexpectedEventError,
  UnsupportedScopeError,
} from './errors.ts'
export { isFieldValue, isToken } from './fields.ts'
export {
  getHeader,
  getHeaderValues,
  type HeaderInit,
  hasHeader,
  splitHeaderList,
  toHeaderList,
} from './headers.ts'
export type {
  HTTPDisconnectEvent,
  HTTPIncomingEvent,
  HTTPOutgoingEvent,
  HTTPRequestEvent,
  HTTPResponseBodyEvent,
  HTTPResponsePathsendEvent,
  HTTPResponseStartEvent,
  HTTPResponseTrailersEvent,
  HTTPScope,
} from './http.ts'
export { type HTTPResponsePhase, HTTPResponseTracker } from './http-response-tracker.ts'
export type {
  LifespanIncomingEvent,
  LifespanOutgoingEvent,
  LifespanScope,
  LifespanShutdownCompleteEvent,
  LifespanShutdownEvent,
  LifespanShutdownFailedEvent,
  LifespanStartupCompleteEvent,
  LifespanStartupEvent,
  LifespanStartupFailedEvent,
} from './lifespan.ts'
export { LifespanRunner, type LifespanRunnerMode } from './lifespan-runner.ts'
export { type LifespanPhase, LifespanTracker } from './lifespan-tracker.ts'
export { decodePath } from './path.ts'
export { NOT_SETTLED, settledThisTurn } from './settled-this-turn.ts'
export { isBodylessResponse, STATUS_TEXT, statusText } from './status.ts'
export {
  assertSendEvent,
  isValidCloseCode,
  type ValidationContext,
  validateSendEvent,
} from './validate.ts'
export { assertScope, validateReceiveEvent, validateScope } from './validate-incoming.ts'
export { TSGI_VERSION } from './version.ts'
export type {
  WebSocketAcceptEvent,
  WebSocketCloseEvent,
  WebSocketConnectEvent,
  WebSocketDisconnectEvent,
  WebSocketHTTPResponseBodyEvent,
  WebSocketHTTPResponseStartEvent,
  WebSocketIncomingEvent,
  WebSocketOutgoingEvent,
  WebSocketReceiveEvent,
  WebSocketScope,
  WebSocketSendEvent,
} from './websocket.ts'
export { type WebSocketPhase, WebSocketTracker } from './websocket-tracker.ts'
