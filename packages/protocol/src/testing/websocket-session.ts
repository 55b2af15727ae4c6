/**
 * One WebSocket session driven through an application in memory (SPEC.md §6).
 *
 * @module
 */
import type { Application, SendEvent } from '../application.ts'
import { callApplication } from '../call-application.ts'
import type { HeaderList } from '../common.ts'
import { deferred } from '../deferred.ts'
import {
  ClientDisconnectedError,
  IncompleteResponseError,
  isClientDisconnected,
  ProtocolError,
} from '../errors.ts'
import { getHeader } from '../headers.ts'
import type { WebSocketIncomingEvent, WebSocketScope } from '../websocket.ts'
import { WebSocketTracker } from '../websocket-tracker.ts'
import { concat } from './body.ts'

/** A message as the test sees it: text or bytes. */
export type WebSocketMessage = string | Uint8Array

/** The handshake was refused: the HTTP response the client got instead of `101`. */
export class WebSocketDeniedError extends Error {
  /** HTTP status: 403 when the app closed before accepting, 500 when it failed to answer. */
  readonly status: number
  /** Response headers (denial response extension). */
  readonly headers: HeaderList
  /** Response body (denial response extension). */
  readonly body: Uint8Array

  constructor(status: number, headers: HeaderList = [], body: Uint8Array = new Uint8Array(0)) {
    super(`websocket handshake denied with HTTP ${status}`)
    this.name = 'WebSocketDeniedError'
    this.status = status
    this.headers = headers
    this.body = body
  }

  /** The first value of a response header. */
  header(name: string): string | undefined {
    return getHeader(this.headers, name)
  }

  /** The body as UTF-8 text. */
  text(): string {
    return new TextDecoder().decode(this.body)
  }
}

/** The session closed while the test waited for a message. */
export class WebSocketClosedError extends Error {
  /** Close code. */
  readonly code: number
  /** Close reason. */
  readonly reason: string

  constructor(code: number, reason: string) {
    super(`websocket closed with code ${code}${reason ? ` (${reason})` : ''}`)
    this.name = 'WebSocketClosedError'
    this.code = code
    this.reason = reason
  }
}

/** How a session ended: who closed it, with which code and reason. */
export interface CloseInfo {
  code: number
  reason: string
}

/** The driver of one session; the test talks to it through {@link TestWebSocket}. */
export class WebSocketSession {
  readonly scope: WebSocketScope
  readonly tracker: WebSocketTracker
  readonly violations: ProtocolError[] = []
  appError: unknown = undefined
  subprotocol: string | null = null
  acceptHeaders: HeaderList = []
  readonly handshake = deferred<void>()
  readonly closed = deferred<CloseInfo>()
  readonly done = deferred<void>()
  private readonly toApp: WebSocketIncomingEvent[] = [{ type: 'websocket.connect' }]
  private readonly appWaiters: Array<() => void> = []
  private readonly toTest: WebSocketMessage[] = []
  private readonly testWaiters: Array<() => void> = []
  private denial: { status: number; headers: HeaderList; body: Uint8Array[] } | null = null
  private final: WebSocketIncomingEvent | null = null
  private peerGone = false

  constructor(scope: WebSocketScope) {
    this.scope = scope
    this.tracker = new WebSocketTracker(scope.subprotocols, scope.extensions)
  }

  run(app: Application): void {
    const receive = async (): Promise<WebSocketIncomingEvent> => {
      while (this.toApp.length === 0) {
        if (this.final) return this.final
        await new Promise<void>((resolve) => this.appWaiters.push(resolve))
      }
      return this.toApp.shift()!
    }
    const send = async (event: SendEvent): Promise<void> => this.send(event)
    callApplication(
      app,
      this.scope,
      receive,
      send,
      () => this.settle(undefined, false),
      (error) => this.settle(error, true),
    )
  }

  /** From the test: a message to the application. */
  clientSend(message: WebSocketMessage): void {
    if (this.peerGone || this.tracker.phase === 'closed')
      throw new WebSocketClosedError(1006, 'the session is closed')
    this.toApp.push(
      typeof message === 'string'
        ? { type: 'websocket.receive', text: message }
        : { type: 'websocket.receive', bytes: message },
    )
    this.wake(this.appWaiters)
  }

  /** From the test: the client closes (or loses the connection: code 1006). */
  clientClose(code: number, reason: string): void {
    if (this.peerGone) return
    this.peerGone = true
    this.endForApp(code, reason)
    this.closed.resolve({ code, reason })
    this.wake(this.testWaiters)
  }

  /** From the test: the next message from the application. */
  async clientReceive(): Promise<WebSocketMessage> {
    while (this.toTest.length === 0) {
      if (this.closed.settled) {
        const info = await this.closed.promise
        throw new WebSocketClosedError(info.code, info.reason)
      }
      await new Promise<void>((resolve) => this.testWaiters.push(resolve))
    }
    return this.toTest.shift()!
  }

