/**
 * Serves a TSGI app with `Bun.serve` through `toFetch`:
 * `bun --conditions=@tsgi/source bun-host.ts <appModule> --port P [--host H] [--root-path /x]`.
 * Lifespan startup runs before the port is bound; SIGTERM stops accepting, lets in-flight
 * requests finish, runs lifespan shutdown and exits 0.
 *
 * @module
 */
import {
  type BunFile,
  type BunServer,
  type BunWebSocketHandlers,
  bunFiles,
  bunWebSocket,
  toFetch,
} from '@tsgi/adapters/fetch'
import { ExitCode, hostArgs } from './host-args.ts'

interface BunRuntimeServer extends BunServer {
  readonly port: number
  requestIP(request: Request): { address: string; port: number } | null
  stop(closeActiveConnections?: boolean): Promise<void>
}
declare const Bun: {
  file(path: string): BunFile
  serve(options: {
    port: number
    hostname: string
    development: boolean
    fetch: (request: Request, server: BunRuntimeServer) => Promise<Response>
    websocket: BunWebSocketHandlers
  }): BunRuntimeServer
}

const { app, port, host, rootPath, timeoutGracefulShutdown } = await hostArgs(
  process.argv.slice(2),
  'bun-host',
)
const ws = bunWebSocket()
const handler = toFetch(app, {
  rootPath,
  timeoutGracefulShutdown,
  websocket: ws.upgrade,
  files: bunFiles((path) => Bun.file(path)),
  client: (request, server) => {
    const ip = (server as BunRuntimeServer).requestIP(request)
    return ip === null ? null : { host: ip.address, port: ip.port }
  },
})
try {
  await handler.ready()
} catch (error) {
  console.error('bun-host: lifespan startup failed:', error)
  process.exit(ExitCode.lifespanFailed)
}
const server = Bun.serve({
  port,
  hostname: host,
  // Not Bun's HTML error page: the host answers as a production server would.
  development: false,
  fetch: handler.fetch,
  websocket: ws.handlers,
})
console.log(`bun-host: serving on http://${host}:${server.port}`)
let stopping = false
process.on('SIGTERM', async () => {
  if (stopping) return
  stopping = true
  // Graceful: Bun stops listening at once; toFetch closes the WebSockets (1012) and waits for
  // the in-flight requests (cutting those still running at its deadline), then runs lifespan
  // shutdown; Bun's stop resolves once the connections are done (idle ones closed).
  const stopped = server.stop(false)
  try {
    await handler.close()
  } catch (error) {
    console.error('bun-host: lifespan shutdown failed:', error)
    process.exit(ExitCode.lifespanFailed)
  }
  await stopped
  process.exit(ExitCode.ok)
})
