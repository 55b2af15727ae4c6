/**
 * The `websocket` scope and the events of one WebSocket session.
 *
 * @module
 */
import type {
  Address,
  Extensions,
  HeaderList,
  ServerAddress,
  State,
  TsgiVersion,
} from './common.ts'

/** The scope of one WebSocket session, from the upgrade request to the close. */
export interface WebSocketScope<S extends State = State> {
  /** Discriminant. */
  type: 'websocket'
  /** Contract version. */
  tsgi: TsgiVersion
  /** The HTTP version of the upgrade request. */
  httpVersion: '1.1' | '2'
  /** `wss` when the connection is TLS (or a trusted proxy says so), otherwise `ws`. */
  scheme: 'ws' | 'wss'
  /** Percent-decoded UTF-8 path without the query; starts with `rootPath`. */
  path: string
  /** The path as received, not decoded; starts with `rootPath`. */
  rawPath: string
  /** The raw query string without `?`. */
  queryString: string
  /** The mount prefix. `''` by default. */
  rootPath: string
  /** Handshake request headers: names lowercased, values latin1, order and duplicates kept. */
  headers: HeaderList
  /** The remote peer, or `null` when unknown. */
  client: Address | null
  /** The local side of the connection, or `null` when unknown. */
  server: ServerAddress | null
  /** Subprotocols the client offered (`Sec-WebSocket-Protocol`), in order. */
  subprotocols: string[]
  /** A shallow copy of the lifespan state. */
  state: S
  /** Extensions this server supports for this session. */
  extensions: Extensions
}

/** The client asks to open the session. The first event received; answer with accept or close. */
export interface WebSocketConnectEvent {
  type: 'websocket.connect'
}

/** Accepts the session (completes the handshake with `101 Switching Protocols`). */
export interface WebSocketAcceptEvent {
  type: 'websocket.accept'
  /** The chosen subprotocol; must be one the client offered. */
  subprotocol?: string | null
  /** Extra handshake response headers. Must not include `sec-websocket-protocol`. */
  headers?: HeaderList
}

/** A complete message from the client: exactly one of `bytes` or `text` is set. */
export type WebSocketReceiveEvent =
  | { type: 'websocket.receive'; bytes: Uint8Array; text?: null }
  | { type: 'websocket.receive'; text: string; bytes?: null }

/** A message to the client: exactly one of `bytes` or `text` must be set. */
export type WebSocketSendEvent =
  | { type: 'websocket.send'; bytes: Uint8Array; text?: null }
  | { type: 'websocket.send'; text: string; bytes?: null }

/**
 * The session is over. Received by the application; every later `receive()` resolves with it.
 * `code` is the peer's close code, 1005 when its close frame had none, 1006 when the connection
 * was lost without a close frame.
 */
export interface WebSocketDisconnectEvent {
  type: 'websocket.disconnect'
  /** WebSocket close code. */
  code: number
  /** Close reason; `''` when none. */
  reason: string
}

/**
 * Closes the session. Before accept, the server answers the handshake with HTTP 403 instead.
 */
export interface WebSocketCloseEvent {
  type: 'websocket.close'
  /** Close code: 1000 by default; 1000–1014 except 1004–1006, or 3000–4999. */
  code?: number
  /** Close reason, at most 123 bytes of UTF-8. Defaults to `''`. */
  reason?: string
}

/** Denies the handshake with an HTTP response (extension `websocket.http.response`). */
export interface WebSocketHTTPResponseStartEvent {
  type: 'websocket.http.response.start'
  /** Status code, an integer from 200 to 599. */
  status: number
  /** Response headers. */
  headers?: HeaderList
}

/** Body of a denial response (extension `websocket.http.response`). */
export interface WebSocketHTTPResponseBodyEvent {
  type: 'websocket.http.response.body'
  /** Body bytes. Defaults to empty. */
  body?: Uint8Array
  /** `true` when more body follows. Defaults to `false`. */
  moreBody?: boolean
}

/** Events an application receives in a `websocket` scope. */
export type WebSocketIncomingEvent =
  | WebSocketConnectEvent
  | WebSocketReceiveEvent
  | WebSocketDisconnectEvent

/** Events an application sends in a `websocket` scope. */
export type WebSocketOutgoingEvent =
  | WebSocketAcceptEvent
  | WebSocketSendEvent
  | WebSocketCloseEvent
  | WebSocketHTTPResponseStartEvent
  | WebSocketHTTPResponseBodyEvent
