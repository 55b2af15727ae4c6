/**
 * Requests node:http could not parse: a precise status (400, 408, 431), the parser's reason in
 * the body and the log, and the connection closed. The server keeps serving everyone else.
 *
 * @module
 */
import type { Duplex } from 'node:stream'
import { statusText } from '@tsgi/protocol'
import type { Logger } from './logger.ts'

type ParserError = Error & { code?: string; reason?: string; bytesParsed?: number }
type PendingResponse = {
  headersSent: boolean
  writableFinished: boolean
  shouldKeepAlive: boolean
  req?: { complete: boolean }
  once(event: 'finish', fn: () => void): unknown
}
type ClientSocket = Duplex & { remoteAddress?: string; _httpMessage?: PendingResponse | null }

/** Maps a parser error to its HTTP status. */
export function clientErrorStatus(error: ParserError): number {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return 408
    default:
      return 400
  }
}

/** The `clientError` listener of a server. */
export function onClientError(logger: Logger) {
  return (error: ParserError, socket: ClientSocket): void => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const reason = (error.reason ?? error.message).replace(/[^\x20-\x7e]/g, '?')
    const pending = socket._httpMessage
    if (pending && !pending.writableFinished && pending.req?.complete === false) {
      // The request being answered was itself cut off (EOF or garbage mid-body): the client is gone.
      socket.destroy()
      return
    }
    if (pending && !pending.writableFinished) {
      // Bad bytes pipelined behind a request still being answered (often just data after
      // `Connection: close`): let that response finish, then close. Never interleave a 400.
      if (error.code !== 'HPE_CLOSED_CONNECTION')
        logger.warn(
          `invalid HTTP request pipelined from ${socket.remoteAddress ?? 'unix socket'}: ${error.code ?? ''} ${reason}`,
        )
      if (!pending.headersSent) pending.shouldKeepAlive = false
      pending.once('finish', () => socket.end())
      return
    }
    const status = clientErrorStatus(error)
    logger.warn(
      `invalid HTTP request from ${socket.remoteAddress ?? 'unix socket'}: ${status} ${error.code ?? ''} ${reason}`,
    )
    const body = `${statusText(status)}: ${reason}\n`
    socket.end(
      `HTTP/1.1 ${status} ${statusText(status)}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    )
  }
}
