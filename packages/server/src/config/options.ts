/**
 * Server options: one field per CLI flag, their defaults, and their validation.
 *
 * @module
 */
import type { State } from '@tsgi/protocol'
import { ServerError, ServerErrorCode } from '../errors.ts'
import { LOG_FORMATS, type LogFormat } from '../logging/format.ts'
import type { Logger, LogLevel } from '../logging/logger.ts'
import {
  allowIpsProblem,
  choiceProblem,
  hostProblem,
  shapeProblem,
  tlsProblem,
  udsProblem,
} from './option-checks.ts'

/** How the server runs the application's lifespan. */
export type ServerLifespanMode = 'auto' | 'on' | 'off'

/** Options of `serve()`; the CLI flag of each is given in its description. */
export interface ServerOptions {
  /** `--host`: interface to bind. Default `127.0.0.1`. */
  host?: string
  /** `--port`: TCP port; `0` picks a free one. Default `8000`. */
  port?: number
  /** `--uds`: bind a unix domain socket at this path instead of host/port. */
  uds?: string
  /** `--root-path`: the prefix the application is mounted under (`scope.rootPath`). Default `''`. */
  rootPath?: string
  /** `--lifespan`: `auto` (default) runs it if the app supports it, `on` requires it, `off` skips it. */
  lifespan?: ServerLifespanMode
  /** `--timeout-keep-alive`: seconds an idle keep-alive connection stays open. Default 65 (above common load balancers' 60). */
  timeoutKeepAlive?: number
  /** `--timeout-graceful-shutdown`: seconds in-flight requests get to finish on shutdown. Default 25. */
  timeoutGracefulShutdown?: number
  /** `--timeout-headers`: seconds a client gets to send a complete request head, else 408. Default 30. */
  timeoutHeaders?: number
  /** `--timeout-request-body`: seconds without body bytes while the app waits for them, else 408. Default 30. */
  timeoutRequestBody?: number
  /** `--limit-concurrency`: in-flight requests and sessions beyond which new ones get 503. Default unlimited. */
  limitConcurrency?: number
  /** `--max-header-size`: bytes allowed in a request head, else 431. Default 16384. */
  maxHeaderSize?: number
  /** `--max-url-length`: bytes allowed in a request target, else 414. Default 8192. */
  maxUrlLength?: number
  /** `--proxy-headers`: honour X-Forwarded-For/-Proto and Forwarded from trusted peers. Default `false`. */
  proxyHeaders?: boolean
  /** `--forwarded-allow-ips`: trusted proxy addresses or CIDRs (`*` for any). Default `127.0.0.1`, `::1`. */
  forwardedAllowIps?: string[]
  /** `--ssl-keyfile`: PEM private key; with `sslCertfile`, serves HTTPS. */
  sslKeyfile?: string
  /** `--ssl-certfile`: PEM certificate chain. */
  sslCertfile?: string
  /**
   * `--http2`: serve HTTP/2 beside HTTP/1.1 on the same port: over TLS through ALPN (`h2`,
   * `http/1.1`), in cleartext as h2c with prior knowledge. Default `false`.
   */
  http2?: boolean
  /** `--header name:value` (repeatable): default response headers, added when the app did not set them. */
  headers?: Array<[name: string, value: string]>
  /** `--no-server-header` turns it off: send `server: tsgi` by default. Default `true`. */
  serverHeader?: boolean
  /** `--no-date-header` turns it off: send `date` by default. Default `true`. */
  dateHeader?: boolean
  /** `--log-level`: `error`, `warn`, `info` (default) or `debug`. */
  logLevel?: LogLevel
  /** `--access-log` / `--no-access-log`: one line per request. Default `true`. */
  accessLog?: boolean
  /** `--log-format`: `text` (default), or `json`: one JSON object per line, pino's field names. */
  logFormat?: LogFormat
  /** `--log-time`: start every text line with the UTC time. Default `false` (JSON always has it). */
  logTime?: boolean
  /** `--ws-max-size`: largest WebSocket message in bytes, else close 1009. Default 16 MiB. */
  wsMaxSize?: number
  /** `--ws-ping-interval`: seconds between keep-alive pings; 0 disables. Default 20. */
  wsPingInterval?: number
  /** `--ws-ping-timeout`: seconds to wait for a pong before closing with 1011. Default 20. */
  wsPingTimeout?: number
  /** `--backlog`: pending connections the OS queues. Default 2048. */
  backlog?: number
  /** Programmatic only: where log lines go. Default: stderr (access lines to stdout). */
  logger?: Logger
  /** Programmatic only: the lifespan state object (a fresh `{}` by default). */
  state?: State
  /**
   * Programmatic only: stops the server, like `listen({ signal })` in node:net. Aborted after
   * `serve()` resolved, it starts a graceful `close()`. Aborted before (during lifespan startup,
   * or while binding), `serve()` does not listen (or closes at once), runs the lifespan shutdown,
   * and rejects with `TSGI_SERVER_ERR_ABORTED`. The CLI maps SIGTERM and SIGINT onto it.
   */
  signal?: AbortSignal
}

