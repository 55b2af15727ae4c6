/**
 * `@tsgi/server`: the reference TSGI server over node:http.
 *
 * @module
 */

export { main } from './cli.ts'
export { type CliArgs, type CliCommand, parseCliArgs } from './cli-args.ts'
export { ServerError, ServerErrorCode, type ServerErrorOptions } from './errors.ts'
export { loadApp } from './load.ts'
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
export { ExitCode, runServer } from './run.ts'
export { type ServerHandle, serve } from './server.ts'
