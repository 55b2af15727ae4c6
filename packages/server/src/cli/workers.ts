/**
 * `--workers n`: a primary process that forks `n` servers with node:cluster (they share the
 * listening socket), replaces a crashed one with a growing delay so a crash loop does not spin,
 * and on SIGTERM/SIGINT drains them all.
 *
 * A worker that exits with a failure code (1 load, 2 options or bind, 3 lifespan) before it
 * ever served is not replaced: the same failure would come back for ever. The primary stops
 * the other workers and exits with that code, as the single-process server would.
 *
 * Every log line says which process wrote it: `[primary pid N]`, `[worker ID pid N]` in text,
 * `"role":"primary"` or `"role":"worker","worker":ID` beside `pid` in JSON.
 *
 * @module
 */
import cluster, { type Worker } from 'node:cluster'
import type { CliArgs } from './args.ts'
import { cliLogger, ExitCode, runServer } from './run.ts'

type WorkerMessage = { tsgi: 'listening'; url: string }
const MIN_DELAY = 100
const MAX_DELAY = 10_000
/** A worker that lived this long resets the restart delay: it was not a crash loop. */
const STABLE_AFTER = 10_000

const MEANING: Record<number, string> = {
  [ExitCode.loadFailed]: 'the application could not be loaded',
  [ExitCode.badOptions]: 'bad options, or the address cannot be bound',
  [ExitCode.lifespanFailed]: 'lifespan startup failed',
}

/** In a cluster worker: serve, and tell the primary where. */
export function runWorker(args: CliArgs): Promise<number> {
  const id = cluster.worker?.id ?? 0
  const logger = cliLogger(args.options, {
    prefix: `[worker ${id} pid ${process.pid}]`,
    fields: { role: 'worker', worker: id },
  })
  return runServer(args, {
    logger,
    supervised: true,
    listening: (url) => process.send?.({ tsgi: 'listening', url } satisfies WorkerMessage),
  })
}

/** In the primary: supervise `args.workers` workers until a signal; resolves with the exit code. */
export function runPrimary(args: CliArgs): Promise<number> {
  const logger = cliLogger(args.options, {
    accessLog: false,
    prefix: `[primary pid ${process.pid}]`,
    fields: { role: 'primary' },
  })
  const count = args.workers
  let stopping = false
  let announced = false
  let delay = MIN_DELAY
  /** The exit code once a worker failed before serving (or a second signal killed them). */
  let failure: number | undefined
  /** A worker's lifespan shutdown failed during the drain. */
  let drainFailed = false
  const started = new Map<Worker, number>()
  const served = new Set<Worker>()
  const timers = new Set<NodeJS.Timeout>()
  const name = (w: Worker) => `worker ${w.id} (pid ${w.process.pid})`

  return new Promise<number>((resolve) => {
    const finish = () => {
      if (started.size > 0) return
      for (const t of timers) clearTimeout(t)
      cluster.off('exit', onExit)
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
      resolve(failure ?? (drainFailed ? ExitCode.lifespanFailed : ExitCode.ok))
    }
    const stopAll = () => {
      stopping = true
      for (const w of started.keys()) w.process.kill('SIGTERM')
    }
    const fork = () => {
      const worker = cluster.fork()
      started.set(worker, Date.now())
      worker.on('message', (message: WorkerMessage) => {
        if (message?.tsgi !== 'listening') return
        served.add(worker)
        logger.info(`${name(worker)} is serving`)
        if (!announced) {
          announced = true
          logger.info(`tsgi running on ${message.url} with ${count} workers`)
        }
      })
    }
    const onExit = (worker: Worker, code: number | null, signal: string | null) => {
      const lived = Date.now() - (started.get(worker) ?? Date.now())
      const hadServed = served.delete(worker)
      started.delete(worker)
      if (stopping) {
        if (code === ExitCode.lifespanFailed) drainFailed = true
        return finish()
      }
      if (!hadServed && code !== null && MEANING[code] !== undefined) {
        failure = code
        logger.error(
          `${name(worker)} failed before serving: ${MEANING[code]} (exit code ${code}); stopping`,
        )
        stopAll()
        return finish()
      }
      if (lived > STABLE_AFTER) delay = MIN_DELAY
      logger.warn(
        `${name(worker)} exited (${signal ?? `code ${code}`}): replacing it in ${delay} ms`,
      )
      const timer = setTimeout(() => {
        timers.delete(timer)
        if (!stopping) fork()
      }, delay)
      timers.add(timer)
      delay = Math.min(delay * 2, MAX_DELAY)
    }
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn(`received ${signal} again: killing the workers`)
        failure = ExitCode.loadFailed
        for (const w of started.keys()) w.process.kill('SIGKILL')
        return finish()
      }
      logger.info(`received ${signal}: draining ${started.size} workers`)
      stopAll()
      finish()
    }
    cluster.on('exit', onExit)
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
    for (let i = 0; i < count; i++) fork()
  })
}
