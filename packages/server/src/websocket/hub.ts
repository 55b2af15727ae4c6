/**
 * WebSocket sessions (SPEC.md §6) over `ws` in no-server mode: the `upgrade` event becomes a
 * websocket scope, the app decides the handshake, and the hub tracks sessions for shutdown.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { statusText, TSGI_VERSION, type WebSocketScope } from '@tsgi/protocol'
import { WebSocketServer } from 'ws'
import type { ServerContext } from '../context.ts'
import type { RequestDispatcher } from '../http/dispatch.ts'
import { requestRefusal } from '../http/refusal.ts'
import { serveUpgradeAsHTTP, upgradesToWebSocket } from '../http/upgrade.ts'
import { warnClientError } from '../logging/client-log.ts'
import { connectionFields } from '../scope/scope.ts'
import { writeRawResponse } from './denial.ts'
import { WebSocketSession } from './session.ts'

/** Handles upgrades for one server and tracks its open sessions. */
export interface WebSocketHub {
  /** Handles an `upgrade` request: runs the application with a websocket scope. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Closes every open session with `code` (1012 at shutdown); handshakes in progress get 503. */
  closeAll(code: number): void
}

const utf8 = new TextEncoder()

/** Why an upgrade request is not a valid WebSocket handshake (RFC 6455 §4.2.1), or null. */
export function invalidHandshake(req: IncomingMessage): { status: number; reason: string } | null {
  if (!upgradesToWebSocket(req.headers.upgrade))
    return { status: 400, reason: `unsupported upgrade: ${req.headers.upgrade ?? ''}` }
  if (req.method !== 'GET') return { status: 400, reason: 'a WebSocket handshake must be a GET' }
  const key = req.headers['sec-websocket-key']
  if (typeof key !== 'string' || !/^[A-Za-z0-9+/]{22}==$/.test(key.trim()))
    return { status: 400, reason: 'missing or invalid Sec-WebSocket-Key' }
  if (req.headers['sec-websocket-version'] !== '13')
    return { status: 426, reason: 'unsupported Sec-WebSocket-Version (13 is)' }
  return null
}

/**
 * Creates the hub for `ctx`. `dispatcher` serves upgrades that are not WebSocket as HTTP when
 * node:http hands them over anyway (Node without `shouldUpgradeCallback`, see upgrade.ts).
 */
export function createWebSocketHub(
  ctx: ServerContext,
  dispatcher?: RequestDispatcher,
): WebSocketHub {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: ctx.options.wsMaxSize,
    clientTracking: false,
    // The app chose the subprotocol already (websocket.accept); ws only echoes it.
    handleProtocols: () => false,
    // permessage-deflate costs memory per connection and enables compression oracles; off.
    perMessageDeflate: false,
  })
  const sessions = new Set<WebSocketSession>()
  return {
    handleUpgrade(req, socket, head) {
      if (dispatcher !== undefined && !upgradesToWebSocket(req.headers.upgrade)) {
        serveUpgradeAsHTTP(req, socket, dispatcher, ctx.logger)
        return
      }
      // node:http took its error listener off the socket: a reset must not throw.
      socket.on('error', () => socket.destroy())
      const refused = requestRefusal(req, ctx.options.maxUrlLength)
      if (refused !== null) {
        warnClientError(
          ctx.logger,
          `invalid HTTP request from ${req.socket.remoteAddress ?? 'unix socket'}: ${refused.status} ${refused.reason}`,
        )
        const body = `${statusText(refused.status)}: ${refused.reason}\n`
        writeRawResponse(socket, refused.status, [], utf8.encode(body))
        return
      }
      const invalid = invalidHandshake(req)
      if (invalid !== null) {
        const headers: [string, string][] =
          invalid.status === 426 ? [['sec-websocket-version', '13']] : []
        writeRawResponse(socket, invalid.status, headers, utf8.encode(`${invalid.reason}\n`))
        return
      }
      if (ctx.closing || ctx.saturated) {
        writeRawResponse(socket, 503, [], utf8.encode('Service Unavailable'))
        return
      }
      const fields = connectionFields(req, ctx, ctx.wsExtensions)
      const offered = req.headers['sec-websocket-protocol']
      const scope: WebSocketScope = {
        type: 'websocket',
        tsgi: TSGI_VERSION,
        httpVersion: '1.1',
        scheme: fields.secure ? 'wss' : 'ws',
        path: fields.path,
        rawPath: fields.rawPath,
        queryString: fields.queryString,
        rootPath: fields.rootPath,
        headers: fields.headers,
        client: fields.client,
        server: fields.server,
        subprotocols: offered
          ? offered
              .split(',')
              .map((p) => p.trim())
              .filter(Boolean)
          : [],
        state: { ...ctx.state },
        extensions: fields.extensions,
      }
      const session = new WebSocketSession(scope, ctx, wss, { req, socket, head }, () => {
        sessions.delete(session)
        ctx.end(session)
      })
      sessions.add(session)
      ctx.begin(session)
      session.run()
    },
    closeAll(code) {
      for (const session of sessions) session.shutdown(code)
    },
  }
}
