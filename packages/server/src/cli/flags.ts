/**
 * The catalogue of `tsgi`'s flags: each flag's type and `--help` line, the `--help` text, and
 * the flag of each `ServerOptions` key (for error messages). The parser is args.ts.
 *
 * @module
 */
import { DEFAULTS } from '../config/options.ts'

/** One command-line flag: its `node:util` parse type and its `--help` line. */
export type Flag = { type: 'string' | 'boolean'; multiple?: boolean; help: string; value?: string }

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
/** {@link FLAGS} as `[name, flag]` pairs, in `--help` order. */
export const FLAGS_LIST: ReadonlyArray<[string, Flag]> = Object.entries(FLAGS)

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
