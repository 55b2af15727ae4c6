/**
 * Shapes shared by every TSGI scope and event.
 *
 * @module
 */

/** The TSGI version block carried by every scope as `scope.tsgi`. */
export interface TsgiVersion {
  /** Version of the TSGI contract as a whole. Always `'1.0'` for this release. */
  readonly version: '1.0'
  /** Version of the scope type's own specification (`http`, `websocket`, `lifespan`). */
  readonly specVersion: '1.0'
}

/**
 * An ordered list of header fields. Names are strings (lowercased by servers in request scopes;
 * case-insensitive in events an application sends), values are latin1 strings: every character
 * is one octet (`U+0000`–`U+00FF`). Order and duplicates are meaningful and kept.
 */
export type HeaderList = Array<[name: string, value: string]>

/** A network address: a host (IP address or hostname) and a TCP port. */
export interface Address {
  /** IP address or hostname. */
  host: string
  /** TCP port. */
  port: number
}

/** The server side of a connection: `port` is `null` when `host` is a unix socket path. */
export interface ServerAddress {
  /** IP address, hostname, or unix socket path. */
  host: string
  /** TCP port, or `null` for a unix socket. */
  port: number | null
}

/**
 * Lifespan state: a plain object the application fills during `lifespan.startup`.
 * Servers pass a shallow copy of it in every `http` and `websocket` scope, and never read it.
 */
export type State = Record<string, unknown>

/**
 * Data a server attaches to the `tls` extension on connections that arrived over TLS.
 * Fields are `null` when the server cannot tell.
 */
export interface TLSExtension {
  /** The server's certificate in PEM form. */
  serverCert: string | null
  /** The client's certificate chain, PEM, leaf first; empty without client authentication. */
  clientCertChain: string[]
  /** The client certificate's subject as an RFC 4514 distinguished name. */
  clientCertName: string | null
  /** Why the client certificate was rejected, when it was. */
  clientCertError: string | null
  /** The negotiated protocol version as a number: `0x0303` for TLS 1.2, `0x0304` for TLS 1.3. */
  tlsVersion: number | null
  /** The negotiated cipher suite as its IANA number, e.g. `0x1301` for TLS_AES_128_GCM_SHA256. */
  cipherSuite: number | null
}

/**
 * Extensions a server supports on this connection. A key's presence means the application may
 * use that extension's events; its value carries the extension's data (`{}` when there is none).
 * Unknown keys may appear: more extensions are added through the same mechanism.
 */
export interface Extensions {
  /** The application may send `trailers: true` and then `http.response.trailers` events. */
  'http.response.trailers'?: Record<string, never>
  /** The application may send `http.response.pathsend` to stream a file from disk. */
  'http.response.pathsend'?: Record<string, never>
  /** Before accepting, a WebSocket application may send `websocket.http.response.*` to deny. */
  'websocket.http.response'?: Record<string, never>
  /** Present only on connections that arrived over TLS. */
  tls?: TLSExtension
  /** Other extensions, announced by name. */
  [name: string]: unknown
}
