/**
 * The command line: `tsgi [options] <module>[:export]`, parsed into {@link ServerOptions} with
 * one `--help` line per option. Every bad value is a `TSGI_SERVER_ERR_OPTION` naming the flag
 * (exit code 2).
 *
 * @module
 */
import { parseArgs } from 'node:util'
import { choiceProblem } from '../config/option-checks.ts'
import { DEFAULTS, type ServerOptions } from '../config/options.ts'
import { ServerError, ServerErrorCode } from '../errors.ts'
import { LOG_FORMATS } from '../logging/format.ts'
import { type AppInterface, INTERFACES } from './interface.ts'

/** What the command line asks for. */
export interface CliArgs {
  /** `path/to/module.ts[:export]`. */
  target: string
  /** The export is a factory: call it (sync or async) to get the application. */
  factory: boolean
  /** What the export is (`--interface`); unset is `auto`, which decides by its marks. */
  interface?: AppInterface
  /** Number of worker processes; 1 runs the server in this process. */
  workers: number
  /** Restart on file changes (development). */
  reload: boolean
  /** Server options. */
  options: ServerOptions
}

/** What `tsgi` should do. */
export type CliCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'serve'; args: CliArgs }

type Flag = { type: 'string' | 'boolean'; multiple?: boolean; help: string; value?: string }

/** Every flag, with its help line (the order is the `--help` order). */
export const FLAGS: Record<string, Flag> = {
  host: {
    type: 'string',
    value: 'HOST',
    help: `Interface to bind: an IP address or a host name. Default ${DEFAULTS.host}.`,
  },
  port: {
    type: 'string',
    value: 'PORT',
    help: `Port to bind, 0-65535; 0 picks a free one. Default ${DEFAULTS.port}.`,
  },
  uds: { type: 'string', value: 'PATH', help: 'Bind a unix domain socket instead of host/port.' },
  factory: { type: 'boolean', help: 'The export is a function returning the app (sync or async).' },
  interface: {
    type: 'string',
    value: 'KIND',
    help: 'What the export is: auto | tsgi | fetch | node. Default auto.',
  },
  workers: {
    type: 'string',
    value: 'N',
    help: 'Worker processes (node:cluster); crashed ones are replaced. Default 1.',
  },
  reload: {
    type: 'boolean',
    help: 'Restart when a file under the module directory changes (development).',
  },
  'root-path': {
    type: 'string',
    value: 'PATH',
    help: 'Mount point of the app behind a proxy (scope.rootPath).',
  },
  lifespan: { type: 'string', value: 'MODE', help: 'auto | on | off. Default auto.' },
  'timeout-keep-alive': {
    type: 'string',
    value: 'S',
    help: `Close idle keep-alive connections after S seconds. Default ${DEFAULTS.timeoutKeepAlive}.`,
  },
  'timeout-graceful-shutdown': {
    type: 'string',
    value: 'S',
    help: `Seconds in-flight requests get on shutdown. Default ${DEFAULTS.timeoutGracefulShutdown}.`,
  },
  'timeout-headers': {
    type: 'string',
    value: 'S',
    help: `Seconds to receive a request head, else 408. Default ${DEFAULTS.timeoutHeaders}.`,
  },
  'timeout-request-body': {
    type: 'string',
    value: 'S',
    help: `Seconds without body bytes while the app waits, else 408. Default ${DEFAULTS.timeoutRequestBody}.`,
  },
  'limit-concurrency': {
    type: 'string',
    value: 'N',
    help: 'In-flight requests and sessions beyond which new ones get 503.',
  },
  'max-header-size': {
    type: 'string',
    value: 'BYTES',
    help: `Largest request head, else 431. Default ${DEFAULTS.maxHeaderSize}.`,
  },
  'max-url-length': {
    type: 'string',
    value: 'BYTES',
    help: `Longest request target, else 414. Default ${DEFAULTS.maxUrlLength}.`,
  },
  'proxy-headers': {
    type: 'boolean',
    help: 'Trust X-Forwarded-For/-Proto and Forwarded from --forwarded-allow-ips.',
  },
  'forwarded-allow-ips': {
    type: 'string',
    value: 'LIST',
    help: 'Comma-separated trusted proxy IPs or CIDRs, or *. Default 127.0.0.1,::1.',
  },
  'ssl-keyfile': {
    type: 'string',
    value: 'FILE',
    help: 'PEM private key; with --ssl-certfile, serve HTTPS.',
  },
  'ssl-certfile': { type: 'string', value: 'FILE', help: 'PEM certificate chain.' },
  http2: {
    type: 'boolean',
    help: 'Also serve HTTP/2 on the port: h2 via ALPN with TLS, h2c (prior knowledge) without.',
  },
  header: {
    type: 'string',
    multiple: true,
    value: 'NAME:VALUE',
    help: 'Default response header (repeatable).',
  },
  'no-server-header': { type: 'boolean', help: 'Do not send server: tsgi.' },
  'no-date-header': { type: 'boolean', help: 'Do not send a date header.' },
  'log-level': {
    type: 'string',
    value: 'LEVEL',
    help: 'error | warn | info | debug. Default info.',
  },
  'access-log': { type: 'boolean', help: 'One line per request on stdout (the default).' },
  'no-access-log': { type: 'boolean', help: 'No access lines.' },
  'log-format': {
    type: 'string',
    value: 'FORMAT',
    help: 'text | json (one JSON object per line, pino fields). Default text.',
  },
  'log-time': { type: 'boolean', help: 'Start every text line with the UTC time.' },
  'ws-max-size': {
    type: 'string',
    value: 'BYTES',
    help: 'Largest WebSocket message, else close 1009. Default 16 MiB.',
  },
  'ws-ping-interval': {
    type: 'string',
    value: 'S',
    help: `Seconds between WebSocket pings; 0 disables. Default ${DEFAULTS.wsPingInterval}.`,
  },
  'ws-ping-timeout': {
    type: 'string',
    value: 'S',
    help: `Seconds to wait for a pong. Default ${DEFAULTS.wsPingTimeout}.`,
  },
  backlog: { type: 'string', value: 'N', help: `Listen backlog. Default ${DEFAULTS.backlog}.` },
  version: { type: 'boolean', help: 'Print the version and exit.' },
  help: { type: 'boolean', help: 'Print this help and exit.' },
}

