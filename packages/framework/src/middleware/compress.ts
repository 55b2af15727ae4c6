/**
 * Response compression with node:zlib: gzip or brotli by `accept-encoding`, one shot for bodies
 * known up front, streaming with a flush per chunk for streamed bodies.
 *
 * @module
 */
import { promisify } from 'node:util'
import {
  type BrotliOptions,
  brotliCompress,
  constants,
  createBrotliCompress,
  createGzip,
  gzip,
  type ZlibOptions,
} from 'node:zlib'
import { isBodylessResponse, type State } from '@tsgi/protocol'
import type { Middleware } from '../middleware.ts'
import type { Request } from '../request.ts'
import { isFileBody, type Response } from '../response.ts'
import { appendVary, encodeText, isStreamBody, knownSize } from './util.ts'
import { compressStream } from './zstream.ts'

/**
 * A content coding {@link compress} produces.
 *
 * @example
 * ```ts
 * compress({ encodings: ['gzip'] satisfies Encoding[] })
 * ```
 */
export type Encoding = 'br' | 'gzip'

/**
 * Options of {@link compress}.
 *
 * @example
 * ```ts
 * const options: CompressOptions = { threshold: 2048, gzip: { level: 6 } }
 * ```
 */
export interface CompressOptions {
  /** Smallest body compressed, in bytes, when its size is known. Default 1024. */
  threshold?: number
  /** Codings offered, most preferred first (used when the client's q-values tie). Default br, gzip. */
  encodings?: readonly Encoding[]
  /**
   * Whether a content type is worth compressing. Default: text/*, JSON, JavaScript, XML, SVG
   * (and `+json`/`+xml` types). `text/event-stream`, encoded bodies and the other skips apply
   * whatever this says.
   */
  filter?: (contentType: string, response: Response, request: Request) => boolean
  /** Options of the gzip encoder (level, memLevel…). */
  gzip?: ZlibOptions
  /** Options of the brotli encoder. Default quality 4 (fast enough for dynamic responses). */
  brotli?: BrotliOptions
}

const COMPRESSIBLE =
  /^(?:text\/|application\/(?:json|javascript|x-javascript|ecmascript|xml|wasm|graphql|x-www-form-urlencoded|[\w.-]+\+(?:json|xml))|image\/svg\+xml|font\/(?:ttf|otf))/i

/**
 * The default {@link CompressOptions.filter}: text-like content types.
 *
 * @example
 * ```ts
 * isCompressible('application/json') // true
 * isCompressible('image/png') // false
 * ```
 */
export function isCompressible(contentType: string): boolean {
  return COMPRESSIBLE.test(contentType.trim())
}

/**
 * Picks a coding from `accept-encoding`: the highest q-value among `supported`, ties going to
 * the earlier one; `null` for identity (no header, every coding refused with q=0, or identity
 * weighed higher). Unlisted identity counts as the lowest listed q-value (as `negotiator` does);
 * an invalid q-value refuses its entry.
 *
 * @example
 * ```ts
 * negotiateEncoding('gzip, deflate, br') // 'br'
 * negotiateEncoding('br;q=0, gzip;q=0.8') // 'gzip'
 * ```
 */
export function negotiateEncoding(
  header: string | undefined,
  supported: readonly Encoding[] = ['br', 'gzip'],
): Encoding | null {
  if (header === undefined) return null
  const weights = new Map<string, number>()
  let lowest = 1
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';')
    const coding = name.trim().toLowerCase()
    if (coding === '') continue
    let q = 1
    for (const param of params) {
      const [key = '', value = ''] = param.split('=').map((s) => s.trim())
      if (key.toLowerCase() === 'q')
        q = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value) ? Number(value) : 0
    }
    const key = coding === 'x-gzip' ? 'gzip' : coding
    weights.set(key, Math.max(weights.get(key) ?? 0, q))
    lowest = Math.min(lowest, q)
  }
  const wildcard = weights.get('*')
  let best: Encoding | null = null
  let bestQ = 0
  for (const coding of supported) {
    const q = weights.get(coding) ?? wildcard ?? 0
    if (q > bestQ) [best, bestQ] = [coding, q]
  }
  const identity = weights.get('identity') ?? wildcard ?? lowest
  return best !== null && bestQ >= identity ? best : null
}

