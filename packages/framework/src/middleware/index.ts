/**
 * `@tsgi/framework/middleware`: built-in middleware, small and correct: CORS with preflight,
 * request ids, an access log hook and gzip/brotli compression.
 *
 * @example
 * ```ts
 * import { createApp } from '@tsgi/framework'
 * import { accessLog, compress, cors, requestId } from '@tsgi/framework/middleware'
 *
 * const app = createApp()
 * app.use(accessLog(), requestId(), cors({ origin: 'https://app.example' }), compress())
 * ```
 *
 * @module
 */
export {
  type CompressOptions,
  compress,
  type Encoding,
  isCompressible,
  negotiateEncoding,
} from './compress.ts'
export { type CorsOptions, type CorsOrigin, cors } from './cors.ts'
export { type AccessLogEntry, type AccessLogOptions, accessLog } from './logger.ts'
export {
  getRequestId,
  isSafeRequestId,
  type RequestIdOptions,
  requestId,
} from './request-id.ts'
