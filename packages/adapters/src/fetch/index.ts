/**
 * `@tsgi/adapters/fetch`: WinterTC fetch handlers (hono, h3, Elysia, itty) as TSGI
 * applications, and TSGI applications as fetch handlers (Bun, Deno, Workers).
 *
 * @module
 */
export { FetchAdapterError, FetchAdapterErrorCode } from './errors.ts'
export {
  type FetchContext,
  type FetchHandler,
  type FetchHandlerObject,
  type FromFetchOptions,
  fromFetch,
} from './from-fetch.ts'
export type { LifespanHooks } from './lifespan.ts'
export { type FetchApplication, type ToFetchOptions, toFetch } from './to-fetch.ts'
export {
  type FileOpener,
  type OpenedFile,
  PathsendErrorCode,
  PathsendLengthError,
} from './to-fetch-pathsend.ts'
export {
  type BunFile,
  type BunServer,
  type BunServerWebSocket,
  type BunWebSocketHandlers,
  bunFiles,
  bunWebSocket,
  type DenoFsFile,
  type DenoUpgradeWebSocket,
  denoFiles,
  denoWebSocket,
  type StandardWebSocket,
} from './to-fetch-runtimes.ts'
export type {
  WebSocketAccept,
  WebSocketConnection,
  WebSocketPeer,
  WebSocketUpgrader,
} from './to-fetch-websocket.ts'
export type { WebSocketQueueLimit } from './to-fetch-websocket-queue.ts'
