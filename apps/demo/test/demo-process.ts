/** Starts the demo through the `tsgi` binary (from source) as a real process. */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../../../packages/server/src/cli.ts', import.meta.url))
const root = fileURLToPath(new URL('..', import.meta.url))

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
