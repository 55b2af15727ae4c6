/**
 * What the Bun and Deno hosts share: `<runtime> host.ts <appModule> --port P [--host H]
 * [--root-path /x] [--timeout-graceful-shutdown S]`, the app module loaded (its default export
 * is the TSGI application) and the exit codes of the reference server (2 bad arguments, 3
 * lifespan failed).
 *
 * @module
 */
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Application } from '@tsgi/protocol'

/** The parsed command line of a host. */
export interface HostArgs {
  app: Application
  port: number
  host: string
  rootPath: string
  /** `toFetch`'s `timeoutGracefulShutdown` (seconds), when given. */
  timeoutGracefulShutdown: number | undefined
}

/** Reads `argv` (after the script) and imports the app module; exits 2 on bad arguments. */
export async function hostArgs(argv: readonly string[], name: string): Promise<HostArgs> {
  const usage = (why: string): never => {
    process.stderr.write(
      `${name}: ${why}\nusage: ${name} <appModule> --port P [--host H] [--root-path /x] [--timeout-graceful-shutdown S]\n`,
    )
    process.exit(2)
  }
  let module: string | undefined
  const flags: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg.startsWith('--')) {
      const value = argv[++i]
      if (value === undefined) usage(`${arg} needs a value`)
      flags[arg.slice(2)] = value as string
    } else if (module === undefined) module = arg
    else usage(`unexpected argument ${arg}`)
  }
  if (module === undefined) return usage('the app module is missing')
  const port = Number(flags.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`bad --port ${flags.port}`)
  const grace = flags['timeout-graceful-shutdown']
  const timeoutGracefulShutdown = grace === undefined ? undefined : Number(grace)
  if (timeoutGracefulShutdown !== undefined && !(timeoutGracefulShutdown >= 0))
    usage(`bad --timeout-graceful-shutdown ${grace}`)
  const url = pathToFileURL(isAbsolute(module) ? module : resolve(module)).href
  const app = ((await import(url)) as { default?: unknown }).default
  if (typeof app !== 'function') usage(`${module} has no default export that is an application`)
  return {
    app: app as Application,
    port,
    host: flags.host ?? '127.0.0.1',
    rootPath: flags['root-path'] ?? '',
    timeoutGracefulShutdown,
  }
}

/** Exit codes, as the reference server's. */
export const ExitCode = { ok: 0, badOptions: 2, lifespanFailed: 3 } as const
