/**
 * `serve()`: lifespan startup, then listen (TCP, unix socket, or TLS), then graceful shutdown:
 * stop accepting, close idle connections, let in-flight requests finish up to the timeout,
 * close WebSockets with 1012, run lifespan shutdown.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { lstat, unlink } from 'node:fs/promises'
import { createServer as createHTTPServer, type Server } from 'node:http'
import { createServer as createHTTPSServer, type Server as HTTPSServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Application, State } from '@tsgi/protocol'
import { resolveOptions, type ServerOptions } from './config/options.ts'
import { ServerContext } from './context.ts'
import { ServerError, ServerErrorCode } from './errors.ts'
import { onClientError } from './http/client-error.ts'
import { createDispatcher } from './http/dispatch.ts'
import { parseAfterPause } from './http/pipeline.ts'
import { onConnect, shouldUpgrade } from './http/upgrade.ts'
import { ALPN_PROTOCOLS, attachAlpn } from './http2/alpn.ts'
import { attachH2c } from './http2/h2c.ts'
import { createH2Side, type H2Side } from './http2/streams.ts'
import { startLifespan, stopLifespan } from './lifespan/lifespan.ts'
import { createLogger } from './logging/logger.ts'
import { createWebSocketHub } from './websocket/hub.ts'

/** A running server. */
export interface ServerHandle {
  /** `http://host:port` (`https://` with TLS), or `unix:/path` for a unix socket. */
  readonly url: string
  /** The bound address: host and the real port (even when 0 was asked), or the socket path. */
  readonly address: { host: string; port: number } | { path: string }
  /** The underlying node:http (or node:https) server. */
  readonly server: Server
  /** The lifespan state the application filled. */
  readonly state: State
  /**
   * Graceful shutdown (idempotent). Rejects with `TSGI_SERVER_ERR_SHUTDOWN` if the application
   * reported a failed lifespan shutdown, after everything else was done.
   */
  close(): Promise<void>
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

function aborted(): ServerError {
  return new ServerError(ServerErrorCode.aborted, 'serve() was aborted before the server listened')
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

/**
 * Serves `app`: validates the options (rejects with `TSGI_SERVER_ERR_OPTION`), runs lifespan
 * startup (rejects with `TSGI_SERVER_ERR_STARTUP` if it fails), then listens. Resolves once
 * connections are accepted. `options.signal` aborted before that: no listening, the lifespan
 * shutdown runs, and it rejects with `TSGI_SERVER_ERR_ABORTED`; aborted after: graceful close.
 *
 * @example
 * ```ts
 * const server = await serve(app, { port: 0 })
 * console.log(server.url)
 * await server.close()
 * ```
 */
export async function serve(app: Application, options: ServerOptions = {}): Promise<ServerHandle> {
  const opts = resolveOptions(options)
  const logger =
    opts.logger ??
    createLogger({
      level: opts.logLevel,
      accessLog: opts.accessLog,
      format: opts.logFormat,
      time: opts.logTime,
    })
  const { signal } = opts
  if (signal?.aborted) throw aborted()
  const tls = opts.sslKeyfile !== undefined && opts.sslCertfile !== undefined
  let key: Buffer | undefined
  let cert: Buffer | undefined
  if (tls) {
    // resolveOptions() read and checked them; this reads what it accepted.
    key = readFileSync(opts.sslKeyfile!)
    cert = readFileSync(opts.sslCertfile!)
  }
  const lifespan = await startLifespan(app, opts.lifespan, opts.state ?? {}, logger)
  if (signal?.aborted) {
    // Stopped while the application started: it gets its shutdown, no connection is accepted.
    logger.info('stopped during startup: not listening')
    await stopLifespan(lifespan, logger)
    throw aborted()
  }
  const ctx = new ServerContext(app, opts, logger)
  ctx.state = lifespan.state

  const settings = {
    maxHeaderSize: opts.maxHeaderSize,
    keepAliveTimeout: opts.timeoutKeepAlive * 1000,
    headersTimeout: opts.timeoutHeaders * 1000,
    // Body timeouts are the exchange's own (only while the app waits for bytes): no global cap.
    requestTimeout: 0,
    connectionsCheckingInterval: Math.min(1000, Math.max(100, (opts.timeoutHeaders * 1000) / 4)),
    // A missing Host is refused by the dispatcher (refusal.ts), with a reason and a log line.
    requireHostHeader: false,
    // Only WebSocket handshakes leave the HTTP path; `Upgrade: h2c` and others are served as
    // HTTP/1.1 (RFC 9110 §7.8). Node before 22.21/24.9 ignores this (see upgrade.ts).
    shouldUpgradeCallback: shouldUpgrade,
    noDelay: true,
  }
  const server: Server = tls
    ? createHTTPSServer({
        ...settings,
        key,
        cert,
        ...(opts.http2 ? { ALPNProtocols: [...ALPN_PROTOCOLS] } : {}),
      })
    : createHTTPServer(settings)
  // HTTP/2 beside HTTP/1.1 on the same port: node:http keeps its connections as without it.
  let h2: H2Side | undefined
  if (opts.http2) {
    h2 = createH2Side(ctx)
    if (tls) attachAlpn(server as HTTPSServer, h2.server)
    else attachH2c(server, h2.server)
  }
  const afterResponse = () => {
    if (ctx.closing) setImmediate(() => server.closeIdleConnections())
  }
  const dispatcher = createDispatcher(ctx, afterResponse)
  server.on('request', (req, res) => dispatcher.handle(req, res, false))
  server.on('checkContinue', (req, res) => dispatcher.handle(req, res, true))
  server.on('clientError', onClientError(logger, opts.maxUrlLength))
  server.on('connect', onConnect(logger))
  if (tls) server.on('secureConnection', parseAfterPause)
  const hub = createWebSocketHub(ctx, dispatcher)
  server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head))