/** Whether the response must be left alone whatever the client accepts. */
function skipped(res: Response, threshold: number): boolean {
  const body = res.body
  if (body === null || isFileBody(body)) return true
  if (res.status === 206 || isBodylessResponse(res.status)) return true
  if (res.headers.has('content-encoding') || res.headers.has('content-range')) return true
  if (/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(res.headers.getAll('cache-control').join(',')))
    return true
  const type = res.headers.get('content-type') ?? ''
  if (/^\s*text\/event-stream/i.test(type)) return true
  const size = knownSize(res)
  return size !== undefined && size < threshold
}

/**
 * Compression middleware. Compresses with brotli or gzip as `accept-encoding` allows (q-values
 * honoured, `q=0` refuses a coding), sets `content-encoding`, drops `content-length`, weakens a
 * strong `etag` and adds `vary: accept-encoding`. Streamed bodies are compressed as they pass,
 * flushed after each chunk so every chunk reaches the client promptly. Left alone: bodies
 * known to be under `threshold`, already encoded ones, types the filter refuses,
 * `text/event-stream` (SSE is never buffered), HEAD, 204/304, 206 and `cache-control:
 * no-transform`. File bodies (`file()`) are never compressed: they are sent with
 * pathsend, ranges and validators that compression would break; precompress static assets.
 *
 * @example
 * ```ts
 * import { compress } from '@tsgi/framework/middleware'
 *
 * app.use(compress({ threshold: 512 }))
 * ```
 */
export function compress<S extends State = State>(options: CompressOptions = {}): Middleware<S> {
  const threshold = options.threshold ?? 1024
  const supported = options.encodings ?? ['br', 'gzip']
  const filter = options.filter ?? isCompressible
  const gzipOptions = options.gzip ?? {}
  const brotliOptions: BrotliOptions = {
    ...options.brotli,
    params: { [constants.BROTLI_PARAM_QUALITY]: 4, ...options.brotli?.params },
  }
  const oneShot = {
    gzip: promisify(gzip) as (data: Uint8Array, options: ZlibOptions) => Promise<Buffer>,
    br: promisify(brotliCompress) as (data: Uint8Array, options: BrotliOptions) => Promise<Buffer>,
  }

  return async (request, next) => {
    const res = await next()
    const req = request as Request
    if (skipped(res, threshold)) return res
    const type = res.headers.get('content-type')
    if (type === undefined || !filter(type, res, req)) return res
    // From here the representation depends on accept-encoding, whatever this client sent.
    appendVary(res.headers, 'accept-encoding')
    if (req.method === 'HEAD') return res
    const encoding = negotiateEncoding(req.headers.get('accept-encoding'), supported)
    if (encoding === null) return res
    const body = res.body
    if (isStreamBody(body)) {
      const make =
        encoding === 'br'
          ? () => createBrotliCompress(brotliOptions)
          : () => createGzip(gzipOptions)
      const flush = encoding === 'br' ? constants.BROTLI_OPERATION_FLUSH : constants.Z_SYNC_FLUSH
      res.body = compressStream(body, make, flush, type)
    } else if (typeof body === 'string' || body instanceof Uint8Array) {
      const input = typeof body === 'string' ? encodeText(body, type) : body
      const output =
        encoding === 'br'
          ? await oneShot.br(input, brotliOptions)
          : await oneShot.gzip(input, gzipOptions)
      // Not worth it: keep the original (still varying on accept-encoding).
      if (output.byteLength >= input.byteLength) return res
      res.body = output
    }
    res.headers.set('content-encoding', encoding)
    res.headers.delete('content-length')
    res.headers.delete('accept-ranges')
    const etag = res.headers.get('etag')
    if (etag !== undefined && !etag.startsWith('W/')) res.headers.set('etag', `W/${etag}`)
    return res
  }
}
