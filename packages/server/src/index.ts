/**
 * `@tsgi/server`: the reference TSGI server over node:http. The `tsgi` command's internals
 * (argument parsing, loading an app module, running a server process) are in `@tsgi/server/cli`.
 *
 * @module
 */

export {
  DEFAULTS,
  type ResolvedOptions,
  resolveOptions,
  type ServerLifespanMode,
  type ServerOptions,
} from './config/options.ts'
export { ServerError, ServerErrorCode, type ServerErrorOptions } from './errors.ts'
export {
  createRequestListener,
  type RequestListener,
  type RequestListenerOptions,
} from './http/request-listener.ts'
export {
  type AccessEntry,
  createLogger,
  type LogFields,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type Sink,
} from './logging/logger.ts'
export { type ServerHandle, serve } from './server.ts'
