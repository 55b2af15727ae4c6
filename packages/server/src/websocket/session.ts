/**
 * One WebSocket session (SPEC.md §6): the app's `receive`/`send` over a `ws` socket, from the
 * upgrade request to the close. The handshake completes only when the app accepts; closing
 * before that answers HTTP 403, and the denial extension sends the app's own HTTP response.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import {
  ClientDisconnectedError,
  callApplication,
  isClientDisconnected,
  type SendEvent,
  UnsupportedScopeError,
  type WebSocketIncomingEvent,
  type WebSocketScope,
  WebSocketTracker,
} from '@tsgi/protocol'
import type { WebSocket, WebSocketServer } from 'ws'
import type { InFlight, ServerContext } from '../context.ts'
import { DenialResponse, writeRawResponse } from './denial.ts'

/** Incoming messages held for a slow app before the socket is paused. */
const QUEUE_HIGH = 64
/** Outgoing bytes buffered before `send()` waits for them to be written. */
const SEND_HIGH = 64 * 1024

type Waiter = (event: WebSocketIncomingEvent) => void

/** One session; created by the hub, which calls {@link run}. */
export class WebSocketSession implements InFlight {
  readonly scope: WebSocketScope
  private readonly tracker: WebSocketTracker
  private readonly ctx: ServerContext
  private readonly wss: WebSocketServer
  private readonly req: IncomingMessage
  private readonly socket: Duplex
  private readonly head: Buffer
  private ws: WebSocket | null = null
  private connectDelivered = false
  private readonly queue: WebSocketIncomingEvent[] = []
  private waiter: Waiter | null = null
  /** The close the app sees: set once the peer, the network or the server ended the session. */
  private closed: { code: number; reason: string } | null = null
  private denial: DenialResponse | null = null
  private pingTimer: NodeJS.Timeout | null = null
  private pongTimer: NodeJS.Timeout | null = null
  private readonly done: () => void

  constructor(
    scope: WebSocketScope,
    ctx: ServerContext,
    wss: WebSocketServer,
    upgrade: { req: IncomingMessage; socket: Duplex; head: Buffer },
    done: () => void,
  ) {
    this.scope = scope
    this.tracker = new WebSocketTracker(scope.subprotocols, scope.extensions)
    this.ctx = ctx
    this.wss = wss
    this.req = upgrade.req
    this.socket = upgrade.socket
    this.head = upgrade.head
    this.done = done
    // A client that leaves during the handshake: the app sees a 1006 disconnect.
    this.socket.once('close', () => {
      if (this.ws === null) this.end(1006, '')
    })
    this.socket.on('error', () => {})
  }

  /** Calls the application. */
  run(): void {
    callApplication(
      this.ctx.app,
      this.scope,
      this.receive,
      this.send,
      () => this.settle(undefined),
      (error) => this.settle(error),
    )
  }

  /** Server shutdown begins: an open session is closed with `code`; a handshake gets 503. */
  shutdown(code: number): void {
    if (this.ws !== null) {
      if (this.closed === null) this.ws.close(code, 'server shutting down')
    } else if (this.tracker.phase === 'handshake') {
      writeRawResponse(this.socket, 503, [], new TextEncoder().encode('Service Unavailable'))
      this.end(code, 'server shutting down')
    }
  }

  /** The graceful timeout expired: cut the connection; the app sees a 1006 disconnect. */
  abort(): void {
    if (this.ws !== null) this.ws.terminate()
    else this.socket.destroy()
    this.end(1006, '')
  }

  readonly receive = (): Promise<WebSocketIncomingEvent> => {
    if (!this.connectDelivered) {
      this.connectDelivered = true
      return Promise.resolve({ type: 'websocket.connect' })
    }
    const next = this.queue.shift()
    if (next !== undefined) {
      if (this.queue.length < QUEUE_HIGH / 2 && this.ws?.isPaused) this.ws.resume()
      return Promise.resolve(next)
    }
    if (this.closed !== null) return Promise.resolve(this.disconnectEvent())
    return new Promise((resolve) => {
      this.waiter = resolve
    })
  }

  readonly send = async (event: SendEvent): Promise<void> => {
    if (this.closed !== null && this.tracker.phase !== 'denying')
      throw new ClientDisconnectedError()
    this.tracker.accept(event) // throws InvalidEventError / UnexpectedEventError
    switch (event.type) {
      case 'websocket.accept':
        return this.completeHandshake(event.subprotocol ?? null, event.headers ?? [])
      case 'websocket.send':
        return this.sendMessage(event.text ?? (event.bytes as Uint8Array))
      case 'websocket.close':
        if (this.ws === null) {
          // Closing before accepting refuses the handshake (SPEC.md §6).
          writeRawResponse(this.socket, 403, [], new TextEncoder().encode('Forbidden'))
          this.end(1000, '')
        } else this.ws.close(event.code ?? 1000, event.reason ?? '')
        return
      case 'websocket.http.response.start':
        this.denial = new DenialResponse(this.socket, event.status, event.headers ?? [])
        return
      case 'websocket.http.response.body':
        await this.denial!.write(event.body, event.moreBody === true)
        if (event.moreBody !== true) this.end(1000, '')
        return
    }
  }

