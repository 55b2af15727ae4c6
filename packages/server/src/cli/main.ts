/**
 * The `tsgi` command: `tsgi [options] <module>[:export]`. Parses the options, then runs one
 * server, a cluster of workers, or the reloader.
 *
 * Exit codes (stable, see README): 0 graceful shutdown (also after a signal during startup),
 * 1 the application could not be loaded (or a second signal forced the exit), 2 bad options or
 * the address cannot be bound, 3 lifespan startup or shutdown failed.
 *
 * No top-level await here: `cli/index.ts` re-exports {@link main}, and a module graph with a
 * top-level await cannot be `require()`d.
 *
 * @module
 */
import cluster from 'node:cluster'
import { readFileSync } from 'node:fs'
import { resolveOptions } from '../config/options.ts'
import { cliMessage, parseCliArgs } from './args.ts'
import { helpText } from './flags.ts'
import { runReloader, SUPERVISED_ENV } from './reload.ts'
import { cliLogger, ExitCode, runServer } from './run.ts'
import { runPrimary, runWorker } from './workers.ts'

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return `tsgi ${pkg.version} (node ${process.version})`
}

/** Set once `main()` goes on to run a server (one, workers, or the reloader): only then may a late signal come. */
let served = false

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  let command: ReturnType<typeof parseCliArgs>
  try {
    command = parseCliArgs(argv)
    // Every option is checked before the application is loaded (or a worker forked).
    if (command.kind === 'serve') resolveOptions(command.args.options)
  } catch (error) {
    process.stderr.write(`tsgi: ${cliMessage(error)}\n`)
    return ExitCode.badOptions
  }
  if (command.kind === 'help') {
    process.stdout.write(helpText())
    return ExitCode.ok
  }
  if (command.kind === 'version') {
    process.stdout.write(`${version()}\n`)
    return ExitCode.ok
  }
  const args = command.args
  served = true
  if (cluster.isWorker) return runWorker(args)
  // A --reload child: the reloader turns a CTRL+C into SIGTERM. Not passed on to the app's children.
  const supervised = process.env[SUPERVISED_ENV] === '1'
  delete process.env[SUPERVISED_ENV]
  // Said once, by the process the user started (not again by a --reload child).
  if (!supervised && args.options.forwardedAllowIps !== undefined && !args.options.proxyHeaders) {
    cliLogger(args.options).warn(
      '--forwarded-allow-ips has no effect without --proxy-headers: forwarding headers are ignored',
    )
  }
  if (args.reload) return runReloader(args, argv)
  if (args.workers > 1) return runPrimary(args)
  return runServer(args, { supervised })
}

/** How long a stopped `tsgi` process waits for a supervisor's late signal before it ends. */
const LATE_SIGNAL_GRACE_MS = 250

/**
 * Runs `main()` as the `tsgi` process: sets the exit code, then lets the process end. Once the
 * server has stopped, a signal has nothing left to stop: a package manager that forwards the
 * terminal's CTRL+C as a SIGTERM a moment later (pnpm does) must not kill the process that is
 * already exiting cleanly, which would turn exit code 0 into "killed by SIGTERM" and an error.
 * Anything still holding the loop open (a leaked handle in the app) must not keep a stopped
 * server alive: the process exits at most two seconds later. Without a server (`--help`,
 * `--version`, bad options) it ends at once.
 */
export async function runCommand(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await main(argv)
  // `--help`, `--version` and bad options ran no server: nothing to wait for.
  if (!served) return
  const ignore = () => {}
  process.on('SIGTERM', ignore)
  process.on('SIGINT', ignore)
  // pnpm forwards CTRL+C to its child, and a second SIGINT it gets (the terminal's and its own
  // parent's) makes it send SIGTERM: that one may come just after the drain. The process stays
  // a moment with the handlers above, so the signal cannot land while Node is tearing down.
  setTimeout(() => {}, LATE_SIGNAL_GRACE_MS)
  setTimeout(() => process.exit(), 2000).unref()
}

if (import.meta.main) void runCommand()
