/**
 * `--workers n`: a primary process that forks `n` servers with node:cluster (they share the
 * listening socket), replaces a crashed one with a growing delay so a crash loop does not spin,
 * and on SIGTERM/SIGINT drains them all. Exit code 3 if every worker failed its startup.
 *
 * @module
 */
import cluster, { type Worker } from 'node:cluster'
import type { CliArgs } from './cli-args.ts'
import { createLogger } from './logger.ts'
import { ExitCode, runServer } from './run.ts'

type WorkerMessage = { tsgi: 'listening'; url: string }
const MIN_DELAY = 100
const MAX_DELAY = 10_000
/** A worker that lived this long resets the restart delay: it was not a crash loop. */
const STABLE_AFTER = 10_000

/** In a cluster worker: serve, and tell the primary where. */
export function runWorker(args: CliArgs): Promise<number> {
  return runServer(args, {
    listening: (url) => process.send?.({ tsgi: 'listening', url } satisfies WorkerMessage),
  })
}

/** In the primary: supervise `args.workers` workers until a signal; resolves with the exit code. */
export function runPrimary(args: CliArgs): Promise<number> {
  const logger = createLogger({ level: args.options.logLevel, accessLog: false })
  const count = args.workers
  let stopping = false
  let announced = false
  let delay = MIN_DELAY
  let everListened = false
  let startupFailures = 0
  const started = new Map<Worker, number>()

  return new Promise<number>((resolve) => {
    const fork = () => {
      const worker = cluster.fork()
      started.set(worker, Date.now())
      worker.on('message', (message: WorkerMessage) => {
        if (message?.tsgi !== 'listening') return
        everListened = true
        if (!announced) {
          announced = true
          logger.info(
            `tsgi running on ${message.url} with ${count} workers (primary pid ${process.pid})`,
          )
        }
      })
    }
    cluster.on('exit', (worker, code, signal) => {
      const lived = Date.now() - (started.get(worker) ?? Date.now())
      started.delete(worker)
      if (stopping) {
        if (started.size === 0) resolve(ExitCode.ok)
        return
      }
      if (code === ExitCode.lifespanFailed && !everListened) {
        startupFailures++
        logger.error(`worker ${worker.process.pid} failed its lifespan startup`)
        if (startupFailures >= count) {
          logger.error('every worker failed its startup: exiting')
          resolve(ExitCode.lifespanFailed)
        }
        return
      }
      if (code === ExitCode.loadFailed && !everListened) {
        logger.error('the application could not be loaded: exiting')
        stopping = true
        for (const w of started.keys()) w.kill('SIGTERM')
        if (started.size === 0) resolve(ExitCode.loadFailed)
        return
      }
      if (lived > STABLE_AFTER) delay = MIN_DELAY
      logger.warn(
        `worker ${worker.process.pid} exited (${signal ?? `code ${code}`}): replacing it in ${delay} ms`,
      )
      setTimeout(() => {
        if (!stopping) fork()
      }, delay)
      delay = Math.min(delay * 2, MAX_DELAY)
    })
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn(`received ${signal} again: killing the workers`)
        for (const w of started.keys()) w.process.kill('SIGKILL')
        resolve(ExitCode.loadFailed)
        return
      }
      stopping = true
      logger.info(`received ${signal}: draining ${started.size} workers`)
      if (started.size === 0) resolve(ExitCode.ok)
      for (const w of started.keys()) w.process.kill('SIGTERM')
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
    for (let i = 0; i < count; i++) fork()
  })
}
