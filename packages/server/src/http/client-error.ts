/**
 * Requests node:http could not parse: a precise status (400, 408, 413, 414, 431), the parser's
 * reason in the body and the log, and the connection closed. The server keeps serving everyone
 * else. When the framing of a body breaks after the application started, the exchange answers
 * (or, if its response already started, cuts the connection) and the app sees a disconnect.
 *
 * Every case writes one rate-limited WARN line (client-log.ts) naming the parser's code, its
 * reason and the client's address.
 *
 * @module
 */
import type { Duplex } from 'node:stream'
import { statusText } from '@tsgi/protocol'
import { DEFAULTS } from '../config/options.ts'
import { warnClientError } from '../logging/client-log.ts'
import type { Logger } from '../logging/logger.ts'
import { closeAfterQueued, currentExchange, isRefused, refuseRest } from './dispatch.ts'
import { tooLong } from './refusal.ts'

type ParserError = Error & {
  code?: string
  reason?: string
  bytesParsed?: number
  rawPacket?: Buffer
}
type PendingResponse = {
  headersSent: boolean
  writableFinished: boolean
  shouldKeepAlive: boolean
  req?: { complete: boolean }
  once(event: 'finish', fn: () => void): unknown
}
const kReported = Symbol('tsgi.clientErrorReported')
type ClientSocket = Duplex & {
  remoteAddress?: string
  _httpMessage?: PendingResponse | null
  destroySoon?: () => void
  [kReported]?: boolean
}

/** Maps a parser error to its HTTP status. */
export function clientErrorStatus(error: ParserError): number {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 413
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return 408
    default:
      return 400
  }
}

/**
 * Whether a head overflow is the request target's: the read that overflowed starts with a
 * request line (`METHOD SP`) whose end is not in it yet, or whose target is over `max`.
 * (node:http hands over only that read; a target split over several reads gets 431.)
 */
export function targetOverflowed(packet: Buffer | undefined, max: number): boolean {
  if (packet === undefined) return false
  let i = 0
  while (i < packet.length && i < 24 && packet[i]! >= 65 && packet[i]! <= 90) i++
  if (i === 0 || packet[i] !== 32) return false
  const lf = packet.indexOf(10, i)
  if (lf === -1) return true
  return packet.lastIndexOf(32, lf) - (i + 1) > max
}

function closeAfter(pending: PendingResponse, socket: ClientSocket): void {
  pending.once('finish', () => (socket.destroySoon ? socket.destroySoon() : socket.end()))
}

/** The `clientError` listener of a server; `maxUrlLength` tells a 414 from a 431. */
export function onClientError(logger: Logger, maxUrlLength: number = DEFAULTS.maxUrlLength) {
  return (error: ParserError, socket: ClientSocket): void => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    // A parser that failed fails again on every later read: one answer, one line.
    if (socket[kReported] === true) return
    socket[kReported] = true
    // A request the dispatcher refused: its answer (connection: close) is on the way.
    if (isRefused(socket)) return
    const client = socket.remoteAddress ?? 'unix socket'
    const code = error.code ?? ''
    let reason = (error.reason ?? error.message).replace(/[^\x20-\x7e]/g, '?')
    const pending = socket._httpMessage
    if (pending && !pending.writableFinished && pending.req?.complete === false) {
      // The body of the request being answered is cut short or its framing broke.
      if (code === 'HPE_INVALID_EOF_STATE') {
        // The client closed mid-body: nobody is left to answer.
        socket.destroy()
        return
      }
      const status = clientErrorStatus(error)
      const exchange = currentExchange(socket)
      refuseRest(socket)
      let outcome: 'answered' | 'aborted' | 'complete' = 'aborted'
      if (exchange !== undefined && exchange.response === pending)
        outcome = exchange.rejectBody(status, reason)
      else socket.destroy() // not an exchange's (a moment between two responses): just close
      if (outcome === 'complete') closeAfter(pending, socket)
      warnClientError(
        logger,
        outcome === 'answered'
          ? `invalid HTTP request body from ${client}: ${status} ${code} ${reason}`
          : `invalid HTTP request body from ${client}: ${code} ${reason} (${outcome === 'complete' ? 'after the response; connection closed' : 'response already started; connection aborted'})`,
      )
      return
    }
    if (pending && !pending.writableFinished) {
      // Bad bytes pipelined behind a request still being answered (often just data after
      // `Connection: close`): let the responses finish, then close. Never interleave a 400.
      if (code !== 'HPE_CLOSED_CONNECTION')
        warnClientError(logger, `invalid HTTP request pipelined from ${client}: ${code} ${reason}`)
      // Requests parsed before the bad bytes are still answered, the last one closing.
      if (closeAfterQueued(socket)) return
      if (!pending.headersSent) pending.shouldKeepAlive = false
      pending.once('finish', () => socket.end())
      return
    }
    let status = clientErrorStatus(error)
    if (status === 431 && targetOverflowed(error.rawPacket, maxUrlLength)) {
      status = 414
      reason = tooLong(maxUrlLength).reason
    }
    warnClientError(logger, `invalid HTTP request from ${client}: ${status} ${code} ${reason}`)
    const body = `${statusText(status)}: ${reason}\n`
    socket.end(
      `HTTP/1.1 ${status} ${statusText(status)}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    )
  }
}
