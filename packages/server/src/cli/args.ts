/**
 * The command line: `tsgi [options] <module>[:export]`, parsed into {@link ServerOptions} (the
 * flags themselves and their `--help` lines are flags.ts). Every bad value is a
 * `TSGI_SERVER_ERR_OPTION` naming the flag (exit code 2).
 *
 * @module
 */
import { parseArgs } from 'node:util'
import { choiceProblem } from '../config/option-checks.ts'
import type { ServerOptions } from '../config/options.ts'
import { ServerError, ServerErrorCode } from '../errors.ts'
import { LOG_FORMATS } from '../logging/format.ts'
import { FLAGS_LIST, flagOf } from './flags.ts'
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
