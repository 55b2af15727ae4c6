/** Lifespan (SPEC.md §4). Every wait is on an event: a file the app writes, a record, an exit. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { appPath } from '../apps/index.ts'
import { accepts, type RunningServer, startServer } from '../harness.ts'
import type { AppName, Case } from '../types.ts'
import { exitCode, holdRequests, idleConnection, shutdownSeen, withOwnServer } from './drain.ts'
import { withH2Forms } from './h2-util.ts'
import { shutdownH2 } from './shutdown-h2.ts'
import { expectThat, fetchJSON } from './util.ts'

type StateView = { ready: boolean; key: string; shared: { n: number } }

const running = (server: RunningServer) =>
  server.child.exitCode === null && server.child.signalCode === null

/** Polls `check` every 20 ms until it holds, `server` exits, or `deadlineMs` passes. */
async function until(server: RunningServer, check: () => Promise<boolean>, deadlineMs: number) {
  const end = Date.now() + deadlineMs
  for (;;) {
    if (await check()) return true
    if (!running(server) || Date.now() > end) return false
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * Starts `app` with a startup gate (apps/gate.ts) and waits until its lifespan startup began:
 * then the startup is known to be running, for as long as the case keeps the gate closed.
 */
async function gatedStart(template: string, app: AppName, scheme?: 'http' | 'https') {
  const gate = mkdtempSync(join(tmpdir(), 'tsgi-conformance-'))
  const server = await startServer(template, appPath(app), {
    waitForPort: false,
    env: { TSGI_CONFORMANCE_STARTUP_GATE: gate },
    scheme,
  })
  const close = async () => {
    await server.stop(5000)
    rmSync(gate, { recursive: true, force: true })
  }
  const began = await until(server, async () => existsSync(join(gate, 'started')), 30_000)
  // A server that never began its startup is stopped before the case fails: nothing outlives it.
  if (!began) await close()
  expectThat(
    began,
    `the server started with the ${app} app`,
    `no lifespan.startup seen (running: ${running(server)}); output: ${server.output().slice(-300)}`,
    'lifespan.startup delivered (the app writes a file; keep TSGI_CONFORMANCE_* in its environment)',
  )
  return {
    server,
    open: () => writeFileSync(join(gate, 'go'), ''),
    close,
  }
}

/**
 * The lifespan cases; the ones with their own server start it from `template`. All run over
 * HTTP/2 too: their requests go through the run's `fetch`, the shutdown one has its HTTP/2
 * form (shutdown-h2.ts).
 */
export function lifespanCases(template: string): Case[] {
  const cases: Case[] = [
    {
      id: 'lifespan.startup-before-serving',
      title: 'no connection is accepted while lifespan startup runs',
      http2: 'same',
      spec: '§4.3.1',
      app: 'lifespan',
      needs: ['lifespan'],
      ownServer: true,
      timeoutMs: 60_000,
      async run(ctx) {
        const { server, open, close } = await gatedStart(template, 'lifespan', ctx.scheme)
        try {
          const acceptedDuringStartup = await accepts(server.host, server.port)
          open()
          const listening = await until(server, () => accepts(server.host, server.port), 30_000)
          // Through the run's fetch: over HTTP/2 under an HTTP/2 transport.
          const to = { url: server.url, fetch: ctx.fetch }
          const view = listening ? await fetchJSON<StateView>(to, '/state') : null
          expectThat(
            !acceptedDuringStartup && view?.ready === true,
            'a connection while lifespan.startup had not been answered, then one after',
            `accepted during startup: ${acceptedDuringStartup}; after startup: ${JSON.stringify(view)}`,
            'refused during startup, then served with the state startup filled (ready: true)',
          )
        } finally {
          await close()
        }
      },
    },
    {
      id: 'lifespan.state-shallow-copy',
      title: 'each request gets a shallow copy of the state',
      http2: 'same',
      spec: '§4.4',
      app: 'lifespan',
      needs: ['lifespan'],
      async run(ctx) {
        const before = await fetchJSON<StateView>(ctx, '/state')
        await fetchJSON(ctx, '/mutate')
        const after = await fetchJSON<StateView>(ctx, '/state')
        expectThat(
          after.key === 'original' && after.shared.n === before.shared.n + 1,
          'a request reassigning state.key and bumping state.shared.n',
          JSON.stringify(after),
          'key still "original" (copy), shared.n incremented (shared nested object)',
        )
      },
    },
    {
      id: 'lifespan.startup-failure-exits',
      title: 'lifespan.startup.failed: the server never serves and exits non-zero',
      http2: 'same',
      spec: '§4.3.2',
      app: 'failing-startup',
      needs: ['lifespan'],
      ownServer: true,
      timeoutMs: 60_000,
      async run() {
        const { server, open, close } = await gatedStart(template, 'failing-startup')
        try {
          const duringStartup = await accepts(server.host, server.port)
          open()
          // Until it exits, any accepted connection is a violation too.
          const [code, afterwards] = await Promise.all([
            exitCode(server, 30_000),
            until(server, () => accepts(server.host, server.port), 30_000),
          ])
          expectThat(
            code !== 'timeout' && code !== 0 && code !== null && !duringStartup && !afterwards,
            'an app answering lifespan.startup.failed',
            `exit ${String(code)}; accepted while startup ran: ${duringStartup}, after it failed: ${afterwards}`,
            'a non-zero exit, and the port never accepting',
          )
        } finally {
          await close()
        }
      },
    },
    {
      id: 'lifespan.unsupported-still-served',
      title: 'an app that rejects the lifespan scope is still served',
      http2: 'same',
      spec: '§4.3.3',
      app: 'no-lifespan',
      async run(ctx) {
        const body = await fetchJSON<{ served: boolean }>(ctx, '/')
        expectThat(
          body.served === true,
          'GET / to an app without lifespan support',
          JSON.stringify(body),
          '{ served: true }',
        )
      },
    },
    {
      id: 'lifespan.shutdown-after-drain',
      title: 'on SIGTERM, in-flight requests finish, then lifespan shutdown runs, exit 0',
      spec: '§4.3.4',
      app: 'lifespan',
      needs: ['lifespan'],
      ownServer: true,
      timeoutMs: 60_000,
      async run() {
        await withOwnServer(template, 'lifespan', undefined, async (server) => {
          const idle = await idleConnection(server)
          const held = await holdRequests(server, 1)
          server.signal('SIGTERM')
          const seen = await shutdownSeen(idle)
          const [status] = await held.finish()
          const code = await exitCode(server)
          const line = /lifespan shutdown: (\d+) in flight, (\d+) served/.exec(server.output())
          expectThat(
            seen && status === 200 && code === 0 && line?.[1] === '0' && Number(line[2]) >= 1,
            'SIGTERM while a request is in flight, which then finishes',
            `shutdown seen on an idle connection: ${seen}; the request: ${status || 'no answer'}; exit ${code}; log ${JSON.stringify(line?.[0] ?? null)}`,
            'the request answered 200, then lifespan shutdown with 0 in flight, exit 0',
          )
        })
      },
    },
  ]
  return withH2Forms(cases, shutdownH2(template))
}
