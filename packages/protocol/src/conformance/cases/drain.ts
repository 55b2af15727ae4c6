/**
 * What the shutdown cases share, all driven by events: requests held in flight until the case
 * lets them finish, an idle keep-alive connection that shows when the server began shutting
 * down, and the exit after a signal (a deadline, never a fixed wait).
 *
 * @module
 */
import { appPath } from '../apps/index.ts'
import { type RunningServer, startServer } from '../harness.ts'
import { type AppName, ConformanceFailure } from '../types.ts'
import { WireConnection } from '../wire-connection.ts'
import { recorded, token } from './util.ts'

/**
 * Runs `run` against a server of its own (`template` serving `app`), which is stopped after it
 * however it ends: the shutdown cases signal their server, so none shares the suite's.
 */
export async function withOwnServer(
  template: string,
  app: AppName,
  scheme: 'http' | 'https' | undefined,
  run: (server: RunningServer) => Promise<void>,
): Promise<void> {
  const server = await startServer(template, appPath(app), { scheme })
  try {
    await run(server)
  } finally {
    await server.stop(5000)
  }
}

/** Requests in flight: each a `POST /hold` whose last body byte the case withholds. */
export interface HeldRequests {
  connections: WireConnection[]
  /** Sends the last body byte of each; resolves with each one's status (0: no answer). */
  finish(): Promise<number[]>
}

/**
 * Opens `n` connections, each with a `POST /hold?t=` missing its last body byte, and resolves
 * once the app has seen all `n` (its record counts them), so they are truly in flight.
 */
export async function holdRequests(server: RunningServer, n: number): Promise<HeldRequests> {
  const t = token()
  const connections = await Promise.all(
    Array.from({ length: n }, () => WireConnection.open(server.port, server.host)),
  )
  await Promise.all(
    connections.map((c) =>
      c.write(`POST /hold?t=${t} HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n`),
    ),
  )
  const r = await recorded(server, t, (x) => x.arrived === n)
  if (r.arrived !== n)
    throw new ConformanceFailure(
      `${n} requests with a body still to come`,
      `the app saw ${String(r.arrived ?? 0)}`,
      `all ${n} to reach the app`,
    )
  return {
    connections,
    async finish() {
      await Promise.all(connections.map((c) => c.write('x')))
      return Promise.all(
        connections.map(async (c) => {
          const [res] = await c.response(1, [], 15_000).catch(() => [])
          c.destroy()
          return res?.status ?? 0
        }),
      )
    },
  }
}

const PROBE = 'GET /record HTTP/1.1\r\nHost: h\r\n\r\n'

/** A keep-alive connection that has had one request answered and is now idle. */
export async function idleConnection(server: RunningServer): Promise<WireConnection> {
  const c = await WireConnection.open(server.port, server.host)
  await c.write(PROBE)
  const [res] = await c.response(1)
  if (res === undefined || c.closed)
    throw new ConformanceFailure(
      PROBE,
      'no answer, or the connection closed',
      'a keep-alive answer',
    )
  return c
}

/**
 * Resolves `true` once the server shows on `idle` that it is shutting down: it closes the idle
 * connection, or answers a request on it with 503. Until then each probe request gets a normal
 * answer (the signal is not handled yet); polled every 20 ms up to `deadlineMs`.
 */
export async function shutdownSeen(idle: WireConnection, deadlineMs = 10_000): Promise<boolean> {
  const end = Date.now() + deadlineMs
  for (;;) {
    if (idle.closed) return true
    const before = idle.responses().length
    await idle.write(PROBE)
    await idle.until((c) => c.responses().length > before, Math.max(0, end - Date.now()))
    if (idle.closed || idle.responses().at(-1)?.status === 503) return true
    if (Date.now() > end) return false
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * The exit code once the process ends by itself after a signal, or `'timeout'` (then it is
 * killed) if it is still running after `deadlineMs`. Never sends a second SIGTERM: servers
 * may treat one as "force the exit".
 */
export async function exitCode(
  server: RunningServer,
  deadlineMs = 15_000,
): Promise<number | null | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const code = await Promise.race([
    server.exited,
    new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), deadlineMs)
    }),
  ])
  clearTimeout(timer)
  if (code === 'timeout') {
    server.signal('SIGKILL')
    await server.exited
  }
  return code
}