  private completeHandshake(
    subprotocol: string | null,
    headers: [string, string][],
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed !== null || this.socket.destroyed)
        return reject(new ClientDisconnectedError())
      const extra = headers.map(([name, value]) => `${name}: ${value}`)
      const onHeaders = (lines: string[], req: IncomingMessage) => {
        if (req !== this.req) return
        if (subprotocol !== null) lines.push(`Sec-WebSocket-Protocol: ${subprotocol}`)
        lines.push(...extra)
      }
      this.wss.on('headers', onHeaders)
      this.wss.handleUpgrade(this.req, this.socket, this.head, (ws) => {
        this.wss.off('headers', onHeaders)
        this.open(ws)
        resolve()
      })
      // handleUpgrade answers an invalid handshake itself and never calls back.
      this.socket.once('close', () => {
        this.wss.off('headers', onHeaders)
        if (this.ws === null) reject(new ClientDisconnectedError())
      })
    })
  }

  private open(ws: WebSocket): void {
    this.ws = ws
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.push(
        isBinary
          ? {
              type: 'websocket.receive',
              bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
            }
          : { type: 'websocket.receive', text: data.toString('utf8') },
      )
      if (this.queue.length >= QUEUE_HIGH && !ws.isPaused) ws.pause()
    })
    // When ws closes the session itself (a protocol error, a message over wsMaxSize), the app
    // sees the code that was sent, not whatever the peer echoed back.
    let ownClose: number | null = null
    ws.on('close', (code: number, reason: Buffer) =>
      this.end(ownClose ?? code, ownClose === null ? reason.toString('utf8') : ''),
    )
    ws.on('error', (error: Error & { code?: string }) => {
      ownClose = error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 1009 : 1002
      this.ctx.logger.debug(`websocket error: ${error.message}`)
    })
    ws.on('pong', () => {
      if (this.pongTimer !== null) clearTimeout(this.pongTimer)
      this.pongTimer = null
    })
    const interval = this.ctx.options.wsPingInterval
    if (interval > 0) {
      this.pingTimer = setInterval(() => this.ping(), interval * 1000)
      this.pingTimer.unref()
    }
  }

  private ping(): void {
    const ws = this.ws
    if (ws === null || this.pongTimer !== null) return
    ws.ping()
    const timeout = this.ctx.options.wsPingTimeout
    if (timeout > 0) {
      this.pongTimer = setTimeout(() => {
        this.ctx.logger.info(`websocket peer did not answer a ping within ${timeout}s: closing`)
        ws.terminate()
      }, timeout * 1000)
      this.pongTimer.unref()
    }
  }

  private sendMessage(data: string | Uint8Array): Promise<void> {
    const ws = this.ws!
    return new Promise((resolve, reject) => {
      // Resolve at once while little is buffered; otherwise when this message is written.
      const fast = ws.bufferedAmount < SEND_HIGH
      ws.send(data, { binary: typeof data !== 'string' }, (error) => {
        if (fast) return
        if (error) reject(new ClientDisconnectedError(undefined, { cause: error }))
        else resolve()
      })
      if (fast) resolve()
    })
  }

  private push(event: WebSocketIncomingEvent): void {
    const waiter = this.waiter
    if (waiter !== null) {
      this.waiter = null
      waiter(event)
    } else this.queue.push(event)
  }

  private disconnectEvent(): WebSocketIncomingEvent {
    return { type: 'websocket.disconnect', code: this.closed!.code, reason: this.closed!.reason }
  }

  /** The session is over (peer close, network loss, refusal): wake the app with a disconnect. */
  private end(code: number, reason: string): void {
    if (this.closed !== null) return
    this.closed = { code, reason }
    if (this.pingTimer !== null) clearInterval(this.pingTimer)
    if (this.pongTimer !== null) clearTimeout(this.pongTimer)
    const waiter = this.waiter
    if (waiter !== null) {
      this.waiter = null
      waiter(this.disconnectEvent())
    }
  }

  private settle(error: unknown): void {
    const phase = this.tracker.phase
    const unanswered = this.ws === null && this.closed === null
    // An app without WebSocket support refuses the scope (SPEC §2.3): a 403 and an info line,
    // as for a lifespan it does not support, not an application error (SPEC §6.3.5).
    const refused = unanswered && phase !== 'denying' && error instanceof UnsupportedScopeError
    if (refused) {
      this.ctx.logger.info(
        `websocket unsupported by the application (it rejected the websocket scope): ${this.scope.rawPath} → 403`,
      )
    } else if (error !== undefined && !(isClientDisconnected(error) && this.closed !== null)) {
      this.ctx.logger.error(`exception in websocket application: ${this.scope.rawPath}`, error)
    }
    if (unanswered) {
      // The app never answered the handshake: 500 if it failed, 403 if it returned or refused.
      const forbidden = error === undefined || refused
      if (phase === 'denying') this.denial?.abort()
      else
        writeRawResponse(
          this.socket,
          forbidden ? 403 : 500,
          [],
          new TextEncoder().encode(forbidden ? 'Forbidden' : 'Internal Server Error'),
        )
      this.end(1006, '')
    } else if (this.ws !== null && this.closed === null) {
      // Returned (1000) or failed (1011) with the socket still open.
      this.ws.close(error === undefined ? 1000 : 1011, error === undefined ? '' : 'internal error')
    }
    if (this.ws !== null && this.closed === null) {
      const ws = this.ws
      const force = setTimeout(() => ws.terminate(), 5000)
      force.unref()
      ws.once('close', () => {
        clearTimeout(force)
        this.done()
      })
    } else this.done()
  }
}
