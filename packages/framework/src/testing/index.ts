/**
 * `@tsgi/framework/testing`: test a framework app the way the framework tests itself. The
 * in-memory client drives the app without a socket; {@link openClient} and
 * {@link createDescribeBoth} run the same tests in memory and over a real socket through the
 * reference server (`@tsgi/server`, an optional peer dependency needed by the socket transport
 * only). Nothing here is loaded by `@tsgi/framework` itself.
 *
 * @module
 */
export {
  type BodyInit,
  type CloseInfo,
  createTestClient,
  type LifespanRunnerMode,
  type RequestInit,
  StreamingResponse,
  type TestClient,
  type TestClientOptions,
  TestResponse,
  TestWebSocket,
  WebSocketClosedError,
  WebSocketDeniedError,
  type WebSocketInit,
  type WebSocketMessage,
} from '@tsgi/protocol/testing'
export { createDescribeBoth, type DescribeBoth, openClient, type TestRunner } from './both.ts'
export {
  type Client,
  type ClientRequest,
  type ClientResponse,
  type OpenClient,
  TRANSPORTS,
  type Transport,
} from './client.ts'
export { TestingErrorCode } from './socket.ts'
