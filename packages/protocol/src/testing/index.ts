/**
 * `@tsgi/protocol/testing`: an in-memory test client that drives any TSGI application without
 * a socket, enforcing the same rules as a real server and failing loudly on a violation.
 *
 * @module
 */

export type { LifespanRunnerMode } from '../lifespan-runner.ts'
export type { BodyInit } from './body.ts'
export {
  createTestClient,
  type RequestInit,
  type TestClient,
  type TestClientOptions,
  type WebSocketInit,
} from './client.ts'
export { StreamingResponse, TestResponse } from './response.ts'
export {
  type CloseInfo,
  TestWebSocket,
  WebSocketClosedError,
  WebSocketDeniedError,
  type WebSocketMessage,
} from './websocket-session.ts'
