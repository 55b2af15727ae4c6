/** Lifespan and shutdown (SPEC.md §4, Appendix A). */
import { connect } from 'node:net'
import { appPath } from '../apps/index.ts'
import { startServer } from '../harness.ts'
import type { Case, CaseContext } from '../types.ts'
import { expectThat, fetchJSON } from './util.ts'

type StateView = { ready: boolean; key: string; shared: { n: number } }

export function lifespanCases(template: string): Case[] {
  return [
    {
      id: 'lifespan.startup-before-serving',
      title: 'startup completes before the first connection is accepted',
      spec: '§4.3',
      app: 'lifespan',
      needs: ['lifespan'],
      async run(ctx) {
        const view = await fetchJSON<StateView>(ctx, '/state')
        expectThat(
          view.ready === true,
          'the first request, as soon as the port accepts',
          JSON.stringify(view),
          'state filled by a completed startup (ready: true)',
        )
      },
    },
    {
      id: 'lifespan.state-shallow-copy',
      title: 'each request gets a shallow copy of the state',
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
      spec: '§4.3',
      app: 'failing-startup',
      needs: ['lifespan'],
      ownServer: true,
      async run() {
        const server = await startServer(template, appPath('failing-startup'), {
          waitForPort: false,
        })
        const code = await Promise.race([
          server.exited,
          new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000)),
        ])
        const accepted = await new Promise<boolean>((resolve) => {
          const s = connect(server.port, server.host)
          s.once('connect', () => {
            s.destroy()
            resolve(true)
          })
          s.once('error', () => resolve(false))
        })
        if (code === 'timeout') await server.stop(1000)
        expectThat(
          code !== 'timeout' && code !== 0 && !accepted,
          'an app answering lifespan.startup.failed',
          `exit ${String(code)}, port accepted: ${accepted}`,
          'a non-zero exit, and the port never accepting',
        )
      },
    },
    {
      id: 'lifespan.unsupported-still-served',
      title: 'an app that rejects the lifespan scope is still served',
      spec: '§4.3',
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
      spec: '§4.3',
      app: 'lifespan',
      needs: ['lifespan'],
      ownServer: true,
      async run() {
        const server = await startServer(template, appPath('lifespan'))
        const ctx = { url: server.url } as CaseContext
        const pending = fetchJSON<StateView>(ctx, '/slow').then(
          (v) => v,
          (e: Error) => e,
        )
        await new Promise((r) => setTimeout(r, 150))
        const code = await server.stop(15_000)
        const answer = await pending
        const line = /lifespan shutdown: (\d+) in flight, (\d+) served/.exec(server.output())
        expectThat(
          !(answer instanceof Error) &&
            answer.ready === true &&
            code === 0 &&
            line?.[1] === '0' &&
            Number(line?.[2]) >= 1,
          'SIGTERM while a 500 ms request is in flight',
          `answer ${answer instanceof Error ? answer.message : JSON.stringify(answer)}, exit ${code}, log ${JSON.stringify(line?.[0] ?? null)}`,
          'the request answered, shutdown logged with 0 in flight, exit 0',
        )
      },
    },
    {
      id: 'shutdown.under-load',
      title: 'SIGTERM with 20 requests in flight: every one is answered, then exit 0',
      spec: 'Appendix A',
      app: 'lifespan',
      needs: ['lifespan'],
      ownServer: true,
      async run() {
        const server = await startServer(template, appPath('lifespan'))
        const ctx = { url: server.url } as CaseContext
        const pending = Array.from({ length: 20 }, () =>
          fetchJSON<StateView>(ctx, '/slow').then(
            () => 'answered',
            (e: Error) => e.message,
          ),
        )
        await new Promise((r) => setTimeout(r, 150))
        const code = await server.stop(15_000)
        const answers = await Promise.all(pending)
        const answered = answers.filter((a) => a === 'answered').length
        expectThat(
          answered === 20 && code === 0,
          'SIGTERM while 20 requests of 500 ms are in flight',
          `${answered} of 20 answered (${answers.find((a) => a !== 'answered') ?? 'no error'}), exit ${code}`,
          'all 20 answered, exit 0',
        )
      },
    },
    {
      id: 'shutdown.idle-connections',
      title: 'idle keep-alive connections do not hold up a graceful shutdown',
      spec: 'Appendix A',
      app: 'no-lifespan',
      ownServer: true,
      async run() {
        const server = await startServer(template, appPath('no-lifespan'))
        const socket = connect(server.port, server.host)
        socket.on('error', () => {})
        await new Promise((r) => socket.once('connect', r))
        socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n')
        await new Promise((r) => socket.once('data', r))
        const started = Date.now()
        const code = await server.stop(15_000)
        const took = Date.now() - started
        socket.destroy()
        expectThat(
          code === 0 && took < 5000,
          'SIGTERM with an idle keep-alive connection open',
          `exit ${code} after ${took} ms`,
          'exit 0 within 5 s',
        )
      },
    },
  ]
}
