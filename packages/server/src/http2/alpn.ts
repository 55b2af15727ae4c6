/**
 * h2 and HTTP/1.1 on one TLS port, routed by ALPN (RFC 7301): the node:https server keeps
 * the port and every HTTP/1.1 connection exactly as without HTTP/2 (its connection tracking,
 * timeouts, `closeIdleConnections()`, the same request listener), and a connection whose
 * handshake chose `h2` is given to a non-listening node:http2 server instead. A client that
 * offers no ALPN at all is HTTP/1.1, as node's `allowHTTP1` would have it.
 *
 * Why not `http2.createSecureServer({ allowHTTP1 })` (secure.ts): its HTTP/1.1 connections are
 * not tracked by node:http (no `closeIdleConnections()` for shutdown), and it is not the
 * node:http `Server` the rest of the server and its handle hold.
 *
 * @module
 */

import type { Http2Server } from 'node:http2'
import type { Server as HTTPSServer } from 'node:https'
import type { TLSSocket } from 'node:tls'

/** The protocols offered, in the server's order of preference. */
export const ALPN_PROTOCOLS: readonly string[] = Object.freeze(['h2', 'http/1.1'])

type SecureConnectionListener = (this: HTTPSServer, socket: TLSSocket) => void

/**
 * Makes `https` (created with `ALPNProtocols: ALPN_PROTOCOLS`) give its `h2` connections to
 * `h2`. Call it once, right after creating `https`: `secureConnection` listeners present then
 * (node:http's) see only the HTTP/1.1 connections; listeners added later see all of them.
 */
export function attachAlpn(https: HTTPSServer, h2: Http2Server): void {
  const http1Listeners = https.listeners('secureConnection') as SecureConnectionListener[]
  https.removeAllListeners('secureConnection')
  https.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol === 'h2') h2.emit('connection', socket)
    else for (const listener of http1Listeners) listener.call(https, socket)
  })
}