  if (opts.uds !== undefined) {
    const existing = await lstat(opts.uds).catch(() => undefined)
    if (existing?.isSocket()) await unlink(opts.uds)
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    const done = () => {
      server.off('error', reject)
      resolve()
    }
    if (opts.uds !== undefined) server.listen({ path: opts.uds, backlog: opts.backlog }, done)
    else server.listen({ host: opts.host, port: opts.port, backlog: opts.backlog }, done)
  }).catch(async (error: Error) => {
    await stopLifespan(lifespan, logger).catch(() => {})
    throw new ServerError(ServerErrorCode.badOption, `cannot listen: ${error.message}`, {
      cause: error,
    })
  })
  server.on('error', (error) => logger.error('server error', error))

  const bound = server.address()
  const address =
    typeof bound === 'string' || bound === null
      ? { path: opts.uds ?? String(bound) }
      : { host: (bound as AddressInfo).address, port: (bound as AddressInfo).port }
  const url =
    'path' in address
      ? `unix:${address.path}`
      : `${tls ? 'https' : 'http'}://${formatHost(opts.host)}:${address.port}`

  let closing: Promise<void> | undefined
  const shutdown = async (): Promise<void> => {
    ctx.closing = true
    logger.info('shutting down')
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    // GOAWAY to every h2 session: its streams in flight finish, new ones are refused.
    void h2?.sessions.closeAll()
    hub.closeAll(1012)
    const timeoutMs = opts.timeoutGracefulShutdown * 1000
    let timer: NodeJS.Timeout | undefined
    const timedOut = await Promise.race([
      ctx.drain().then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs)
      }),
    ])
    clearTimeout(timer)
    if (timedOut) {
      logger.warn(
        `graceful shutdown timed out after ${opts.timeoutGracefulShutdown}s: cancelling ${ctx.inFlightCount} in-flight request(s) and session(s)`,
      )
      for (const work of [...ctx.inFlight]) work.abort('shutdown')
      h2?.sessions.destroyAll()
    }
    server.closeAllConnections()
    await stopped
    if (opts.uds !== undefined) await unlink(opts.uds).catch(() => {})
    await stopLifespan(lifespan, logger)
    logger.info('server stopped')
  }
  const onAbort = () => {
    // The caller of close() (or whoever aborted) sees a shutdown failure; not an unhandled one.
    close().catch(() => {})
  }
  const close = () => {
    signal?.removeEventListener('abort', onAbort)
    closing ??= shutdown()
    return closing
  }
  if (signal?.aborted) {
    // Aborted while binding: close before accepting anything (no I/O ran since listening).
    await close()
    throw aborted()
  }
  // Registered before the ready line, so that a signal the instant it is read always drains.
  signal?.addEventListener('abort', onAbort, { once: true })
  logger.info(`tsgi running on ${url} (press CTRL+C to quit)`)
  return { url, address, server, state: lifespan.state, close, [Symbol.asyncDispose]: close }
}
