/**
 * From node:http's `request` event to an exchange: the refusals of refusal.ts (before the app
 * runs), 503 when shutting down or saturated, and strict ordering of pipelined requests
 * (node:http emits them all at once; TSGI starts each application call only after the previous
 * response on that connection has finished), with reading paused while too many wait.
 *
 * A refused request closes its connection: what was pipelined behind it is dropped unseen (its
 * framing may be the reason for the refusal, so nothing after it can be trusted).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { ServerContext } from '../context.ts'
import { warnClientError } from '../logging/client-log.ts'
import { NodeHTTPExchange } from './exchange.ts'
import { PIPELINE_LIMIT, type PipelinedSocket, pauseReading, updateReading } from './pipeline.ts'
import { requestRefusal } from './refusal.ts'
import { writeErrorResponse } from './wire.ts'

/** The exchange being served on a connection, REFUSED, or absent when idle. */
const kBusy = Symbol('tsgi.busy')
const kQueue = Symbol('tsgi.queue')
/** The parser failed behind the queued requests: the last of them closes the connection. */
const kLastQueued = Symbol('tsgi.lastQueued')
/** The connection is closing after a refusal: nothing more is started on it. */
const REFUSED = 1
/** A request waiting for the response ahead of it. */
interface Queued {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly expectContinue: boolean
}
type ConnectionSocket = PipelinedSocket & {
  [kBusy]?: NodeHTTPExchange | typeof REFUSED | undefined
  [kQueue]?: Queued[] | undefined
  [kLastQueued]?: boolean
}

/** The exchange being served on `socket`, if any (client-error.ts reports body errors to it). */
export function currentExchange(socket: Duplex): NodeHTTPExchange | undefined {
  const busy = (socket as unknown as ConnectionSocket)[kBusy]
  return busy === REFUSED ? undefined : busy
}

/** Whether `socket` is closing after a refusal (its answer is already on the way). */
export function isRefused(socket: Duplex): boolean {
  return (socket as unknown as ConnectionSocket)[kBusy] === REFUSED
}

/**
 * Nothing more is started on `socket`: queued requests are dropped, reading stops, and the
 * response in progress (if any) is the last. For framing that can no longer be trusted.
 */
export function refuseRest(socket: Duplex): void {
  const s = socket as unknown as ConnectionSocket
  s[kBusy] = REFUSED
  s[kQueue] = undefined
  pauseReading(s)
}

/**
 * The parser failed on bytes pipelined behind the requests of `socket` (client-error.ts): those
 * already parsed are still answered, in order, the last one with `connection: close`. Returns
 * false when none is queued (the caller closes after the response in progress).
 */
export function closeAfterQueued(socket: Duplex): boolean {
  const s = socket as unknown as ConnectionSocket
  const queued = s[kQueue]
  if (s[kBusy] === REFUSED || queued === undefined || queued.length === 0) return false
  s[kLastQueued] = true
  return true
}

/** The request handlers of one server or listener. */
export interface RequestDispatcher {
  /** Handles `request` (and, with `expectContinue`, `checkContinue`). */
  handle(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void
}

/** Creates the dispatcher for `ctx`. `afterResponse` runs after each response (shutdown uses it). */
export function createDispatcher(
  ctx: ServerContext,
  afterResponse?: () => void,
): RequestDispatcher {
  const refuse = (socket: ConnectionSocket, res: ServerResponse, status: number, why?: string) => {
    refuseRest(socket)
    res.once('close', () => next(socket))
    writeErrorResponse(res, status, why)
  }
  const start = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void => {
    const socket = req.socket as ConnectionSocket
    if (res.destroyed || socket.destroyed) {
      next(socket)
      return
    }
    const refusal = requestRefusal(req, ctx.options.maxUrlLength)
    if (refusal !== null) {
      warnClientError(
        ctx.logger,
        `invalid HTTP request from ${socket.remoteAddress ?? 'unix socket'}: ${refusal.status} ${refusal.reason}`,
      )
      refuse(socket, res, refusal.status, refusal.reason)
      return
    }
    if (ctx.closing || ctx.saturated) {
      if (ctx.saturated) ctx.logger.warn('exceeded concurrency limit: answered 503')
      refuse(socket, res, 503)
      return
    }
    const exchange = new NodeHTTPExchange(req, res, ctx, expectContinue, next)
    socket[kBusy] = exchange
    exchange.run()
  }
  const next = (socket: ConnectionSocket): void => {
    if (socket[kBusy] === REFUSED) {
      afterResponse?.()
      return
    }
    socket[kBusy] = undefined
    afterResponse?.()
    const queued = socket[kQueue]
    if (queued !== undefined && queued.length > 0) {
      const waiting = queued.shift()!
      // Nothing can be parsed after it: its answer tells the client the connection closes.
      if (queued.length === 0 && socket[kLastQueued] === true) waiting.res.shouldKeepAlive = false
      start(waiting.req, waiting.res, waiting.expectContinue)
      if (socket[kBusy] !== REFUSED) updateReading(socket, queued.length)
    }
  }
  return {
    handle(req, res, expectContinue) {
      const socket = req.socket as ConnectionSocket
      const busy = socket[kBusy]
      if (busy !== undefined) {
        // After a refusal the connection is closing: what follows is never answered.
        if (busy === REFUSED) return
        const queue = socket[kQueue] ?? []
        socket[kQueue] = queue
        // Queued requests write nothing, so node:http would read on for ever (see pipeline.ts).
        if (queue.push({ req, res, expectContinue }) >= PIPELINE_LIMIT) pauseReading(socket)
        return
      }
      start(req, res, expectContinue)
    },
  }
}
