/**
 * The HTTP/2 forms of the graceful-shutdown cases (shutdown.ts, and lifespan's shutdown after
 * the drain; SPEC.md §4.3.4, §5.9, §5.10.7): the server's GOAWAY on an idle session shows the
 * shutdown began, streams in flight finish, a session opened after it is not served.
 *
 * @module
 */
import { exitCode, withOwnServer } from './drain.ts'
import { goawaySeen, goawayTold, holdStreams, idleSession, newSession, over } from './h2-drain.ts'
import type { H2Form } from './h2-util.ts'
import { expectThat } from './util.ts'

/** The HTTP/2 forms of the shutdown and lifespan-shutdown cases, servers from `template`. */
export function shutdownH2(template: string): (id: string) => H2Form | undefined {
  const forms: Record<string, H2Form> = {
    async 'shutdown.stops-accepting'(ctx) {
      await withOwnServer(template, 'main', ctx.scheme, async (server) => {
        const to = over(ctx, server)
        const idle = await idleSession(to)
        const held = await holdStreams(to, 1)
        // The session whose stream is in flight is told too, while that stream goes on
        // (listening from before the signal: its GOAWAY may come before the idle one's).
        const telling = goawayTold(held.sessions[0]!)
        server.signal('SIGTERM')
        const seen = await goawaySeen(idle)
        const told = await telling
        const outcome = seen ? await newSession(to) : 'not tried'
        await held.finish()
        const code = await exitCode(server)
        idle.destroy()
        expectThat(
          seen && told && !outcome.startsWith('served') && !outcome.startsWith('no '),
          'SIGTERM with a stream in flight (the server is draining), then a new HTTP/2 session',
          `GOAWAY on an idle session: ${seen}; GOAWAY on the session with the stream in flight, before it ends: ${told}; the new session: ${outcome}; exit ${code}`,
          'both sessions told GOAWAY; the new session refused, told GOAWAY, its stream refused or reset, or answered 503',
        )
      })
    },
    async 'shutdown.under-load'(ctx) {
      await withOwnServer(template, 'main', ctx.scheme, async (server) => {
        const to = over(ctx, server)
        const idle = await idleSession(to)
        const held = await holdStreams(to, 20)
        server.signal('SIGTERM')
        const seen = await goawaySeen(idle)
        const statuses = await held.finish()
        const code = await exitCode(server)
        idle.destroy()
        const answered = statuses.filter((s) => s === 200).length
        expectThat(
          seen && answered === 20 && code === 0,
          'SIGTERM while 20 HTTP/2 streams (over 4 sessions) are in flight, each finishing after it',
          `GOAWAY seen: ${seen}; ${answered} of 20 answered 200 (${statuses.join(' ')}), exit ${code}`,
          'all 20 answered, exit 0',
        )
      })
    },
    async 'shutdown.idle-connections'(ctx) {
      await withOwnServer(template, 'no-lifespan', ctx.scheme, async (server) => {
        const idle = await idleSession(over(ctx, server))
        server.signal('SIGTERM')
        const code = await exitCode(server, 15_000)
        idle.destroy()
        expectThat(
          code === 0,
          'SIGTERM with an idle HTTP/2 session open',
          `exit ${code}`,
          'exit 0 within 15 s',
        )
      })
    },
    async 'lifespan.shutdown-after-drain'(ctx) {
      await withOwnServer(template, 'lifespan', ctx.scheme, async (server) => {
        const to = over(ctx, server)
        const idle = await idleSession(to)
        const held = await holdStreams(to, 1)
        server.signal('SIGTERM')
        const seen = await goawaySeen(idle)
        const [status] = await held.finish()
        const code = await exitCode(server)
        idle.destroy()
        const line = /lifespan shutdown: (\d+) in flight, (\d+) served/.exec(server.output())
        expectThat(
          seen && status === 200 && code === 0 && line?.[1] === '0' && Number(line[2]) >= 1,
          'SIGTERM while an HTTP/2 stream is in flight, which then finishes',
          `GOAWAY on an idle session: ${seen}; the stream: ${status || 'no answer'}; exit ${code}; log ${JSON.stringify(line?.[0] ?? null)}`,
          'the stream answered 200, then lifespan shutdown with 0 in flight, exit 0',
        )
      })
    },
  }
  return (id) => forms[id]
}