/** Every option resolved to a value. */
export interface ResolvedOptions
  extends Required<
    Omit<
      ServerOptions,
      'uds' | 'sslKeyfile' | 'sslCertfile' | 'limitConcurrency' | 'logger' | 'state' | 'signal'
    >
  > {
  uds: string | undefined
  sslKeyfile: string | undefined
  sslCertfile: string | undefined
  limitConcurrency: number | undefined
  logger: Logger | undefined
  state: State | undefined
  signal: AbortSignal | undefined
}

/** The default of every option. */
export const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 8000,
  rootPath: '',
  lifespan: 'auto',
  timeoutKeepAlive: 65,
  timeoutGracefulShutdown: 25,
  timeoutHeaders: 30,
  timeoutRequestBody: 30,
  maxHeaderSize: 16384,
  maxUrlLength: 8192,
  proxyHeaders: false,
  forwardedAllowIps: Object.freeze(['127.0.0.1', '::1']),
  http2: false,
  serverHeader: true,
  dateHeader: true,
  logLevel: 'info',
  accessLog: true,
  logFormat: 'text',
  logTime: false,
  wsMaxSize: 16 * 1024 * 1024,
  wsPingInterval: 20,
  wsPingTimeout: 20,
  backlog: 2048,
} as const)

function bad(option: string, message: string): ServerError {
  return new ServerError(ServerErrorCode.badOption, `invalid option ${option}: ${message}`, {
    option,
  })
}

/** The longest duration a Node timer takes (2^31 - 1 ms); longer ones would fire at once. */
const MAX_SECONDS = 2_147_483

