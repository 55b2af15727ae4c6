/**
 * WebSocket routes: a typed socket over the TSGI websocket events, and the session runner. The
 * route's chain is the one HTTP routes get (`router/compile.ts`), so middleware and error
 * handlers apply to the upgrade alike (a Response instead of the upgrade denies the handshake:
 * through the server's denial extension when offered, else a close, which servers answer
 * with 403).
 *
 * @module
 */
import type { HeaderList, HTTPScope, Receive, Send, State, WebSocketScope } from '@tsgi/protocol'
import { isClientDisconnected } from '@tsgi/protocol'
import { charsetOf } from './body.ts'
import type { Link } from './middleware.ts'
import { type Locals, Request } from './request.ts'
import { errorResponse } from './respond.ts'
import { Response } from './response.ts'
import { unexpectedResult, validated } from './router/compile.ts'
import type { DispatcherOptions, RouteRecord, RouteTypes } from './router/model.ts'

/** A message: text or bytes. */
export type Message = string | Uint8Array

/** Where a socket is. */
export type SocketState = 'connecting' | 'open' | 'closed'

/** The socket a WebSocket handler gets. */
export class WebSocket implements AsyncIterable<Message> {
  /** `connecting` until accepted, `open`, then `closed`. */
  state: SocketState = 'connecting'
  /** The peer's close code once it left (1005 without a code, 1006 if the connection dropped). */
  closeCode: number | null = null
  /** The peer's close reason. */
  closeReason = ''
  /** The subprotocols the client offered. */
  readonly subprotocols: readonly string[]
  private readonly receiveEvent: Receive
  private readonly sendEvent: Send
  private readonly scope: WebSocketScope
  private readonly controller = new AbortController()

  constructor(scope: WebSocketScope, receive: Receive, send: Send) {
    this.scope = scope
    this.subprotocols = scope.subprotocols
    this.receiveEvent = receive
    this.sendEvent = send
  }

  /** Aborts when the peer leaves (or the socket closes). */
  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** Accepts the handshake, optionally choosing a subprotocol the client offered and adding headers. */
  async accept(options: { subprotocol?: string; headers?: HeaderList } = {}): Promise<void> {
    await this.sendEvent({
      type: 'websocket.accept',
      subprotocol: options.subprotocol ?? null,
      headers: options.headers ?? [],
    })
    this.state = 'open'
  }

  /** The next message, or `null` once the peer left. */
  async receive(): Promise<Message | null> {
    if (this.state === 'closed') return null
    for (;;) {
      const event = await this.receiveEvent()
      if (event.type === 'websocket.receive') return event.text ?? event.bytes ?? ''
      if (event.type === 'websocket.disconnect') {
        this.closed(event.code, event.reason)
        return null
      }
    }
  }

  /** Messages until the peer leaves. */
  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    for (let m = await this.receive(); m !== null; m = await this.receive()) yield m
  }

  /** Sends a text or binary message. Rejects with `ClientDisconnectedError` once the peer left. */
  send(message: Message): Promise<void> {
    return this.sendEvent(
      typeof message === 'string'
        ? { type: 'websocket.send', text: message }
        : { type: 'websocket.send', bytes: message },
    )
  }

  /** Sends a value as a JSON text message. */
  sendJson(value: unknown): Promise<void> {
    return this.send(JSON.stringify(value))
  }

  /** Closes the session (before accept: refuses the handshake, which servers answer with 403). */
  async close(code = 1000, reason = ''): Promise<void> {
    if (this.state === 'closed') return
    this.closed(code, reason)
    await this.sendEvent({ type: 'websocket.close', code, reason }).catch((error: unknown) => {
      if (!isClientDisconnected(error)) throw error
    })
  }

  /** Refuses the handshake with an HTTP response (a close, so 403, if the server cannot send one). */
  async deny(response: Response): Promise<void> {
    if (this.state !== 'connecting') throw new Error('deny() is only possible before accept()')
    if (!this.scope.extensions['websocket.http.response']) return this.close(1000)
    const body = await denialBody(response)
    if (!response.headers.has('content-length'))
      response.headers.set('content-length', String(body.byteLength))
    this.state = 'closed'
    await this.sendEvent({
      type: 'websocket.http.response.start',
      status: response.status,
      headers: response.headers.list,
    })
    await this.sendEvent({ type: 'websocket.http.response.body', body })
  }

  private closed(code: number, reason: string): void {
    if (this.state !== 'closed' || this.closeCode === null) {
      this.closeCode = code
      this.closeReason = reason
    }
    this.state = 'closed'
    this.controller.abort()
  }
}

/**
 * A denial's body as bytes: a denial has a known length, so a streamed body (an error
 * handler's or a middleware's web Response) is read whole first. A file body is not sent.
 */
async function denialBody(response: Response): Promise<Uint8Array> {
  const body = response.body
  if (body === null) return new Uint8Array(0)
  if (typeof body === 'string')
    return Buffer.from(body, charsetOf(response.headers.get('content-type')))
  if (body instanceof Uint8Array) return body
  if (!(Symbol.asyncIterator in body)) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  for await (const chunk of body as AsyncIterable<Uint8Array | string>)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return Buffer.concat(chunks)
}

/** A WebSocket route handler: gets the socket (accept it, or close/deny) and the upgrade request. */
export type WebSocketHandler<P extends string, O, S extends State, L extends object = Locals> = (
  socket: WebSocket,
  request: Request<RouteTypes<P, O, S, L>>,
) => void | Promise<void>

/** The socket of each upgrade request in flight (the chain's links only carry the request). */
const sockets = new WeakMap<Request, WebSocket>()

/**
 * The terminal of a WebSocket route: validation, then the handler with the session's socket.
 * It answers 101 when the handler returns: the session then ends normally (or, if the handler
 * never accepted, is refused with 403).
 */
export function webSocketTerminal(record: RouteRecord, options: DispatcherOptions): Link {
  const handler = record.handler as (socket: WebSocket, request: Request) => unknown
  return validated(record, options, async (request) => {
    await handler(sockets.get(request)!, request)
    return new Response(null, { status: 101 })
  })
}

/**
 * Runs one WebSocket session through `chain` (the app's chain for WebSocket routing, which
 * ends in the route's chain from `compileRoute`): middleware sees the upgrade as a GET on the
 * same path, and error handlers turn failures into the handshake's denial response (through
 * the server's denial extension; a close, so 403, without it), or a 1011 close once accepted.
 */
export async function runWebSocketSession(
  scope: WebSocketScope,
  receive: Receive,
  send: Send,
  chain: Link,
  options: DispatcherOptions,
): Promise<void> {
  const connect = await receive()
  if (connect.type !== 'websocket.connect') return
  const socket = new WebSocket(scope, receive, send)
  const request = new Request(
    {
      ...scope,
      type: 'http',
      method: 'GET',
      scheme: scope.scheme === 'wss' ? 'https' : 'http',
      httpVersion: '1.1',
    } as HTTPScope,
    receive,
    0,
  )
  sockets.set(request, socket)
  let response: Response
  try {
    const answered = await chain(request)
    response =
      answered instanceof Response ? answered : unexpectedResult(answered, request, options)
  } catch (error) {
    // An error handler that rethrew (or the client leaving): as for HTTP, the default answer.
    if (isClientDisconnected(error)) return
    response = errorResponse(error, request, options.logger, options.debug)
  }
  if (socket.state === 'connecting')
    await socket.deny(response.status === 101 ? new Response(null, { status: 403 }) : response)
  else if (socket.state === 'open') await socket.close(response.status === 101 ? 1000 : 1011)
}
