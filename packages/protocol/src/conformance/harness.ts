/**
 * Starting the server under test: the command template with `{app}`, `{port}` and `{host}`
 * filled in, run through the shell (with `exec`, so signals and exit codes are the server's),
 * waited for until its port accepts connections, and stopped by its PID.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { connect, createServer } from 'node:net'

/** A running server under test. */
export interface RunningServer {
  /** `http://host:port`, or `https://host:port` when started with `scheme: 'https'`. */
  url: string
  host: string
  port: number
  child: ChildProcess
  /** The server's PID (the command runs with `exec`, so it is the shell's). */
  pid: number | undefined
  output(): string
  /** Sends `signal` to the server's process group, without waiting. */
  signal(signal: NodeJS.Signals): void
  /**
   * SIGTERM (unless it already exited), then SIGKILL after `graceMs`; resolves with the exit
   * code (`null` if killed by a signal).
   */
  stop(graceMs?: number): Promise<number | null>
  /** Resolves with the exit code when the process ends by itself. */
  exited: Promise<number | null>
}

/**
 * The ports {@link freePort} handed out in this process. A port is free only until someone binds
 * it, and a server under test that never listens (a failing lifespan startup) leaves its port
 * free for as long as the case watches it: runs side by side in one process (the adapters' four
 * runtimes) must never be given the same port, or one case sees the other's server.
 */
const handedOut = new Set<number>()

/** A free TCP port on `host`, never one this process handed out before. */
export async function freePort(host: string): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer()
      s.once('error', reject)
      s.listen(0, host, () => {
        const { port } = s.address() as { port: number }
        s.close(() => resolve(port))
      })
    })
    if (!handedOut.has(port)) {
      handedOut.add(port)
      return port
    }
  }
}

/** Whether `host:port` accepts a TCP connection right now (the connection is closed at once). */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Fills the template's placeholders. */
export function fillTemplate(
  template: string,
  values: { app: string; port: number; host: string },
): string {
  return template
    .replaceAll('{app}', values.app)
    .replaceAll('{port}', String(values.port))
    .replaceAll('{host}', values.host)
    .replaceAll('{rootPath}', ROOT_PATH)
}

/** The root path given to servers whose template has a `{rootPath}` placeholder. */
export const ROOT_PATH = '/mounted'

/**
 * Starts `template` for `app`. Resolves once the port accepts connections, or rejects (with the
 * output) if the process exits first or `timeoutMs` passes.
 */
export async function startServer(
  template: string,
  app: string,
  options: {
    host?: string
    timeoutMs?: number
    waitForPort?: boolean
    /** Extra environment variables for the server (the test apps read `TSGI_CONFORMANCE_*`). */
    env?: Record<string, string>
    /**
     * What the template's server speaks, for its `url` (default `http`): `https` under the
     * TLS transport (the template starts it with a certificate; the harness only waits for
     * its port, which TLS does not change).
     */
    scheme?: 'http' | 'https'
  } = {},
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const port = await freePort(host)
  const command = fillTemplate(template, { app, port, host })
  const child = spawn('sh', ['-c', `exec ${command}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, ...options.env },
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0))),
  )
  let gone = false
  exited.then(() => {
    gone = true
  })
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal)
    } catch {
      child.kill(signal)
    }
  }
  const server: RunningServer = {
    url: `${options.scheme ?? 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    child,
    pid: child.pid,
    output: () => out,
    exited,
    signal(signal) {
      if (!gone) kill(signal)
    },
    async stop(graceMs = 10_000) {
      if (!gone) kill('SIGTERM')
      const timer = setTimeout(() => kill('SIGKILL'), graceMs)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
  if (options.waitForPort === false) return server
  const deadline = Date.now() + (options.timeoutMs ?? 15_000)
  while (!(await accepts(host, port))) {
    if (gone) throw new Error(`the server exited before accepting connections:\n${command}\n${out}`)
    if (Date.now() > deadline) {
      await server.stop(1000)
      throw new Error(
        `the server did not accept connections on ${host}:${port} in time:\n${command}\n${out}`,
      )
    }
    await new Promise((r) => setTimeout(r, 50)) // polling the port, up to the deadline
  }
  return server
}
