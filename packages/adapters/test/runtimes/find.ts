/**
 * Where the Bun and Deno binaries are, and the commands that run a host under them: the
 * `TSGI_BUN` / `TSGI_DENO` variables, then the CI cache (`~/.cache/tsgi/{bun,deno}`, filled by
 * `.ci/run`), then `PATH`. `TSGI_REQUIRE_RUNTIMES=1` turns a missing binary into a failure.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The runtimes the tests run on. */
export type Runtime = 'bun' | 'deno'

/** Whether a missing runtime fails the tests instead of skipping them (CI sets it). */
export const requireRuntimes = process.env.TSGI_REQUIRE_RUNTIMES === '1'

function works(bin: string): boolean {
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore', timeout: 30_000 })
    return true
  } catch {
    return false
  }
}

/** The path of `runtime`'s binary, or `null` when none is found. */
export function findRuntime(runtime: Runtime): string | null {
  const cache = join(
    process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
    'tsgi',
    runtime,
    'node_modules',
    '.bin',
    runtime,
  )
  const fromPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, runtime))
  const env = process.env[runtime === 'bun' ? 'TSGI_BUN' : 'TSGI_DENO']
  for (const bin of [env, cache, ...fromPath]) {
    if (bin !== undefined && bin !== '' && existsSync(bin) && works(bin)) return bin
  }
  return null
}

/** The arguments before the script that run a TypeScript entry point of this repository. */
export function runArgs(runtime: Runtime): string[] {
  // `@tsgi/source` resolves the workspace packages to their .ts sources; Deno reads the pnpm
  // node_modules as they are (`manual`) and needs every permission a server has.
  return runtime === 'bun'
    ? ['--conditions=@tsgi/source']
    : ['run', '--allow-all', '--conditions=@tsgi/source', '--node-modules-dir=manual']
}

/** The same as a command-line prefix (for the conformance suite's command template). */
export const runCommand = (runtime: Runtime, bin: string): string =>
  [`"${bin}"`, ...runArgs(runtime)].join(' ')

/** The host script of `runtime` (serves an app module through `toFetch`). */
export const hostScript = (runtime: Runtime): string =>
  fileURLToPath(new URL(`./${runtime}-host.ts`, import.meta.url))

/** The reference server's command-line entry point. */
export const serverCli = fileURLToPath(new URL('../../../server/src/cli/main.ts', import.meta.url))