/** The `--help` text. */
export function helpText(): string {
  const lines = FLAGS_LIST.map(([name, f]) => {
    const left = `  --${name}${f.value ? ` ${f.value}` : ''}`
    return `${left.padEnd(40)} ${f.help}`
  })
  return [
    'Usage: tsgi [options] <module>[:export]',
    '',
    'Serves a TSGI application. <module> is a .ts, .mts, .js or .mjs file; the default export',
    'is used unless :export names another.',
    '',
    'With --interface auto, an object with a fetch method (hono, export default { fetch }) is',
    'served as a fetch handler; a Koa app or a function with Express or Connect marks as a node',
    'listener (both through @tsgi/adapters, resolved from the module); any other function as a',
    'TSGI application.',
    '',
    'Options:',
    ...lines,
    '',
    'Signals: SIGTERM or SIGINT shuts down gracefully, also during startup (the lifespan',
    'shutdown runs, nothing is served); a second one forces the exit.',
    '',
    'Exit codes: 0 graceful shutdown (also after a signal during startup), 1 the app could not',
    'be loaded or a second signal forced the exit, 2 bad options or the address cannot be bound,',
    '3 lifespan startup or shutdown failed. With --workers, a worker that fails before it serves',
    'stops them all with its code.',
    '',
  ].join('\n')
}
const FLAGS_LIST = Object.entries(FLAGS)

/** Options whose flag is not their name in kebab case. */
const FLAG_OF_OPTION: Record<string, string> = {
  headers: 'header',
  serverHeader: 'no-server-header',
  dateHeader: 'no-date-header',
}

/** The flag of a `ServerOptions` key (`maxHeaderSize` → `max-header-size`), if it has one. */
export function flagOf(option: string): string | undefined {
  const flag = FLAG_OF_OPTION[option] ?? option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
  return Object.hasOwn(FLAGS, flag) ? flag : undefined
}

/**
 * The message of an error for the command line: an option error raised by `resolveOptions`
 * (`invalid option maxHeaderSize: …`) names the flag instead (`invalid option --max-header-size: …`).
 */
export function cliMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const option = (error as { option?: unknown }).option
  if (typeof option !== 'string') return error.message
  const flag = flagOf(option)
  const prefix = `invalid option ${option}:`
  return flag !== undefined && error.message.startsWith(prefix)
    ? `invalid option --${flag}:${error.message.slice(prefix.length)}`
    : error.message
}

function bad(flag: string, message: string): ServerError {
  return new ServerError(ServerErrorCode.badOption, `invalid option --${flag}: ${message}`)
}

