/**
 * The incoming side of a `toFetch` WebSocket session: the messages the app has not received
 * yet, bounded. Where the runtime can stop reading a socket (Bun's `ws.pause()`), reading
 * pauses while the app is behind, so the peer is held back by TCP; where it cannot (Deno's
 * standard `WebSocket`), a session past the bound is closed with 1008.
 *
 * @module
 */
import type { WebSocketIncomingEvent } from '@tsgi/protocol'
import { FetchAdapterError, FetchAdapterErrorCode } from './errors.ts'

/** Bounds on the messages queued for an app that does not receive them (see `toFetch`). */
export interface WebSocketQueueLimit {
  /** Messages. Default 1024. */
  messages?: number
  /** Bytes of their payloads (a text message counts its length). Default 16 MiB. */
  bytes?: number
}

/** Reading pauses at this many queued messages or bytes, and resumes below half of both. */
const PAUSE_MESSAGES = 64
const PAUSE_BYTES = 1024 * 1024

/** The close code and reason of a session whose queue passed its bound (RFC 6455 §7.4.1). */
export const QUEUE_FULL = { code: 1008, reason: 'receive queue full' } as const

/** Checks `limit`; returns it with defaults filled. */
export function queueLimitOf(
  limit: WebSocketQueueLimit | undefined,
): Required<WebSocketQueueLimit> {
  const check = (name: 'messages' | 'bytes', fallback: number): number => {
    const value = limit?.[name]
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      throw new FetchAdapterError(
        FetchAdapterErrorCode.option,
        `toFetch: websocketQueue.${name} must be an integer >= 1, got ${String(value)}`,
      )
    return value
  }
  return { messages: check('messages', 1024), bytes: check('bytes', 16 * 1024 * 1024) }
}

/** What the queue needs of the host's socket. */
export interface Pausable {
  pause?(): void
  resume?(): void
}

/** The queue of one session. `websocket.connect` is its first event. */
export class IncomingQueue {
  private readonly events: WebSocketIncomingEvent[] = [{ type: 'websocket.connect' }]
  private readonly sizes: number[] = [0]
  private readonly limit: Required<WebSocketQueueLimit>
  private bytes = 0
  private paused = false

  constructor(limit: Required<WebSocketQueueLimit>) {
    this.limit = limit
  }

  /**
   * Queues a message of `size` bytes. Pauses `socket` when it can pause and the app is behind;
   * returns `false` when it cannot and the bound is passed (the session must then close).
   */
  push(event: WebSocketIncomingEvent, size: number, socket: Pausable | null): boolean {
    this.events.push(event)
    this.sizes.push(size)
    this.bytes += size
    const count = this.events.length
    if (socket?.pause !== undefined && socket.resume !== undefined) {
      if (!this.paused && (count >= PAUSE_MESSAGES || this.bytes >= PAUSE_BYTES)) {
        this.paused = true
        socket.pause()
      }
      return true
    }
    return count <= this.limit.messages && this.bytes <= this.limit.bytes
  }

  /** The next event, resuming a paused `socket` once the app caught up. */
  shift(socket: Pausable | null): WebSocketIncomingEvent | undefined {
    const next = this.events.shift()
    if (next === undefined) return undefined
    this.bytes -= this.sizes.shift() as number
    if (this.paused && this.events.length < PAUSE_MESSAGES / 2 && this.bytes < PAUSE_BYTES / 2)
      this.unpause(socket)
    return next
  }

  /** Resumes reading (the session ended: its close handshake must be read). */
  unpause(socket: Pausable | null): void {
    if (!this.paused) return
    this.paused = false
    socket?.resume?.()
  }
}
