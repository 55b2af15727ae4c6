/**
 * Building scopes from what node:http parsed. Kept lean: this runs once per request.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import {
  type Address,
  decodePath,
  type Extensions,
  type HeaderList,
  type ServerAddress,
} from '@tsgi/protocol'
import type { ServerContext } from '../context.ts'
import { targetAuthority, targetPathStart } from './host.ts'
import { readForwarded } from './proxy.ts'
import { tlsExtension } from './tls.ts'

/** The fields HTTP and WebSocket scopes share, plus what the server needs to know about the body. */
export interface ConnectionFields {
  path: string
  rawPath: string
  queryString: string
  rootPath: string
  headers: HeaderList
  client: Address | null
  server: ServerAddress | null
  secure: boolean
  extensions: Extensions
  /** Whether the request announced a body (Content-Length > 0 or Transfer-Encoding). */
  hasBody: boolean
  /** The announced Content-Length, or -1 (none, several, or a Transfer-Encoding). */
  contentLength: number
}

const kTLSExtensions = Symbol('tsgi.tlsExtensions')
type TaggedSocket = Socket & { [kTLSExtensions]?: Extensions }

/** The origin-form path and query of a request target (no tuple: this runs per request). */
function originTarget(url: string): string {
  if (url.charCodeAt(0) === 47 || url === '*') return url
  // absolute-form (`http://host/path?q`): keep only the path and query (the dispatcher
  // refused a target whose authority is invalid; the authority becomes the Host).
  const target = url.slice(targetPathStart(url))
  return target.charCodeAt(0) === 47 ? target : `/${target}`
}

/**
 * RFC 9112 §3.2.2: with an absolute-form target the server MUST use the target's authority
 * and ignore Host. The `host` entry keeps its place (or is added at the end if there was none).
 */
function useTargetAuthority(headers: HeaderList, url: string): void {
  const authority = targetAuthority(url)
  if (authority === null) return
  for (let i = 0; i < headers.length; i++) {
    if (headers[i]![0] === 'host') {
      headers[i] = ['host', authority]
      return
    }
  }
  headers.push(['host', authority])
}

/**
 * Reads the connection-level fields of a scope from a request. `rootPath` is the configured
 * one, or (under Express/Connect) the path the listener was mounted at.
 */
export function connectionFields(
  req: IncomingMessage,
  ctx: ServerContext,
  base: Extensions,
): ConnectionFields {
  const mount = (req as IncomingMessage & { baseUrl?: unknown }).baseUrl
  const rootPath =
    typeof mount === 'string' && mount !== '' ? ctx.options.rootPath + mount : ctx.options.rootPath
  const target = originTarget(req.url ?? '/')
  const q = target.indexOf('?')
  const raw = q === -1 ? target : target.slice(0, q)
  const queryString = q === -1 ? '' : target.slice(q + 1)
  const rawHeaders = req.rawHeaders
  const headers: HeaderList = new Array(rawHeaders.length >> 1)
  let hasBody = false
  let contentLength = -1
  let lengths = 0
  let chunked = false
  for (let i = 0, j = 0; i < rawHeaders.length; i += 2, j++) {
    const name = rawHeaders[i]!.toLowerCase()
    const value = rawHeaders[i + 1]!
    headers[j] = [name, value]
    if (name === 'content-length') {
      lengths++
      contentLength = Number(value)
      if (value !== '0') hasBody = true
    } else if (name === 'transfer-encoding') {
      chunked = true
      hasBody = true
    }
  }
  if (req.url !== undefined && req.url.charCodeAt(0) !== 47 && req.url !== '*')
    useTargetAuthority(headers, req.url)
  // node:http's parser already refused malformed or conflicting lengths; only a single plain
  // one is trusted to tell when the body is complete.
  if (chunked || lengths !== 1 || !Number.isSafeInteger(contentLength)) contentLength = -1
  const socket = req.socket as TaggedSocket
  let client: Address | null = null
  const remote = socket.remoteAddress
  if (remote !== undefined) client = { host: remote, port: socket.remotePort ?? 0 }
  let server: ServerAddress | null
  if (ctx.uds !== undefined) server = { host: ctx.uds, port: null }
  else
    server =
      socket.localAddress !== undefined
        ? { host: socket.localAddress, port: socket.localPort ?? null }
        : null
  let secure = (socket as Partial<TLSSocket>).encrypted === true
  let extensions = base
  if (secure) {
    extensions = socket[kTLSExtensions] ??= Object.freeze({
      ...base,
      tls: tlsExtension(socket as TLSSocket),
    })
  }
  if (ctx.proxies?.trusts(remote)) {
    const forwarded = readForwarded(headers, ctx.proxies)
    if (forwarded.client) client = forwarded.client
    if (forwarded.proto) secure = forwarded.proto === 'https'
  }
  return {
    path: rootPath + decodePath(raw),
    rawPath: rootPath + raw,
    queryString,
    rootPath,
    headers,
    client,
    server,
    secure,
    extensions,
    hasBody,
    contentLength,
  }
}
