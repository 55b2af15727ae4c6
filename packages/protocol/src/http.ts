/**
 * The `http` scope and the events of one HTTP request/response exchange.
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

/** The scope of one HTTP request. One application call handles exactly one request. */
export interface HTTPScope<S extends State = State> {
  /** Discriminant. */
  type: 'http'
  /** Contract version. */
  tsgi: TsgiVersion
  /** The HTTP version the request arrived with. */
  httpVersion: '1.0' | '1.1' | '2'
  /** The request method, uppercase (`GET`, `POST`, or any other token). */
  method: string
  /** `https` when the connection is TLS (or a trusted proxy says so), otherwise `http`. */
  scheme: 'http' | 'https'
  /**
   * The request target's path, percent-decoded and then decoded as UTF-8 (invalid sequences
   * become U+FFFD), without the query. Starts with `rootPath`.
   */
  path: string
  /** The path exactly as received on the wire, not decoded, without the query. Starts with `rootPath`. */
  rawPath: string
  /** The part of the target after the first `?`, without the `?`, still percent-encoded. `''` when absent. */
  queryString: string
  /** The prefix under which the application is mounted (like CGI's SCRIPT_NAME). `''` by default. */
  rootPath: string
  /** Request headers: names lowercased, values as received (latin1), order and duplicates kept. */
  headers: HeaderList
  /** The remote peer, or `null` when unknown. */
  client: Address | null
  /** The local side of the connection, or `null` when unknown. */
  server: ServerAddress | null
  /** A shallow copy of the lifespan state. */
  state: S
  /** Extensions this server supports for this request. */
  extensions: Extensions
}

/** A chunk of the request body. Received by the application. */
export interface HTTPRequestEvent {
  type: 'http.request'
  /** Body bytes; may be empty. Servers de-chunk chunked bodies before delivering them. */
  body: Uint8Array
  /** `true` while more body follows; the last chunk has `false`. */
  moreBody: boolean
}

/**
 * The exchange is over: the client went away, or the response completed. Received by the
 * application; once delivered, every later `receive()` resolves with it again at once.
 */
export interface HTTPDisconnectEvent {
  type: 'http.disconnect'
}

/** Starts the response. Sent by the application, exactly once, before any body. */
export interface HTTPResponseStartEvent {
  type: 'http.response.start'
  /** Status code, an integer from 200 to 599. */
  status: number
  /** Response headers in the order they are to be sent. Defaults to none. */
  headers?: HeaderList
  /** `true` announces trailers (requires the `http.response.trailers` extension). Defaults to `false`. */
  trailers?: boolean
}

/** A chunk of the response body. Sent by the application after `http.response.start`. */
export interface HTTPResponseBodyEvent {
  type: 'http.response.body'
  /** Body bytes. Defaults to empty. */
  body?: Uint8Array
  /** `true` when more body follows. Defaults to `false`: the body is complete. */
  moreBody?: boolean
}

/** Trailer fields, sent after the final body when `trailers: true` was announced (extension). */
export interface HTTPResponseTrailersEvent {
  type: 'http.response.trailers'
  /** Trailer fields. Defaults to none. */
  headers?: HeaderList
  /** `true` when more trailer events follow. Defaults to `false`. */
  moreTrailers?: boolean
}

/**
 * The whole response body is the file at `path` (extension `http.response.pathsend`). Sent
 * once, after `http.response.start`, instead of any `http.response.body`.
 */
export interface HTTPResponsePathsendEvent {
  type: 'http.response.pathsend'
  /** Absolute path of the file to send. */
  path: string
}

/** Events an application receives in an `http` scope. */
export type HTTPIncomingEvent = HTTPRequestEvent | HTTPDisconnectEvent

/** Events an application sends in an `http` scope. */
export type HTTPOutgoingEvent =
  | HTTPResponseStartEvent
  | HTTPResponseBodyEvent
  | HTTPResponseTrailersEvent
  | HTTPResponsePathsendEvent
