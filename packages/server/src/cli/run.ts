/**
 * One server process for the CLI: check the options, load the app, serve it, and shut down
 * gracefully on SIGTERM or SIGINT (a second signal forces the exit). Resolves with the process
 * exit code.
 *
 * The signal handlers are installed before anything else runs, and map onto the `signal` of
 * `serve()`: a signal while the app loads or starts stops the server cleanly (lifespan shutdown,
 * nothing served, exit 0), one at any time after the ready line drains it.
 *
 * @module
 */
import type { Application } from '@tsgi/protocol'
import { resolveOptions, type ServerOptions } from '../config/options.ts'
import { ServerError, ServerErrorCode } from '../errors.ts'
import { createLogger, type Logger, type LoggerOptions } from '../logging/logger.ts'
import { type ServerHandle, serve } from '../server.ts'
import type { CliArgs } from './args.ts'
import { cliMessage } from './args.ts'
import type { Detection } from './interface.ts'
import { loadTarget } from './load.ts'

/** Process exit codes of the `tsgi` command. */
export const ExitCode = {
  /** Graceful shutdown, also after a signal during startup (or --help / --version). */
  ok: 0,
  /** The target could not be loaded, or a second signal forced the exit. */
  loadFailed: 1,
  /** Bad options, or the address cannot be bound. */
  badOptions: 2,
  /** Lifespan startup (or shutdown) failed. */
  lifespanFailed: 3,
} as const

/** Maps a server error to its exit code. */
export function exitCodeOf(error: unknown): number {
  switch ((error as { code?: string }).code) {
    case ServerErrorCode.aborted:
      return ExitCode.ok
    case ServerErrorCode.badOption:
      return ExitCode.badOptions
    case ServerErrorCode.startup:
    case ServerErrorCode.shutdown:
      return ExitCode.lifespanFailed
    default:
      return ExitCode.loadFailed
  }
}

/**
 * The logger of a `tsgi` process: the level, access log, format and time of the command line,
 * and `extra` (the `--workers` prefix and fields, or no access lines for a supervisor).
 */
export function cliLogger(options: ServerOptions, extra: LoggerOptions = {}): Logger {
  return createLogger({
    level: options.logLevel,
    accessLog: options.accessLog,
    format: options.logFormat,
    time: options.logTime,
    ...extra,
  })
}

/** Hooks for embedding (the cluster worker reports its address to the primary). */
export interface RunHooks {
  /** Called once the server accepts connections. */
  listening?(url: string): void
  /** Where lines go; the default logger otherwise. */
  logger?: Logger
  /**
   * Run under a supervisor (the `--workers` primary, `--reload`) that turns its SIGINT into a SIGTERM
   * for this process. A CTRL+C in a terminal sends SIGINT to the whole process group, so this
   * process ignores SIGINT: it would otherwise count the supervisor's SIGTERM as a second
   * signal and force its exit in the middle of the drain.
   */
  supervised?: boolean
}

/** Logs why the application could not be loaded: the message, then what the module raised. */
function logLoadError(logger: Logger, error: unknown): void {
  if (!(error instanceof ServerError)) logger.error('cannot load the application', error)
  else if (error.cause instanceof Error) logger.error(error.message, error.cause)
  else logger.error(error.message)
}

const KINDS = {
  tsgi: 'a TSGI application',
  fetch: 'a fetch handler, through fromFetch from @tsgi/adapters/fetch',
  node: 'a node listener, through fromNodeListener from @tsgi/adapters/node',
} as const

/** Says what the export was served as: a debug line for a TSGI app, an info line when adapted. */
function logInterface(logger: Logger, what: string, detection: Detection): void {
  const line = `serving ${what} as ${KINDS[detection.interface]} (${detection.reason})`
  if (detection.interface === 'tsgi') logger.debug(line)
  else logger.info(line)
}

async function serveUntilStopped(
  args: CliArgs,
  hooks: RunHooks,
  logger: Logger,
  signal: AbortSignal,
): Promise<number> {
  let app: Application
  try {
    const loaded = await loadTarget(args.target, {
      factory: args.factory,
      interface: args.interface,
    })
    app = loaded.app
    logInterface(logger, loaded.what, loaded.detection)
  } catch (error) {
    logLoadError(logger, error)
    return ExitCode.loadFailed
  }
  if (signal.aborted) {
    logger.info('stopped before serving')
    return ExitCode.ok
  }
  let server: ServerHandle
  try {
    server = await serve(app, { ...args.options, logger, signal })
  } catch (error) {
    // Lifespan failures were logged where they happened; an abort is the clean stop.
    if (!(error instanceof ServerError)) logger.error('cannot serve the application', error)
    else if (error.code === ServerErrorCode.badOption) logger.error(cliMessage(error))
    return exitCodeOf(error)
  }
  hooks.listening?.(server.url)
  if (!signal.aborted)
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
  // serve() started the graceful close on the abort: this waits for the same close.
  return server.close().then(
    () => ExitCode.ok,
    () => ExitCode.lifespanFailed,
  )
}

/** Checks the options, then loads and serves `args.target` until a signal; resolves with the exit code. */
export async function runServer(args: CliArgs, hooks: RunHooks = {}): Promise<number> {
  const logger = hooks.logger ?? cliLogger(args.options)
  try {
    resolveOptions(args.options)
  } catch (error) {
    logger.error(cliMessage(error))
    return ExitCode.badOptions
  }
  const stop = new AbortController()
  let forced: (code: number) => void = () => {}
  const force = new Promise<number>((resolve) => {
    forced = resolve
  })
  let stoppingOn: NodeJS.Signals | undefined
  let absorbed = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      // The same signal again forces, and so does any third one; a first different signal does
      // not: a supervisor that turns the terminal's CTRL+C into a SIGTERM (pnpm does when it
      // gets SIGINT twice, the terminal's and its parent's forward) makes the same stop
      // request, and must not cut the drain short.
      if (signal !== stoppingOn && !absorbed) {
        absorbed = true
        logger.info(
          `received ${signal} while stopping on ${stoppingOn}: still shutting down (send a signal again to force)`,
        )
        return
      }
      logger.warn(`received ${signal} again: forcing exit`)
      forced(ExitCode.loadFailed)
      setImmediate(() => process.exit(ExitCode.loadFailed))
      return
    }
    logger.info(`received ${signal}: shutting down gracefully (send it again to force)`)
    stoppingOn = signal
    stop.abort()
  }
  const onSigint = hooks.supervised
    ? () => logger.debug('received SIGINT: ignored, the supervisor sends SIGTERM')
    : onSignal
  // Before loading the app: from here on a signal can only stop the server cleanly.
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSigint)
  try {
    return await Promise.race([serveUntilStopped(args, hooks, logger, stop.signal), force])
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSigint)
  }
}
