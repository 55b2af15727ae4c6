/**
 * Serves a TSGI app with `Deno.serve` through `toFetch`:
 * `deno run --allow-all --conditions=@tsgi/source --node-modules-dir=manual deno-host.ts
 * <appModule> --port P [--host H] [--root-path /x]`. Lifespan startup runs before the port is
 * bound; SIGTERM stops accepting, lets in-flight requests finish, runs lifespan shutdown and
 * exits 0.
 *
 * @module
 */
import {
  type DenoFsFile,
  type DenoUpgradeWebSocket,
  denoFiles,
  denoWebSocket,
  toFetch,
} from '@tsgi/adapters/fetch'
import { ExitCode, hostArgs } from './host-args.ts'

interface ServeInfo {
  remoteAddr: { hostname: string; port: number }
  /** Settles once the response was delivered (or the connection failed). */
  completed: Promise<void>
}
declare const Deno: {
  open(path: string): Promise<DenoFsFile>
  args: string[]
  upgradeWebSocket: DenoUpgradeWebSocket
  addSignalListener(signal: 'SIGTERM', listener: () => void): void
  exit(code: number): never
  serve(
    options: { port: number; hostname: string; onListen?: (addr: { port: number }) => void },
    handler: (request: Request, info: ServeInfo) => Promise<Response>,
  ): { shutdown(): Promise<void> }
}

const { app, port, host, rootPath, timeoutGracefulShutdown } = await hostArgs(
  Deno.args,
  'deno-host',
)
const handler = toFetch(app, {
  rootPath,
  timeoutGracefulShutdown,
  websocket: denoWebSocket(Deno.upgradeWebSocket),
  files: denoFiles((path) => Deno.open(path)),
  client: (_request, info) => {
    const { hostname, port } = (info as ServeInfo).remoteAddr
    return { host: hostname, port }
  },
})
try {
  await handler.ready()
} catch (error) {
  console.error('deno-host: lifespan startup failed:', error)
  Deno.exit(ExitCode.lifespanFailed)
}
// Deno's `server.shutdown()` makes the bodies of in-flight requests unreadable, so the host
// drains first: while stopping, new requests get a 503, `handler.close()` lets the apps in
// flight finish (cutting those still running at its deadline) and closes the WebSockets
// before Deno's shutdown would (with its own 1001), and the server shuts down once every
// response in flight was delivered (`info.completed`).
let inFlight = 0
let stopping = false
let idle: (() => void) | null = null
const server = Deno.serve(
  {
    port,
    hostname: host,
    onListen: (addr) => console.log(`deno-host: serving on http://${host}:${addr.port}`),
  },
  (request, info) => {
    if (stopping)
      return Promise.resolve(
        new Response('Service Unavailable', { status: 503, headers: { connection: 'close' } }),
      )
    inFlight++
    info.completed
      .catch(() => {})
      .finally(() => {
        if (--inFlight === 0) idle?.()
      })
    return handler.fetch(request, info)
  },
)
Deno.addSignalListener('SIGTERM', async () => {
  if (stopping) return
  stopping = true
  try {
    await handler.close()
  } catch (error) {
    console.error('deno-host: lifespan shutdown failed:', error)
    Deno.exit(ExitCode.lifespanFailed)
  }
  if (inFlight > 0)
    await new Promise<void>((r) => {
      idle = r
    })
  await server.shutdown()
  Deno.exit(ExitCode.ok)
})
