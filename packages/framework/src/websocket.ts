/**
 * WebSocket routes: a typed socket over the TSGI websocket events, with middleware that
 * applies to the upgrade (a middleware answering with a Response denies the handshake: through
 * the server's denial extension when offered, else a close, which servers answer with 403).
 *
 * @module
 */
import type { HeaderList, HTTPScope, Receive, Send, WebSocketScope } from '@tsgi/protocol'
import { isClientDisconnected } from '@tsgi/protocol'
import { charsetOf } from './body.ts'
import type { DispatcherOptions } from './dispatcher.ts'
import { compose, type Link } from './middleware.ts'
import { Request } from './request.ts'
import { errorResponse } from './respond.ts'
import { Response } from './response.ts'
import type { RouteRecord, RouterScope } from './router/router.ts'
import { validateRoute } from './validate-route.ts'

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
    const body =
      response.body === null
        ? new Uint8Array(0)
        : typeof response.body === 'string'
          ? Buffer.from(response.body, charsetOf(response.headers.get('content-type')))
          : response.body instanceof Uint8Array
            ? response.body
            : new Uint8Array(0)
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

/** What a WebSocket dispatch needs. */
export interface WebSocketDispatch {
  match: { record: RouteRecord; params: Record<string, string>; pattern: string } | null
  appScope: RouterScope
  options: DispatcherOptions
}

const UPGRADED = new Response(null, { status: 101 })

/** Runs the WebSocket route for a session (or refuses it with 404 when no route matches). */
export async function runWebSocketRoute(
  scope: WebSocketScope,
  receive: Receive,
  send: Send,
  dispatch: WebSocketDispatch,
): Promise<void> {
  const connect = await receive()
  if (connect.type !== 'websocket.connect') return
  const socket = new WebSocket(scope, receive, send)
  // Middleware sees the upgrade as a GET request on the same path.
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
  const { match, appScope, options } = dispatch
  const terminal: Link = async (req) => {
    if (!match)
      return new Response(
        JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }),
        { status: 404, headers: { 'content-type': 'application/problem+json' } },
      )
    req.params = match.params
    req.route = match.pattern
    let link: Link = async (r) => {
      await validateRoute(r, match.record.options, options)
      await (match.record.handler as unknown as (s: WebSocket, r: Request) => unknown)(socket, r)
      return UPGRADED
    }
    link = compose(match.record.options.middleware ?? [], link)
    for (let i = match.record.scopes.length - 1; i >= 0; i--) {
      const level = match.record.scopes[i]!
      if (level !== appScope) link = compose(level.middleware, link)
    }
    return link(req)
  }
  let response: Response
  try {
    response = await compose(appScope.middleware, terminal)(request)
  } catch (error) {
    if (isClientDisconnected(error)) return
    response = errorResponse(error, request, options.logger, options.debug)
  }
  if (socket.state === 'connecting')
    await socket.deny(response.status === 101 ? new Response(null, { status: 403 }) : response)
  else if (socket.state === 'open') await socket.close(response.status === 101 ? 1000 : 1011)
}
