/**
 * Graceful shutdown (SPEC.md §5.9): requests are held in flight by the client (their last body
 * byte withheld), the start of the shutdown is seen on an idle keep-alive connection, and the
 * exit is awaited — no fixed delay anywhere.
 */
import type { Case } from '../types.ts'
import { get } from '../wire.ts'
import { WireConnection } from '../wire-connection.ts'
import { exitCode, holdRequests, idleConnection, shutdownSeen, withOwnServer } from './drain.ts'
import { withH2Forms } from './h2-util.ts'
import { shutdownH2 } from './shutdown-h2.ts'
import { expectThat, header } from './util.ts'

/** What a connection attempted during the shutdown got. */
async function newConnection(port: number, host: string): Promise<string> {
  let c: WireConnection
  try {
    c = await WireConnection.open(port, host)
  } catch (error) {
    return `refused (${(error as NodeJS.ErrnoException).code})`
  }
  await c.write(get('/length/1'))
  await c.closedByServer(10_000)
  c.destroy()
  const [res] = c.responses()
  if (res === undefined) return c.closed ? 'closed without a response' : 'no answer in 10 s'
  return res.status === 503
    ? `503 (connection: ${header(res, 'connection')})`
    : `served: ${res.statusLine}`
}

/**
 * The shutdown cases; each starts its own server from `template`, and has its HTTP/2 form
 * (shutdown-h2.ts).
 */
export function shutdownCases(template: string): Case[] {
  const cases: Case[] = [
    {
      id: 'shutdown.stops-accepting',
      title: 'after SIGTERM, a new connection is refused or answered 503, never served',
      spec: '§5.9.1',
      app: 'main',
      ownServer: true,
      timeoutMs: 60_000,
      async run() {
        await withOwnServer(template, 'main', undefined, async (server) => {
          const idle = await idleConnection(server)
          const held = await holdRequests(server, 1)
          server.signal('SIGTERM')
          const seen = await shutdownSeen(idle)
          const outcome = seen ? await newConnection(server.port, server.host) : 'not tried'
          await held.finish()
          const code = await exitCode(server)
          expectThat(
            seen && !outcome.startsWith('served') && outcome !== 'no answer in 10 s',
            'SIGTERM with a request in flight (the server is draining), then a new connection',
            `shutdown seen on an idle connection: ${seen}; the new connection: ${outcome}; exit ${code}`,
            'the new connection refused, closed without a response, or answered 503',
          )
        })
      },
    },
    {
      id: 'shutdown.under-load',
      title: 'SIGTERM with 20 requests in flight: every one is answered, then exit 0',
      spec: '§5.9.3',
      app: 'main',
      ownServer: true,
      timeoutMs: 60_000,
      async run() {
        await withOwnServer(template, 'main', undefined, async (server) => {
          const idle = await idleConnection(server)
          const held = await holdRequests(server, 20)
          server.signal('SIGTERM')
          const seen = await shutdownSeen(idle)
          const statuses = await held.finish()
          const code = await exitCode(server)
          const answered = statuses.filter((s) => s === 200).length
          expectThat(
            seen && answered === 20 && code === 0,
            'SIGTERM while 20 requests are in flight, each finishing after it',
            `shutdown seen: ${seen}; ${answered} of 20 answered 200 (${statuses.join(' ')}), exit ${code}`,
            'all 20 answered, exit 0',
          )
        })
      },
    },
    {
      id: 'shutdown.idle-connections',
      title: 'idle keep-alive connections do not hold up a graceful shutdown',
      spec: '§5.9.2',
      app: 'no-lifespan',
      ownServer: true,
      timeoutMs: 60_000,
      async run() {
        await withOwnServer(template, 'no-lifespan', undefined, async (server) => {
          const idle = await idleConnection(server)
          server.signal('SIGTERM')
          // Well under any keep-alive timeout worth the name (the reference server's is 65 s).
          const code = await exitCode(server, 15_000)
          idle.destroy()
          expectThat(
            code === 0,
            'SIGTERM with an idle keep-alive connection open',
            `exit ${code}`,
            'exit 0 within 15 s',
          )
        })
      },
    },
  ]
  return withH2Forms(cases, shutdownH2(template))
}