function num(flag: string, raw: string | undefined, integer: boolean): number | undefined {
  if (raw === undefined) return undefined
  const value = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
    throw bad(flag, `expected ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(raw)}`)
  return value
}

/** Parses `argv` (without the node and script paths). Throws `TSGI_SERVER_ERR_OPTION`. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        FLAGS_LIST.map(([name, f]) => [name, { type: f.type, multiple: f.multiple === true }]),
      ),
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw new ServerError(ServerErrorCode.badOption, (error as Error).message)
  }
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>
  if (v.help) return { kind: 'help' }
  if (v.version) return { kind: 'version' }
  if (parsed.positionals.length !== 1) {
    throw new ServerError(
      ServerErrorCode.badOption,
      parsed.positionals.length === 0
        ? 'missing the application: tsgi [options] <module>[:export] (see --help)'
        : `expected one application, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`,
    )
  }
  const s = (name: string) => v[name] as string | undefined
  /** The value of a flag that takes one of `allowed`. */
  const choice = (flag: string, allowed: readonly string[]) => {
    const value = s(flag)
    const problem = value === undefined ? undefined : choiceProblem(value, allowed)
    if (problem !== undefined) throw bad(flag, problem)
    return value
  }
  const lifespan = choice('lifespan', ['auto', 'on', 'off'])
  const iface = choice('interface', INTERFACES)
  const logLevel = choice('log-level', ['error', 'warn', 'info', 'debug'])
  const logFormat = choice('log-format', LOG_FORMATS)
  if (v['access-log'] && v['no-access-log'])
    throw bad('access-log', 'cannot be given together with --no-access-log')
  const headers = ((v.header as string[] | undefined) ?? []).map((h): [string, string] => {
    const colon = h.indexOf(':')
    if (colon <= 0) throw bad('header', `expected name:value, got ${JSON.stringify(h)}`)
    return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()]
  })
  const workers = num('workers', s('workers'), true) ?? 1
  if (workers < 1) throw bad('workers', `expected at least 1, got ${workers}`)
  if (workers > 1 && v.reload) throw bad('reload', 'cannot be combined with --workers')
  const options: ServerOptions = {
    host: s('host'),
    port: num('port', s('port'), true),
    uds: s('uds'),
    rootPath: s('root-path'),
    lifespan: lifespan as ServerOptions['lifespan'],
    timeoutKeepAlive: num('timeout-keep-alive', s('timeout-keep-alive'), false),
    timeoutGracefulShutdown: num(
      'timeout-graceful-shutdown',
      s('timeout-graceful-shutdown'),
      false,
    ),
    timeoutHeaders: num('timeout-headers', s('timeout-headers'), false),
    timeoutRequestBody: num('timeout-request-body', s('timeout-request-body'), false),
    limitConcurrency: num('limit-concurrency', s('limit-concurrency'), true),
    maxHeaderSize: num('max-header-size', s('max-header-size'), true),
    maxUrlLength: num('max-url-length', s('max-url-length'), true),
    proxyHeaders: v['proxy-headers'] === true ? true : undefined,
    forwardedAllowIps: s('forwarded-allow-ips')
      ?.split(',')
      .map((x) => x.trim())
      .filter(Boolean),
    sslKeyfile: s('ssl-keyfile'),
    sslCertfile: s('ssl-certfile'),
    http2: v.http2 === true ? true : undefined,
    headers: headers.length > 0 ? headers : undefined,
    serverHeader: v['no-server-header'] ? false : undefined,
    dateHeader: v['no-date-header'] ? false : undefined,
    logLevel: logLevel as ServerOptions['logLevel'],
    accessLog: v['no-access-log'] ? false : undefined,
    logFormat: logFormat as ServerOptions['logFormat'],
    logTime: v['log-time'] === true ? true : undefined,
    wsMaxSize: num('ws-max-size', s('ws-max-size'), true),
    wsPingInterval: num('ws-ping-interval', s('ws-ping-interval'), false),
    wsPingTimeout: num('ws-ping-timeout', s('ws-ping-timeout'), false),
    backlog: num('backlog', s('backlog'), true),
  }
  for (const key of Object.keys(options) as Array<keyof ServerOptions>)
    if (options[key] === undefined) delete options[key]
  return {
    kind: 'serve',
    args: {
      target: parsed.positionals[0]!,
      factory: v.factory === true,
      interface: iface as AppInterface | undefined,
      workers,
      reload: v.reload === true,
      options,
    },
  }
}
