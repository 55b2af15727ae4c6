/**
 * The Node adapter: mount any TSGI application in a plain `node:http` server or under
 * Express/Connect, through the same exchange code the server uses. No lifespan runs here.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Application } from '@tsgi/protocol'
import { resolveOptions, type ServerOptions } from '../config/options.ts'
import { ServerContext } from '../context.ts'
import { createLogger } from '../logging/logger.ts'
import { createDispatcher } from './dispatch.ts'

/** Options of {@link createRequestListener}: the per-request subset of the server's options. */
export type RequestListenerOptions = Pick<
  ServerOptions,
  | 'rootPath'
  | 'timeoutRequestBody'
  | 'limitConcurrency'
  | 'maxUrlLength'
  | 'proxyHeaders'
  | 'forwardedAllowIps'
  | 'headers'
  | 'serverHeader'
  | 'dateHeader'
  | 'logLevel'
  | 'accessLog'
  | 'logFormat'
  | 'logTime'
  | 'logger'
  | 'state'
>

/** A `(req, res)` listener, also usable as Express/Connect middleware. */
export type RequestListener = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void

/**
 * Adapts a TSGI application to a node:http request listener. Under Express, the mount path
 * (`req.baseUrl`) becomes `scope.rootPath`. Access logging is off unless asked for.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * createServer(createRequestListener(app)).listen(3000)
 * expressApp.use('/tsgi', createRequestListener(app))
 * ```
 */
export function createRequestListener(
  app: Application,
  options: RequestListenerOptions = {},
): RequestListener {
  const resolved = resolveOptions({ accessLog: false, ...options })
  const logger =
    resolved.logger ??
    createLogger({
      level: resolved.logLevel,
      accessLog: resolved.accessLog,
      format: resolved.logFormat,
      time: resolved.logTime,
    })
  const ctx = new ServerContext(app, resolved, logger)
  const dispatcher = createDispatcher(ctx)
  return (req, res) => dispatcher.handle(req, res, false)
}
