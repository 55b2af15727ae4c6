/** Runs the `tsgi` CLI from source as a real process, for the CLI tests. */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))
export const fixture = (name: string) =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** A running `tsgi` process with its collected output. */
export interface CliProcess {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Resolves with the URL from the "running on" line (rejects if the process exits first). */
  url: Promise<string>
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  /** Resolves once the process exited and its output ended. */
  closed: Promise<void>
  /**
   * Resolves with the stderr text once `pattern` has matched it `count` times (default 1);
   * rejects if the process exits first.
   */
  waitFor(pattern: RegExp, count?: number): Promise<string>
}

/** How to start the process. */
export interface CliOptions {
  cwd?: string
  /** Added to the environment. */
  env?: Record<string, string>
  /** Give the process a stdin pipe (`child.stdin`) instead of none. */
  stdin?: boolean
  /** Start it as the leader of its own process group (to signal the whole group, as a terminal does). */
  detached?: boolean
}

/** Starts `tsgi ...args`. */
export function tsgi(args: string[], options: CliOptions | string = {}): CliProcess {
  const opts = typeof options === 'string' ? { cwd: options } : options
  const child = spawn(process.execPath, ['--conditions=@tsgi/source', cli, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: opts.detached === true,
  })
  let out = ''
  let err = ''
  const waiters = new Set<() => void>()
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString()
    for (const check of waiters) check()
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const waitFor = (pattern: RegExp, count = 1) =>
    new Promise<string>((resolve, reject) => {
      const global = new RegExp(pattern.source, pattern.flags.replace('g', '') + 'g')
      const check = () => {
        if ((err.match(global)?.length ?? 0) < count) return
        waiters.delete(check)
        resolve(err)
      }
      waiters.add(check)
      check()
      closed.then(() => {
        if (!waiters.has(check)) return
        waiters.delete(check)
        reject(
          new Error(`tsgi exited with ${child.exitCode} before ${pattern} (x${count}):\n${err}`),
        )
      })
    })
  // With --workers, wait for the primary's line (the workers print their own first).
  const ready = args.includes('--workers')
    ? /running on (\S+) with/
    : /running on ((?:https?:\/\/|unix:)\S+)/
  const url = waitFor(ready).then((text) => ready.exec(text)![1]!)
  url.catch(() => {})
  return { child, stdout: () => out, stderr: () => err, url, exited, closed, waitFor }
}

/** Runs `tsgi ...args` to completion. */
export async function tsgiRun(
  args: string[],
  options: CliOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = tsgi(args, options)
  const code = await p.exited
  // 'exit' can come before the last output.
  await p.closed
  return { code, stdout: p.stdout(), stderr: p.stderr() }
}
