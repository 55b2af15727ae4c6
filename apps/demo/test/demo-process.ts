/** Starts the demo through the `tsgi` binary (from source) as a real process; a poll helper. */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../../../packages/server/src/cli/main.ts', import.meta.url))
const root = fileURLToPath(new URL('..', import.meta.url))

/** How often {@link until} checks again. */
const POLL_MS = 20

/** Polls `check` until it is true (or fails after `timeout` ms: generous, for loaded machines). */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeout = 10_000,
): Promise<void> {
  const end = Date.now() + timeout
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}

export interface Demo {
  url: string
  child: ChildProcess
  output: () => string
  stop: () => Promise<number | null>
}

export async function startDemo(env: Record<string, string> = {}): Promise<Demo> {
  const child = spawn(
    process.execPath,
    ['--conditions=@tsgi/source', cli, 'src/app.ts:app', '--port', '0'],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const url = await new Promise<string>((resolve, reject) => {
    let err = ''
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString()
      out += d.toString()
      const m = /running on (http:\/\/\S+)/.exec(err)
      if (m) resolve(m[1]!)
    })
    exited.then((code) => reject(new Error(`demo exited with ${code}:\n${err}`)))
  })
  return {
    url,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}
