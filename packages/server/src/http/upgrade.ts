/**
 * Upgrades other than WebSocket and `CONNECT`. RFC 9110 §7.8 lets a server ignore an Upgrade
 * it does not do: `Upgrade: h2c` (what `curl --http2` sends) or any other protocol is served
 * as a plain HTTP/1.1 request, with the `upgrade` header left in the scope for the app to see.
 *
 * node:http (24.9+, 22.21+) asks `shouldUpgradeCallback` whether a request is an upgrade;
 * answering false for anything but WebSocket makes it an ordinary `request`. On older Node the
 * option is ignored and every upgrade arrives on the `upgrade` event with node:http's parser
 * already detached: {@link serveUpgradeAsHTTP} answers it there, once, then closes.
 *
 * @module
 */
import { type IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { warnClientError } from '../logging/client-log.ts'
import type { Logger } from '../logging/logger.ts'
import { writeRawResponse } from '../websocket/denial.ts'
import type { RequestDispatcher } from './dispatch.ts'
import { REFUSALS } from './refusal.ts'

const utf8 = new TextEncoder()

/**
 * Whether the `Upgrade` field value is `websocket` (case-insensitive). Exactly that, as `ws`
 * and browsers have it: a list such as `foo, websocket` is an upgrade this server ignores.
 */
export function upgradesToWebSocket(value: string | undefined): boolean {
  return value !== undefined && value.length === 9 && value.toLowerCase() === 'websocket'
}

type ParsingSocket = Socket & { parser?: { getCurrentBuffer?: () => Buffer } | null }

/**
 * Whether bytes follow this body-less request in the read node:http is parsing. node:http
 * stops parsing that read at the end of a message that asked for an upgrade, even one it was
 * told to ignore, so requests pipelined behind it would vanish unanswered. (Its parser's
 * current buffer, read only for upgrade requests.) A request with a body is served as usual:
 * the upgrade path could not read its body.
 */
function bytesFollow(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0'))
    return false
  const buffer = (req.socket as ParsingSocket).parser?.getCurrentBuffer?.()
  if (buffer === undefined) return false
  let start = buffer.indexOf(`${req.method} ${req.url} HTTP/`)
  if (start === -1) start = 0 // the head began in an earlier read
  const end = buffer.indexOf('\r\n\r\n', start)
  return end === -1 || end + 4 < buffer.length
}

/**
 * node:http's `shouldUpgradeCallback`: only WebSocket handshakes leave the HTTP path, and an
 * ignored upgrade with bytes pipelined behind it in the same read, which then gets the
 * older-Node treatment ({@link serveUpgradeAsHTTP}: answered, then the connection closes, so
 * the client knows to retry what it pipelined).
 */
export function shouldUpgrade(req: IncomingMessage): boolean {
  return upgradesToWebSocket(req.headers.upgrade) || bytesFollow(req)
}

/** The reason a body-carrying non-WebSocket upgrade gets 501 on Node without the callback. */
export const UPGRADE_BODY_UNSUPPORTED =
  'an Upgrade request with a body needs Node 22.21+ or 24.9+ (this server cannot ignore its Upgrade)'

/**
 * Older Node (and an ignored upgrade with bytes behind it): serves a non-WebSocket upgrade
 * request as HTTP/1.1 on the detached socket, with `connection: close` (node:http's parser is
 * gone, so nothing after it can be read). A request with a body cannot be read without the
 * parser: 501.
 */
export function serveUpgradeAsHTTP(
  req: IncomingMessage,
  socket: Duplex,
  dispatcher: RequestDispatcher,
  logger: Logger,
): void {
  socket.on('error', () => socket.destroy())
  const pending = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
  if (pending) {
    // Pipelined behind a response still being written: that one finishes, then the
    // connection closes and the client retries this one.
    pending.once('finish', () => (socket as Socket).destroySoon())
    return
  }
  const length = req.headers['content-length']
  if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
    warnClientError(
      logger,
      `invalid HTTP request from ${(socket as Socket).remoteAddress ?? 'unix socket'}: 501 ${UPGRADE_BODY_UNSUPPORTED}`,
    )
    writeRawResponse(socket, 501, [], utf8.encode(`Not Implemented: ${UPGRADE_BODY_UNSUPPORTED}\n`))
    return
  }
  const res = new ServerResponse(req)
  res.shouldKeepAlive = false
  res.assignSocket(socket as Socket)
  // What node:http does after a last response; the socket's close then closes `res`.
  res.once('finish', () => (socket as Socket).destroySoon())
  dispatcher.handle(req, res, false)
}

/** The `connect` listener: `CONNECT` (a proxy's method) gets 501 and the connection closes. */
export function onConnect(logger: Logger) {
  const { status, reason } = REFUSALS.connect
  const body = utf8.encode(`Not Implemented: ${reason}\n`)
  return (_req: IncomingMessage, socket: Duplex): void => {
    socket.on('error', () => socket.destroy())
    warnClientError(
      logger,
      `invalid HTTP request from ${(socket as Socket).remoteAddress ?? 'unix socket'}: ${status} ${reason}`,
    )
    writeRawResponse(socket, status, [], body)
  }
}
