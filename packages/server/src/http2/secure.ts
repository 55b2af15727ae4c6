/**
 * h2 over TLS with HTTP/1.1 on the same port: ALPN offers `h2` then `http/1.1`
 * (RFC 7301), and a client that picks `http/1.1` or offers no ALPN at all is served by
 * node:http's own HTTP/1.1 code inside the same server (`allowHTTP1`).
 *
 * What the HTTP/1.1 side hands the `request` listener: node:http's `IncomingMessage` and
 * `ServerResponse` (node's `allowHTTP1` calls node:http's connection handling, with the
 * HTTP/1.1 options given here), not the compat `Http2ServerRequest`/`Http2ServerResponse`
 * that h2 streams get. So one `request` listener sees two kinds of objects, told apart by
 * `req.httpVersionMajor` (or `'stream' in req`), and the existing HTTP/1.1 exchange serves
 * the first kind unchanged (test/http2-tls.test.ts checks the classes).
 *
 * @module
 */

import type { IncomingMessage } from 'node:http'
import { createSecureServer, type Http2SecureServer } from 'node:http2'
import { type Http2Limits, http2SecureServerOptions } from './limits.ts'

/** node:http's options, for the HTTP/1.1 connections of the TLS server. */
export interface Http1FallbackOptions {
  readonly maxHeaderSize?: number
  readonly keepAliveTimeout?: number
  readonly headersTimeout?: number
  readonly requestTimeout?: number
  readonly connectionsCheckingInterval?: number
  readonly requireHostHeader?: boolean
  readonly noDelay?: boolean
  /** Which HTTP/1.1 requests leave the HTTP path as `upgrade` (node ≥ 22.21 / 24.9). */
  readonly shouldUpgradeCallback?: (req: IncomingMessage) => boolean
}

/**
 * A TLS server for h2 and HTTP/1.1 on one port, with `limits` on its h2 sessions and `http1`
 * on its HTTP/1.1 connections. `tls` is passed to node:tls as is (`key`, `cert`, `ca`, …).
 */
export function createSecureHttp2Server(
  tls: { readonly key: Buffer | string; readonly cert: Buffer | string },
  limits: Http2Limits,
  http1: Http1FallbackOptions = {},
): Http2SecureServer {
  const server = createSecureServer({ ...tls, ...http1, ...http2SecureServerOptions(limits) })
  // node's allowHTTP1 replaces the upgrade decision with "any 'upgrade' listener": ours goes
  // back (only WebSocket handshakes leave the HTTP path, see http/upgrade.ts).
  const decide = http1.shouldUpgradeCallback
  if (decide !== undefined)
    (server as Http2SecureServer & { shouldUpgradeCallback: typeof decide }).shouldUpgradeCallback =
      decide
  return server
}
