/**
 * One cleartext port for HTTP/1.1 and h2c with prior knowledge (RFC 9113 §3.3): the node:http
 * server keeps listening, and each connection it accepts is routed by its first bytes
 * (preface.ts) either to node:http's own connection handling or to an `http2.createServer()`
 * session, which never listens itself (its sockets are injected with `emit('connection')`,
 * the documented way to give a server a connection).
 *
 * Why node:http keeps the port rather than a bare net.Server in front of both: node:http only
 * tracks connections (header timeout, `closeIdleConnections()`) for a server that emitted
 * `listening`, and the rest of the server (shutdown, tests, the handle) holds that server.
 *
 * `Upgrade: h2c` (RFC 7540's cleartext upgrade, removed by RFC 9113) is not honoured: such a
 * request stays an HTTP/1.1 request, as before.
 *
 * @module
 */
import type { Server as HTTPServer } from 'node:http'
import type { Http2Server } from 'node:http2'
import type { Socket } from 'node:net'
import { type PrefaceFailure, routeByPreface } from './preface.ts'

/** Options of {@link attachH2c}. */
export interface H2cOptions {
  /**
   * Milliseconds a connection gets to show its protocol (default: the HTTP/1.1 server's
   * `headersTimeout`), after which it is destroyed. 0 disables the bound.
   */
  readonly prefaceTimeoutMs?: number
  /** Told about each connection dropped before its protocol was known (for a log line). */
  readonly onPrefaceFailure?: (socket: Socket, why: PrefaceFailure) => void
}

type ConnectionListener = (this: HTTPServer, socket: Socket) => void

/**
 * Makes `http` (a node:http server, listening or not yet) also serve h2c with prior knowledge
 * through `h2`: node:http's `connection` listeners are taken off and called only for the
 * connections that are not h2. Call it once, before any connection is accepted; `connection`
 * listeners added afterwards see every connection, as before.
 */
export function attachH2c(http: HTTPServer, h2: Http2Server, options: H2cOptions = {}): void {
  const http1Listeners = http.listeners('connection') as ConnectionListener[]
  http.removeAllListeners('connection')
  const timeoutMs = options.prefaceTimeoutMs ?? http.headersTimeout
  const routes = {
    h2(socket: Socket) {
      // The session reads what was unshifted itself (node:http2 drains a socket's buffer on
      // its next tick): resuming here would let those bytes flow past it.
      h2.emit('connection', socket)
    },
    http1(socket: Socket) {
      for (const listener of http1Listeners) listener.call(http, socket)
      // node:http's parser reads the unshifted bytes as 'data': the socket must flow again.
      socket.resume()
    },
    failed: options.onPrefaceFailure,
  }
  http.on('connection', (socket: Socket) => routeByPreface(socket, routes, timeoutMs))
}
