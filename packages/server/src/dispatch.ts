/**
 * From node:http's `request` event to an exchange: 503 when shutting down or saturated, and
 * strict ordering of pipelined requests (node:http emits them all at once; TSGI starts each
 * application call only after the previous response on that connection has finished).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { ServerContext } from './context.ts'
import { HTTPExchange } from './exchange.ts'
import { writeErrorResponse } from './wire.ts'

const kBusy = Symbol('tsgi.busy')
const kQueue = Symbol('tsgi.queue')
type ConnectionSocket = Socket & { [kBusy]?: boolean; [kQueue]?: Array<() => void> }

/**
 * What node:http's parser lets through but HTTP/1.1 forbids (RFC 9112 §2.3, §3.2): HTTP/0.9
 * simple requests and more than one Host header. Returns the reason, or null.
 */
function invalidRequest(req: IncomingMessage): string | null {
  if (req.httpVersionMajor !== 1) return `unsupported HTTP version ${req.httpVersion}`
  const raw = req.rawHeaders
  let hosts = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (name.length === 4 && name.toLowerCase() === 'host' && ++hosts > 1)
      return 'more than one Host header'
  }
  return null
}

/** The request handlers of one server or listener. */
export interface Dispatcher {
  /** Handles `request` (and, with `expectContinue`, `checkContinue`). */
  handle(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void
}

/** Creates the dispatcher for `ctx`. `afterResponse` runs after each response (shutdown uses it). */
export function createDispatcher(ctx: ServerContext, afterResponse?: () => void): Dispatcher {
  const start = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void => {
    const socket = req.socket as ConnectionSocket
    if (res.destroyed || socket.destroyed) {
      next(socket)
      return
    }
    const invalid = invalidRequest(req)
    if (invalid !== null) {
      ctx.logger.warn(
        `invalid HTTP request from ${socket.remoteAddress ?? 'unix socket'}: 400 ${invalid}`,
      )
      res.once('close', () => next(socket))
      writeErrorResponse(res, 400, invalid)
      return
    }
    if (ctx.closing || ctx.saturated) {
      if (ctx.saturated) ctx.logger.warn('exceeded concurrency limit: answered 503')
      res.once('close', () => next(socket))
      writeErrorResponse(res, 503)
      return
    }
    socket[kBusy] = true
    new HTTPExchange(req, res, ctx, expectContinue, next).run()
  }
  const next = (socket: ConnectionSocket): void => {
    socket[kBusy] = false
    afterResponse?.()
    const queued = socket[kQueue]
    if (queued !== undefined && queued.length > 0) queued.shift()!()
  }
  return {
    handle(req, res, expectContinue) {
      const socket = req.socket as ConnectionSocket
      if (socket[kBusy] === true) {
        const queue = socket[kQueue] ?? []
        socket[kQueue] = queue
        queue.push(() => start(req, res, expectContinue))
        return
      }
      start(req, res, expectContinue)
    },
  }
}
