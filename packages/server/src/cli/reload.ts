/**
 * `--reload` (development): a supervisor that runs the server in a child process and restarts
 * it when a file under the application's directory changes. node_modules, .git and build
 * output are ignored; bursts of changes are debounced.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { type FSWatcher, watch } from 'node:fs'
import { dirname } from 'node:path'
import type { CliArgs } from './args.ts'
import { resolveModule, splitTarget } from './load.ts'
import { cliLogger, ExitCode } from './run.ts'

/**
 * Set in the child's environment: it runs under this supervisor, which turns SIGINT into SIGTERM
 * (see `RunHooks.supervised`). The child removes it from its environment at once.
 */
export const SUPERVISED_ENV = 'TSGI_SUPERVISED'

const IGNORED = /(^|[\\/])(node_modules|\.git|dist|coverage|\.turbo)([\\/]|$)/
const DEBOUNCE_MS = 150

/** Supervises a child server (the same command without `--reload`); resolves with the exit code. */
export function runReloader(args: CliArgs, argv: readonly string[]): Promise<number> {
  // The same format as the child's lines (it gets the same flags), so that they interleave.
  const logger = cliLogger(args.options, { accessLog: false })
  const dir = dirname(resolveModule(splitTarget(args.target).file))
  const childArgs = [...process.execArgv, process.argv[1]!, ...argv.filter((a) => a !== '--reload')]
  let child: ChildProcess | null = null
  let stopping = false
  let timer: NodeJS.Timeout | undefined

  return new Promise<number>((resolve) => {
    const start = () => {
      const c = spawn(process.execPath, childArgs, {
        stdio: 'inherit',
        env: { ...process.env, [SUPERVISED_ENV]: '1' },
      })
      child = c
      c.on('exit', (code) => {
        if (child === c) child = null
        if (stopping) resolve(code ?? ExitCode.ok)
      })
    }
    const restart = (file: string) => {
      logger.info(`${file} changed: restarting`)
      const old = child
      if (old === null) return start()
      old.once('exit', () => {
        if (!stopping) start()
      })
      old.kill('SIGTERM')
    }
    let watcher: FSWatcher
    try {
      watcher = watch(dir, { recursive: true }, (_event, file) => {
        const name = String(file ?? '')
        if (IGNORED.test(name)) return
        clearTimeout(timer)
        timer = setTimeout(() => restart(name), DEBOUNCE_MS)
      })
    } catch (error) {
      logger.error(`--reload: cannot watch ${dir}: ${(error as Error).message}`)
      resolve(ExitCode.badOptions)
      return
    }
    logger.info(`watching ${dir} for changes`)
    const onSignal = () => {
      stopping = true
      watcher.close()
      clearTimeout(timer)
      const c = child
      if (c === null) resolve(ExitCode.ok)
      else c.kill('SIGTERM')
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
    start()
  })
}
