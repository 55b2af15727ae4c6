/**
 * WebSocket sessions (SPEC.md §6) over `ws` in no-server mode. Placeholder: upgrades are
 * refused until the implementation lands.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { ServerContext } from './context.ts'

/** Handles upgrades for one server and tracks its open sessions. */
export interface WebSocketHub {
  /** Handles an `upgrade` request: runs the application with a websocket scope. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Closes every open session with `code` (1012 at shutdown); handshakes in progress get 503. */
  closeAll(code: number): void
}

/** Creates the hub for `ctx`. */
export function createWebSocketHub(_ctx: ServerContext): WebSocketHub {
  return {
    handleUpgrade(_req, socket) {
      socket.end('HTTP/1.1 501 Not Implemented\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
    },
    closeAll() {},
  }
}