function number(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  integer = false,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`
    throw bad(
      name,
      `expected ${integer ? 'an integer' : 'a number'} ${range}, got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`,
    )
  }
  return value
}

/** A duration in seconds, within what a timer can wait. */
function seconds(name: string, value: number | undefined, fallback: number): number {
  return number(name, value, fallback, 0, false, MAX_SECONDS)
}

function boolean(name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw bad(name, `expected true or false, got ${typeof value}`)
  return value
}

function check(name: string, problem: string | undefined): void {
  if (problem !== undefined) throw bad(name, problem)
}

/** Every option `serve()` knows (the type makes a new option fail to compile until it is listed). */
const KNOWN: ReadonlySet<string> = new Set(
  Object.keys({
    ...DEFAULTS,
    uds: true,
    limitConcurrency: true,
    sslKeyfile: true,
    sslCertfile: true,
    headers: true,
    logger: true,
    state: true,
    signal: true,
  } satisfies Record<keyof ServerOptions, unknown>),
)

/**
 * Validates every option and fills in defaults, before anything runs (`serve()` calls it before
 * the lifespan startup, the CLI before it loads the application). Besides ranges it checks that
 * the host is an IP address or a host name, that the trusted proxies are IPs, CIDRs or `*`, that
 * a unix socket can be created at `uds`, and that the TLS files are readable, PEM, and match.
 * Throws a `ServerError` with code `TSGI_SERVER_ERR_OPTION` and the option's name in `option`.
 */
export function resolveOptions(options: ServerOptions = {}): ResolvedOptions {
  const shape = shapeProblem(options as Record<string, unknown>, KNOWN)
  if (shape !== undefined) throw bad(shape.option, shape.problem)
  const host = options.host ?? DEFAULTS.host
  check('host', hostProblem(host))
  if (options.uds !== undefined) check('uds', udsProblem(options.uds))
  const rootPath = options.rootPath ?? DEFAULTS.rootPath
  if (
    typeof rootPath !== 'string' ||
    (rootPath !== '' && (!rootPath.startsWith('/') || rootPath.endsWith('/')))
  ) {
    throw bad(
      'rootPath',
      `must be '' or start with '/' and not end with '/', got ${JSON.stringify(rootPath)}`,
    )
  }
  const lifespan = options.lifespan ?? DEFAULTS.lifespan
  check('lifespan', choiceProblem(lifespan, ['auto', 'on', 'off']))
  const logLevel = options.logLevel ?? DEFAULTS.logLevel
  check('logLevel', choiceProblem(logLevel, ['error', 'warn', 'info', 'debug']))
  const logFormat = options.logFormat ?? DEFAULTS.logFormat
  check('logFormat', choiceProblem(logFormat, LOG_FORMATS))
  const tls = tlsProblem(options.sslKeyfile, options.sslCertfile)
  if (tls !== undefined) throw bad(tls.option, tls.problem)
  const forwardedAllowIps = options.forwardedAllowIps ?? [...DEFAULTS.forwardedAllowIps]
  // Checked even without proxyHeaders: a wrong list must not wait for the day it is turned on.
  check('forwardedAllowIps', allowIpsProblem(forwardedAllowIps))
  const headers = options.headers ?? []
  if (!Array.isArray(headers)) throw bad('headers', 'expected a list of [name, value] pairs')
  for (const pair of headers) {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      typeof pair[1] !== 'string' ||
      !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(pair[0]) ||
      /[\r\n\0]/.test(pair[1])
    ) {
      throw bad(
        'headers',
        `expected [name, value] pairs with a token name and no CR/LF/NUL, got ${JSON.stringify(pair)}`,
      )
    }
  }
  const limit = options.limitConcurrency
  return {
    host,
    port: number('port', options.port, DEFAULTS.port, 0, true, 65535),
    uds: options.uds,
    rootPath,
    lifespan,
    timeoutKeepAlive: seconds(
      'timeoutKeepAlive',
      options.timeoutKeepAlive,
      DEFAULTS.timeoutKeepAlive,
    ),
    timeoutGracefulShutdown: seconds(
      'timeoutGracefulShutdown',
      options.timeoutGracefulShutdown,
      DEFAULTS.timeoutGracefulShutdown,
    ),
    timeoutHeaders: seconds('timeoutHeaders', options.timeoutHeaders, DEFAULTS.timeoutHeaders),
    timeoutRequestBody: seconds(
      'timeoutRequestBody',
      options.timeoutRequestBody,
      DEFAULTS.timeoutRequestBody,
    ),
    limitConcurrency:
      limit === undefined ? undefined : number('limitConcurrency', limit, 0, 1, true),
    maxHeaderSize: number(
      'maxHeaderSize',
      options.maxHeaderSize,
      DEFAULTS.maxHeaderSize,
      1024,
      true,
    ),
    maxUrlLength: number('maxUrlLength', options.maxUrlLength, DEFAULTS.maxUrlLength, 64, true),
    proxyHeaders: boolean('proxyHeaders', options.proxyHeaders, DEFAULTS.proxyHeaders),
    forwardedAllowIps,
    sslKeyfile: options.sslKeyfile,
    sslCertfile: options.sslCertfile,
    headers,
    http2: boolean('http2', options.http2, DEFAULTS.http2),
    serverHeader: boolean('serverHeader', options.serverHeader, DEFAULTS.serverHeader),
    dateHeader: boolean('dateHeader', options.dateHeader, DEFAULTS.dateHeader),
    logLevel,
    accessLog: boolean('accessLog', options.accessLog, DEFAULTS.accessLog),
    logFormat,
    logTime: boolean('logTime', options.logTime, DEFAULTS.logTime),
    wsMaxSize: number('wsMaxSize', options.wsMaxSize, DEFAULTS.wsMaxSize, 1, true),
    wsPingInterval: seconds('wsPingInterval', options.wsPingInterval, DEFAULTS.wsPingInterval),
    wsPingTimeout: seconds('wsPingTimeout', options.wsPingTimeout, DEFAULTS.wsPingTimeout),
    backlog: number('backlog', options.backlog, DEFAULTS.backlog, 1, true),
    logger: options.logger,
    state: options.state,
    signal: options.signal,
  }
}
