/**
 * Bounded pipelining: node:http parses and emits every pipelined request it reads, and pauses
 * reading only when responses back up, but TSGI holds a request until the previous response
 * on its connection has finished, so queued requests write nothing and node:http never stops.
 * A client that pipelines and reads no answers would make the server hold every request it
 * sent. Here the connection stops being read while too many requests wait.
 *
 * The pause goes through node:http's own flag, `socket._paused`: its parser checks it after
 * each read, `IncomingMessage` before resuming the socket, and its `resume` listener re-pauses
 * a socket that has it set. But node:http also clears it and resumes whenever a response's
 * pending output shrinks (socketOnDrain, which runs on most responses over 4 KiB and on every
 * drain). So while the server holds a connection, `_paused` reads true whatever node:http
 * wrote to it: an accessor over node:http's own value, installed once on a socket the first
 * time it is paused here.
 *
 * What one connection can hold is {@link PIPELINE_LIMIT} requests plus those of one read
 * (up to 64 KiB: the parser handles a read whole; over TLS, what was already decrypted).
 *
 * @module
 */
import type { Socket } from 'node:net'

/** Queued requests on one connection at which the server stops reading from it. */
export const PIPELINE_LIMIT = 16

const kHeld = Symbol('tsgi.readingHeld')
const kNodePaused = Symbol('tsgi.nodePaused')

/** A server-side socket as node:http keeps it (`_paused` and `parser` are node:http's own). */
export type PipelinedSocket = Socket & {
  _paused?: boolean
  parser?: { pause(): void; resume(): void } | null
  /** Whether this server stops reading from the socket. */
  [kHeld]?: boolean
  /** node:http's own `_paused`, once the accessor is installed. */
  [kNodePaused]?: boolean
}

function nodePausedGet(this: PipelinedSocket): boolean {
  return this[kHeld] === true || this[kNodePaused] === true
}

function nodePausedSet(this: PipelinedSocket, value: boolean): void {
  this[kNodePaused] = value
}

/** Stops reading from `socket` until {@link updateReading} lets it go (idempotent). */
export function pauseReading(socket: PipelinedSocket): void {
  if (socket[kHeld] === true || socket.destroyed) return
  if (socket[kNodePaused] === undefined) {
    socket[kNodePaused] = socket._paused === true
    Object.defineProperty(socket, '_paused', {
      configurable: true,
      enumerable: true,
      get: nodePausedGet,
      set: nodePausedSet,
    })
  }
  socket[kHeld] = true
  // node:http's `pause` listener stops the handle reading (its parser consumes it directly).
  socket.pause()
}

/**
 * Called after a queued request was taken off the queue: keeps the socket held while the
 * queue is still at the limit, lets it read again once it is below (unless node:http wants
 * it paused for its own reason: its socketOnDrain resumes it then).
 */
export function updateReading(socket: PipelinedSocket, queued: number): void {
  if (socket[kHeld] !== true || queued >= PIPELINE_LIMIT) return
  socket[kHeld] = false
  if (socket[kNodePaused] === true || socket.destroyed) return
  // What node:http's socketOnDrain does to resume: parser first, then the socket.
  socket.parser?.resume()
  socket.resume()
}

const keepGoing = (): void => {}

/**
 * For TLS connections (the server's `secureConnection` listener): node:http pauses its parser
 * whenever it pauses a socket, but a TLS socket still delivers what it had already decrypted
 * after it was told to stop reading, and a paused parser fails that data with `HPE_PAUSED`
 * and the connection is lost (raw node:https does the same under pipelining). Parsing it is
 * harmless: the requests are queued, and there is at most one read of them. The pause is
 * node:http's only use of `parser.pause` (parsers are pooled: this stays with the parser).
 */
export function parseAfterPause(socket: PipelinedSocket): void {
  const parser = socket.parser
  if (parser && parser.pause !== keepGoing) parser.pause = keepGoing
}
