/**
 * `@tsgi/server`: the reference TSGI server over node:http.
 *
 * @module
 */
export { ServerError, ServerErrorCode } from './errors.ts'
export {
  createLogger,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type Sink,
} from './logger.ts'
export {
  DEFAULTS,
  type LifespanMode,
  type ResolvedOptions,
  resolveOptions,
  type ServerOptions,
} from './options.ts'
export {
  createRequestListener,
  type RequestListener,
  type RequestListenerOptions,
} from './request-listener.ts'
export { type ServerHandle, serve } from './server.ts'
