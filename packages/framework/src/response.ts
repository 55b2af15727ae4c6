/**
 * Responses: the `Response` class handlers return, and helpers for each kind of body.
 *
 * @module
 */
import { type CookieOptions, serializeCookie } from './cookies.ts'
import { type HeadersInit, ResponseHeaders } from './headers.ts'

/** A file to send; see {@link file}. Resolved (stat, ETag, Range) when the response is sent. */
export interface FileBody {
  readonly kind: 'file'
  /** Absolute path of the file. */
  readonly path: string
  /** Send `etag` and honour `if-none-match`. Default `true`. */
  readonly etag: boolean
  /** Send `last-modified` and honour `if-modified-since`. Default `true`. */
  readonly lastModified: boolean
  /** Honour single `range` requests with 206. Default `true`. */
  readonly ranges: boolean
}

/** What a response body can be. */
export type ResponseBody =
  | null
  | string
  | Uint8Array
  | AsyncIterable<Uint8Array | string>
  | ReadableStream<Uint8Array | string>
  | FileBody

/** Status and headers of a response. */
export interface ResponseInit {
  /** Status code. Default 200. */
  status?: number
  /** Headers. */
  headers?: HeadersInit
}

/** Text encodings a text body may be sent in. */
export type Charset = 'utf-8' | 'latin1' | 'utf-16le' | 'ascii'

/** A response a handler returns (or a middleware changes). */
export class Response {
  /** Status code. */
  status: number
  /** Headers (case-insensitive, multi-valued). */
  readonly headers: ResponseHeaders
  /** The body. Strings are encoded in the charset of the content-type (UTF-8 by default). */
  body: ResponseBody

  constructor(body: ResponseBody = null, init?: ResponseInit) {
    this.status = init?.status ?? 200
    this.headers = new ResponseHeaders(init?.headers)
    this.body = body
  }

  /** Adds a `set-cookie` header. */
  cookie(name: string, value: string, options?: CookieOptions): this {
    this.headers.append('set-cookie', serializeCookie(name, value, options))
    return this
  }

  /** Adds a `set-cookie` header that deletes the cookie. */
  clearCookie(name: string, options: Pick<CookieOptions, 'path' | 'domain'> = {}): this {
    return this.cookie(name, '', { ...options, maxAge: 0, expires: new Date(0) })
  }
}

function typed(body: ResponseBody, contentType: string, init: ResponseInit): Response {
  const res = new Response(body, init)
  if (!res.headers.has('content-type')) res.headers.set('content-type', contentType)
  return res
}

/** A JSON response (`application/json`). `undefined` is sent as `null`. */
export function json(value: unknown, init?: ResponseInit): Response {
  const body = JSON.stringify(value) ?? 'null'
  if (init !== undefined) return typed(body, 'application/json', init)
  // The common case, `return { … }` from a handler: one header, no lookups, a list of one.
  return new Response(body, JSON_INIT)
}

const JSON_INIT: ResponseInit = { headers: [['content-type', 'application/json']] }

/** A text response (`text/plain; charset=utf-8`, or the given charset). */
export function text(value: string, init: ResponseInit & { charset?: Charset } = {}): Response {
  return typed(value, `text/plain; charset=${init.charset ?? 'utf-8'}`, init)
}

/** An HTML response (`text/html; charset=utf-8`, or the given charset). */
export function html(value: string, init: ResponseInit & { charset?: Charset } = {}): Response {
  return typed(value, `text/html; charset=${init.charset ?? 'utf-8'}`, init)
}

/** A binary response (`application/octet-stream` unless a content-type is given). */
export function bytes(value: Uint8Array, init: ResponseInit = {}): Response {
  return typed(value, 'application/octet-stream', init)
}

/** A redirect to `location`: 302 by default; 301, 303, 307 and 308 also accepted. */
export function redirect(
  location: string,
  status: 301 | 302 | 303 | 307 | 308 = 302,
  init: Omit<ResponseInit, 'status'> = {},
): Response {
  const res = new Response(null, { ...init, status })
  res.headers.set('location', location)
  return res
}

/** A response without a body: 204 by default. */
export function empty(status = 204, init: Omit<ResponseInit, 'status'> = {}): Response {
  return new Response(null, { ...init, status })
}

/**
 * A streamed response: each chunk is sent as it is produced, and the producer waits while the
 * client is slow (backpressure through `send`). Iteration stops when the client goes away. A
 * body that is complete at once (one chunk, then the end, before the event loop turns) is sent
 * as one final event, which a server frames with a Content-Length. HEAD never starts the
 * producer and states no length unless `init.headers` has a `content-length`.
 */
export function stream(
  source: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array | string>,
  init: ResponseInit = {},
): Response {
  return typed(source, 'application/octet-stream', init)
}

/** Options of {@link file}. */
export interface FileOptions extends ResponseInit {
  /** Content type; guessed from the extension by default. */
  contentType?: string
  /** Suggest a download with this file name (`content-disposition: attachment`). */
  download?: string
  /** See {@link FileBody}. */
  etag?: boolean
  /** See {@link FileBody}. */
  lastModified?: boolean
  /** See {@link FileBody}. */
  ranges?: boolean
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  wasm: 'application/wasm',
  woff2: 'font/woff2',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
}

/**
 * A file from disk. Sent with the server's `http.response.pathsend` when it offers it (and no
 * range is asked), streamed otherwise; with ETag, Last-Modified and Range support.
 */
export function file(path: string, options: FileOptions = {}): Response {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase()
  const body: FileBody = {
    kind: 'file',
    path,
    etag: options.etag ?? true,
    lastModified: options.lastModified ?? true,
    ranges: options.ranges ?? true,
  }
  const res = typed(body, options.contentType ?? TYPES[ext] ?? 'application/octet-stream', options)
  if (options.download !== undefined) {
    res.headers.set(
      'content-disposition',
      `attachment; filename*=UTF-8''${encodeURIComponent(options.download)}`,
    )
  }
  return res
}

/** Whether `body` is a {@link FileBody}. */
export function isFileBody(body: ResponseBody): body is FileBody {
  return typeof body === 'object' && body !== null && (body as FileBody).kind === 'file'
}
