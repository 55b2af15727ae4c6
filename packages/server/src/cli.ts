/**
 * The `tsgi` command: `tsgi [options] <module>[:export]`. Parses the options, then runs one
 * server, a cluster of workers, or the reloader.
 *
 * Exit codes (stable, see README): 0 graceful shutdown, 1 the application could not be loaded
 * (or a second signal forced the exit), 2 bad options, 3 lifespan startup or shutdown failed.
 *
 * @module
 */
import cluster from 'node:cluster'
import { readFileSync } from 'node:fs'
import { helpText, parseCliArgs } from './cli-args.ts'
import { ServerError } from './errors.ts'
import { runReloader } from './reload.ts'
import { ExitCode, runServer } from './run.ts'
import { runPrimary, runWorker } from './workers.ts'

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return `tsgi ${pkg.version} (node ${process.version})`
}

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  let command: ReturnType<typeof parseCliArgs>
  try {
    command = parseCliArgs(argv)
  } catch (error) {
    process.stderr.write(`tsgi: ${error instanceof ServerError ? error.message : String(error)}\n`)
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
  if (cluster.isWorker) return runWorker(args)
  if (args.reload) return runReloader(args, argv)
  if (args.workers > 1) return runPrimary(args)
  return runServer(args)
}

if (import.meta.main) {
  process.exitCode = await main()
  // Anything still holding the loop open (a leaked handle in the app) must not keep a stopped
  // server alive.
  setTimeout(() => process.exit(), 2000).unref()
}
