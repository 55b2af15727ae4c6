/**
 * Workers for the tests: where the `workerd` binary is, a TSGI app bundled as a module worker
 * (host.ts around it) with its capnp config, and `workerd serve` started on a free port,
 * resolved when workerd reports the port it listens on (`--control-fd`).
 *
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { build } from 'rolldown'

/**
 * The compatibility date of the workers: the date of the workerd release expected.ts was
 * recorded with (workerd refuses a later one). `nodejs_compat` is on by default since
 * 2026-08-04, so no flag: the conformance apps import `node:url` and use `Buffer`.
 */
export const COMPATIBILITY_DATE = '2026-11-17'

/** Where `workerd` is looked for: `TSGI_WORKERD`, else the cache `.ci/run` fills. */
export const workerdPath =
  process.env.TSGI_WORKERD ||
  join(
    process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
    'tsgi/workerd/node_modules/.bin/workerd',
  )

/** The path of a working `workerd` binary, or `null` when there is none. */
export function findWorkerd(): string | null {
  if (!existsSync(workerdPath)) return null
  try {
    execFileSync(workerdPath, ['--version'], { stdio: 'ignore', timeout: 30_000 })
    return workerdPath
  } catch {
    return null
  }
}

const HOST = fileURLToPath(new URL('./host.ts', import.meta.url))

/** The capnp config of a module worker `worker.js` (beside it) served on socket `http`. */
export const workerdConfig = (): string => `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  # The address is overridden with --socket-addr (a free port).
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "${COMPATIBILITY_DATE}",
);
`

/**
 * Bundles host.ts around the app module `app` (its default export) into `dir/worker.js`, with
 * `dir/config.capnp` beside it; resolves with the config's path. The workspace packages
 * resolve to their sources (`@tsgi/source`); `node:` modules are workerd's own.
 */
export async function bundleWorker(app: string, dir: string, rootPath = ''): Promise<string> {
  const { output } = await build({
    input: HOST,
    platform: 'neutral',
    resolve: {
      conditionNames: ['@tsgi/source', 'workerd', 'worker', 'import', 'default'],
      alias: { 'tsgi-workers:app': app },
    },
    external: [/^node:/],
    transform: { define: { TSGI_ROOT_PATH: JSON.stringify(rootPath) } },
    output: { format: 'esm', codeSplitting: false },
    write: false,
    logLevel: 'warn',
  })
  const chunk = output.find((o) => o.type === 'chunk')
  if (chunk?.code === undefined) throw new Error(`bundling ${app} gave no chunk`)
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'worker.js'), chunk.code)
  const config = join(dir, 'config.capnp')
  await writeFile(config, workerdConfig())
  return config
}

/** A running `workerd serve`. */
export interface Workerd extends AsyncDisposable {
  child: ChildProcess
  port: number
  url: string
  /** What workerd wrote to stdout and stderr so far. */
  output(): string
  /** SIGTERM, then waits for the exit; resolves with the exit code (`null`: a signal). */
  stop(): Promise<number | null>
}

/**
 * Starts `workerd serve config` on a free port of 127.0.0.1; resolves once workerd reported
 * the port on its control descriptor (it listens from then on), rejects if it exits first.
 */
export function startWorkerd(bin: string, config: string): Promise<Workerd> {
  const child = spawn(bin, ['serve', config, '--control-fd=3', '--socket-addr=http=127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  })
  let out = ''
  const keep = (d: Buffer) => {
    out += d
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    return exit
  }
  return new Promise((resolve, reject) => {
    let control = ''
    ;(child.stdio[3] as Readable).on('data', (d: Buffer) => {
      // One JSON object a line: {"event":"listen","socket":"http","port":N}.
      const lines = (control + d).split('\n')
      control = lines.pop() as string
      for (const line of lines) {
        const message = JSON.parse(line) as { event?: string; socket?: string; port?: number }
        if (message.event !== 'listen' || message.socket !== 'http') continue
        const port = message.port as number
        resolve({
          child,
          port,
          url: `http://127.0.0.1:${port}`,
          output: () => out,
          stop,
          [Symbol.asyncDispose]: async () => {
            await stop()
          },
        })
      }
    })
    exit.then((code) => reject(new Error(`workerd exited (${code}) before listening:\n${out}`)))
  })
}
