/**
 * One server process for the CLI: load the app, serve it, and shut down gracefully on SIGTERM
 * or SIGINT (a second signal forces the exit). Resolves with the process exit code.
 *
 * @module
 */
import type { Application } from '@tsgi/protocol'
import type { CliArgs } from './cli-args.ts'
import { ServerError, ServerErrorCode } from './errors.ts'
import { loadApp } from './load.ts'
import { createLogger, type Logger } from './logger.ts'
import { serve } from './server.ts'

/** Process exit codes of the `tsgi` command. */
export const ExitCode = {
  /** Graceful shutdown (or --help / --version). */
  ok: 0,
  /** The target could not be loaded, or a second signal forced the exit. */
  loadFailed: 1,
  /** Bad options. */
  badOptions: 2,
  /** Lifespan startup (or shutdown) failed. */
  lifespanFailed: 3,
} as const

/** Maps a server error to its exit code. */
export function exitCodeOf(error: unknown): number {
  switch ((error as { code?: string }).code) {
    case ServerErrorCode.badOption:
      return ExitCode.badOptions
    case ServerErrorCode.startup:
    case ServerErrorCode.shutdown:
      return ExitCode.lifespanFailed
    default:
      return ExitCode.loadFailed
  }
}

/** Hooks for embedding (the cluster worker reports its address to the primary). */
export interface RunHooks {
  /** Called once the server accepts connections. */
  listening?(url: string): void
  /** Where lines go; the default logger otherwise. */
  logger?: Logger
}

/** Loads and serves `args.target` until a signal; resolves with the exit code. */
export async function runServer(args: CliArgs, hooks: RunHooks = {}): Promise<number> {
  const logger =
    hooks.logger ??
    createLogger({ level: args.options.logLevel, accessLog: args.options.accessLog })
  let app: Application
  try {
    app = await loadApp(args.target, { factory: args.factory })
  } catch (error) {
    logger.error(
      error instanceof ServerError ? error.message : 'cannot load the application',
      error instanceof ServerError ? undefined : error,
    )
    return ExitCode.loadFailed
  }
  let server: Awaited<ReturnType<typeof serve>>
  try {
    server = await serve(app, { ...args.options, logger })
  } catch (error) {
    if (!(error instanceof ServerError) || error.code === ServerErrorCode.badOption)
      logger.error(error instanceof Error ? error.message : String(error))
    return exitCodeOf(error)
  }
  hooks.listening?.(server.url)
  return new Promise<number>((resolve) => {
    let signalled = false
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        logger.warn(`received ${signal} again: forcing exit`)
        resolve(ExitCode.loadFailed)
        setImmediate(() => process.exit(ExitCode.loadFailed))
        return
      }
      signalled = true
      logger.info(`received ${signal}: shutting down gracefully (send it again to force)`)
      server.close().then(
        () => resolve(ExitCode.ok),
        () => resolve(ExitCode.lifespanFailed),
      )
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  }).finally(() => {
    process.removeAllListeners('SIGTERM')
    process.removeAllListeners('SIGINT')
  })
}
