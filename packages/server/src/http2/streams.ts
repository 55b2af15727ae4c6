/**
 * From node:http2's `stream` event to an exchange: the request head read by request-head.ts
 * (malformed → RST_STREAM PROTOCOL_ERROR, refused → the server's own answer), 503 while
 * shutting down or saturated; a stream the client reset in the read that opened it (the
 * rapid-reset pattern, CVE-2023-44487) never starts an app.
 * Streams are independent: no queue, unlike HTTP/1.1's pipelining (http/dispatch.ts).
 *
 * The connection-level scope fields (client, server, scheme, `tls`) are read once per session.
 *
 * @module
 */
import {
  constants,
  createServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2'
import type { TLSSocket } from 'node:tls'
import { type Address, type Extensions, type ServerAddress, TSGI_VERSION } from '@tsgi/protocol'
import type { ServerContext } from '../context.ts'
import { warnClientError } from '../logging/client-log.ts'
import { readForwarded } from '../scope/proxy.ts'
import { tlsExtension } from '../scope/tls.ts'
import { H2Exchange } from './exchange.ts'
import { http2Limits, http2ServerOptions } from './limits.ts'
import { h2RequestFields } from './request-head.ts'
import { type SessionSet, trackSessions } from './sessions.ts'
import { writeH2ErrorResponse } from './wire.ts'

const ignore = () => {}

/** What every stream of one session shares. */
interface SessionFields {
  readonly client: Address | null
  readonly server: ServerAddress | null
  readonly secure: boolean
  readonly remote: string | undefined
  readonly extensions: Extensions
}

/** The h2 side of a server: a non-listening node:http2 server its connections are given to. */
export interface H2Side {
  /** Give it sockets with `emit('connection', socket)` (h2c.ts, alpn.ts do). */
  readonly server: Http2Server
  /** Its sessions, for graceful shutdown. */
  readonly sessions: SessionSet
}

/** Creates the h2 side of the server of `ctx`. */
export function createH2Side(ctx: ServerContext): H2Side {
  const opts = ctx.options
  const limits = http2Limits({
    // The HTTP/1.1 bounds, carried over: the head size and the idle connection's lifetime.
    maxHeaderListSize: opts.maxHeaderSize,
    idleTimeoutMs: opts.timeoutKeepAlive * 1000,
  })
  const server = createServer(http2ServerOptions(limits))
  const sessions = trackSessions(server, limits.idleTimeoutMs)
  const perSession = new WeakMap<Http2Session, SessionFields>()
  const fieldsOf = (session: Http2Session): SessionFields => {
    let fields = perSession.get(session)
    if (fields === undefined) {
      fields = sessionFields(session, ctx)
      perSession.set(session, fields)
    }
    return fields
  }
  server.on(
    'stream',
    (stream: ServerHttp2Stream, _h: IncomingHttpHeaders, _f: number, raw: string[]) => {
      // A peer's RST_STREAM with an error code is an 'error' on the stream: this stream's
      // business (the exchange sees the reset), never an uncaught exception.
      stream.on('error', ignore)
      // node emits 'stream' on the next tick after the read that carried its HEADERS, so a
      // stream the client reset in that same read (the rapid-reset pattern) is closed by now
      // and its app never starts (test/http2-serve-streams.test.ts holds node to it). No
      // deferral of our own: one more turn before the app runs puts the response's write in
      // the next loop iteration, ~30 % more CPU per request at one stream per connection.
      if (stream.closed || stream.destroyed || stream.session === undefined) return
      startStream(stream, raw, fieldsOf(stream.session), ctx)
    },
  )
  return { server, sessions }
}

function sessionFields(session: Http2Session, ctx: ServerContext): SessionFields {
  // The session's socket is a proxy: reading its properties is allowed, manipulating it is not.
  const socket = session.socket as TLSSocket
  const remote = socket.remoteAddress
  const client = remote === undefined ? null : { host: remote, port: socket.remotePort ?? 0 }
  let server: ServerAddress | null
  if (ctx.uds !== undefined) server = { host: ctx.uds, port: null }
  else
    server =
      socket.localAddress === undefined
        ? null
        : { host: socket.localAddress, port: socket.localPort ?? null }
  const secure = socket.encrypted === true
  const base = ctx.httpExtensions
  const extensions = secure ? Object.freeze({ ...base, tls: tlsExtension(socket) }) : base
  return { client, server, secure, remote, extensions }
}

function startStream(
  stream: ServerHttp2Stream,
  raw: string[],
  session: SessionFields,
  ctx: ServerContext,
): void {
  const opts = ctx.options
  const head = h2RequestFields(raw, session.secure ? 'https' : 'http', opts.rootPath)
  if (head.kind === 'malformed') {
    warnClientError(
      ctx.logger,
      `malformed HTTP/2 request from ${session.remote ?? 'unix socket'}: ${head.reason}`,
    )
    stream.close(constants.NGHTTP2_PROTOCOL_ERROR)
    return
  }
  const method = head.kind === 'request' ? head.method : 'GET'
  let refusal: { status: number; reason?: string } | null =
    head.kind === 'refuse' ? { status: head.status, reason: head.reason } : null
  if (refusal === null && head.kind === 'request') {
    const target = head.rawPath.length - opts.rootPath.length + head.queryString.length
    if (target > opts.maxUrlLength)
      refusal = { status: 414, reason: `request target longer than ${opts.maxUrlLength} bytes` }
  }
  if (refusal !== null) {
    warnClientError(
      ctx.logger,
      `invalid HTTP/2 request from ${session.remote ?? 'unix socket'}: ${refusal.status} ${refusal.reason}`,
    )
    writeH2ErrorResponse(stream, method, refusal.status, refusal.reason)
    return
  }
  if (head.kind !== 'request') return
  if (ctx.closing || ctx.saturated) {
    if (ctx.saturated) ctx.logger.warn('exceeded concurrency limit: answered 503')
    writeH2ErrorResponse(stream, method, 503)
    return
  }
  let client = session.client
  let secure = session.secure
  const headers = head.headers as Array<[string, string]>
  if (ctx.proxies?.trusts(session.remote)) {
    const forwarded = readForwarded(headers, ctx.proxies)
    if (forwarded.client) client = forwarded.client
    if (forwarded.proto) secure = forwarded.proto === 'https'
  }
  const exchange = new H2Exchange(
    stream,
    ctx,
    {
      type: 'http',
      tsgi: TSGI_VERSION,
      httpVersion: '2',
      method: head.method,
      scheme: secure ? 'https' : 'http',
      path: head.path,
      rawPath: head.rawPath,
      queryString: head.queryString,
      rootPath: opts.rootPath,
      headers,
      client,
      server: session.server,
      state: { ...ctx.state },
      extensions: session.extensions,
    },
    head.contentLength,
  )
  exchange.run()
}