  private async send(event: SendEvent): Promise<void> {
    if (this.peerGone) throw new ClientDisconnectedError()
    try {
      this.tracker.accept(event)
    } catch (error) {
      if (error instanceof ProtocolError) this.violations.push(error)
      throw error
    }
    switch (event.type) {
      case 'websocket.accept':
        this.subprotocol = event.subprotocol ?? null
        this.acceptHeaders = event.headers ?? []
        this.handshake.resolve()
        return
      case 'websocket.send':
        this.toTest.push(event.bytes != null ? event.bytes : (event.text as string))
        this.wake(this.testWaiters)
        return
      case 'websocket.close': {
        const code = event.code ?? 1000
        const reason = event.reason ?? ''
        if (this.tracker.outcome === 'close') {
          this.handshake.reject(new WebSocketDeniedError(403))
          this.endForApp(1006, '')
        } else {
          this.endForApp(code, reason)
        }
        this.closed.resolve({ code, reason })
        this.wake(this.testWaiters)
        return
      }
      case 'websocket.http.response.start':
        this.denial = { status: event.status, headers: event.headers ?? [], body: [] }
        return
      case 'websocket.http.response.body':
        if (event.body) this.denial!.body.push(event.body)
        if (this.tracker.phase === 'closed') this.deny()
        return
    }
  }

  private deny(): void {
    const { status, headers, body } = this.denial!
    this.handshake.reject(new WebSocketDeniedError(status, headers, concat(body)))
    this.endForApp(1006, '')
    this.closed.resolve({ code: 1006, reason: '' })
  }

  private endForApp(code: number, reason: string): void {
    this.final ??= { type: 'websocket.disconnect', code, reason }
    this.wake(this.appWaiters)
  }

  private settle(error: unknown, threw: boolean): void {
    if (threw && !(isClientDisconnected(error) && this.peerGone)) this.appError = error
    const phase = this.tracker.phase
    if (phase === 'handshake' || phase === 'denying') {
      if (!threw)
        this.violations.push(
          new IncompleteResponseError(phase === 'handshake' ? 'handshake' : 'body'),
        )
      this.handshake.reject(new WebSocketDeniedError(500))
    } else if (phase === 'open' && !this.peerGone) {
      // The application left without closing: the server closes for it.
      this.closed.resolve(threw ? { code: 1011, reason: '' } : { code: 1000, reason: '' })
    }
    this.closed.resolve({ code: 1006, reason: '' })
    this.endForApp(1006, '')
    this.wake(this.testWaiters)
    this.done.resolve()
  }

  private wake(waiters: Array<() => void>): void {
    for (const wake of waiters.splice(0)) wake()
  }
}

/** The test's end of an accepted in-memory WebSocket session. */
export class TestWebSocket {
  private readonly session: WebSocketSession
  private readonly finished: () => Promise<void>

  constructor(session: WebSocketSession, finished: () => Promise<void>) {
    this.session = session
    this.finished = finished
  }

  /** The subprotocol the application chose, or `null`. */
  get subprotocol(): string | null {
    return this.session.subprotocol
  }

  /** Extra headers the application sent with its accept. */
  get headers(): HeaderList {
    return this.session.acceptHeaders
  }

  /** Sends a text or binary message to the application. */
  send(message: WebSocketMessage): void {
    this.session.clientSend(message)
  }

  /** The next message from the application; rejects with {@link WebSocketClosedError} once closed. */
  receive(): Promise<WebSocketMessage> {
    return this.session.clientReceive()
  }

  /** The next message, which must be text. */
  async receiveText(): Promise<string> {
    const message = await this.receive()
    if (typeof message !== 'string')
      throw new TypeError(`expected a text message, got ${message.byteLength} bytes`)
    return message
  }

  /** The next message, which must be binary. */
  async receiveBytes(): Promise<Uint8Array> {
    const message = await this.receive()
    if (typeof message === 'string')
      throw new TypeError(`expected a binary message, got text ${JSON.stringify(message)}`)
    return message
  }

  /** The next text message parsed as JSON. */
  async receiveJson<T = unknown>(): Promise<T> {
    return JSON.parse(await this.receiveText()) as T
  }

  /** Closes from the client side with a close frame: the application receives this code and reason. */
  close(code = 1000, reason = ''): void {
    this.session.clientClose(code, reason)
  }

  /** Loses the connection without a close frame: the application receives code 1006. */
  drop(): void {
    this.session.clientClose(1006, '')
  }

  /** How the session closed (resolves once it has). */
  get closed(): Promise<CloseInfo> {
    return this.session.closed.promise
  }

  /** Resolves once the application's call has settled; rejects on a violation or an app error. */
  done(): Promise<void> {
    return this.finished()
  }
}
