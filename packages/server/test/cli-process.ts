/** Runs the `tsgi` CLI from source as a real process, for the CLI tests. */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
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
}

/** Starts `tsgi ...args`. */
export function tsgi(args: string[], cwd?: string): CliProcess {
  const child = spawn(process.execPath, ['--conditions=@tsgi/source', cli, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString()
      // With --workers, wait for the primary's line (the workers print their own first).
      const m = (
        args.includes('--workers')
          ? /running on (\S+) with/
          : /running on ((?:https?:\/\/|unix:)\S+)/
      ).exec(err)
      if (m) resolve(m[1]!)
    })
    exited.then((code) => reject(new Error(`tsgi exited with ${code} before listening:\n${err}`)))
  })
  url.catch(() => {})
  return { child, stdout: () => out, stderr: () => err, url, exited }
}

/** Runs `tsgi ...args` to completion. */
export async function tsgiRun(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = tsgi(args)
  const code = await p.exited
  return { code, stdout: p.stdout(), stderr: p.stderr() }
}
