/** The server's side of the lifespan, over real sockets: order, state, failures and modes. */
import type { Application, LifespanScope } from '@tsgi/protocol'
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { ServerErrorCode, serve } from '../src/index.ts'
import {
  json,
  recordingLogger,
  sleep,
  startServer,
  type TestServer,
  turn,
  until,
} from './helpers.ts'

/** A startup that takes a while: serve() must not resolve (or accept) before it completes. */
const SLOW_STARTUP_MS = 50

let server: TestServer | undefined
afterEach(async () => {
  await server?.close().catch(() => {})
  server = undefined
})

/** An app with a lifespan that records what happened, in order. */
function withLifespan(
  log: string[],
  hooks: {
    startup?: (state: Record<string, unknown>) => Promise<void>
    shutdown?: () => Promise<void>
  } = {},
): Application {
  return async (scope, receive, send) => {
    if (scope.type === 'lifespan') {
      const state = (scope as LifespanScope).state as Record<string, unknown>
      for (;;) {
        const event = await receive()
        if (event.type === 'lifespan.startup') {
          log.push('startup')
          try {
            await hooks.startup?.(state)
            await send({ type: 'lifespan.startup.complete' })
          } catch (error) {
            await send({ type: 'lifespan.startup.failed', message: (error as Error).message })
            return
          }
        } else {
          log.push('shutdown')
          try {
            await hooks.shutdown?.()
            await send({ type: 'lifespan.shutdown.complete' })
          } catch (error) {
            await send({ type: 'lifespan.shutdown.failed', message: (error as Error).message })
          }
          return
        }
      }
    }
    if (scope.type !== 'http') return
    log.push(`request ${scope.path}`)
    await json(send, { state: scope.state })
  }
}

describe('lifespan', () => {
  test('startup completes before the first connection is accepted; state reaches requests', async () => {
    const log: string[] = []
    let listeningDuringStartup = true
    const app = withLifespan(log, {
      startup: async (state) => {
        await sleep(SLOW_STARTUP_MS)
        state.db = 'connected'
        listeningDuringStartup = server !== undefined
      },
    })
    server = await startServer(app, { lifespan: 'on' })
    expect(listeningDuringStartup).toBe(false)
    const res = await request(`${server.url}/a`)
    expect(await res.body.json()).toEqual({ state: { db: 'connected' } })
    expect(server.state).toEqual({ db: 'connected' })
    expect(log).toEqual(['startup', 'request /a'])
    expect(server.logger.of('info')).toContain('application startup complete')
  })

  test('startup.failed: serve() rejects with TSGI_SERVER_ERR_STARTUP and its message; nothing listens', async () => {
    const logger = recordingLogger()
    const app = withLifespan([], {
      startup: async () => {
        throw new Error('database unreachable')
      },
    })
    const error = await serve(app, { port: 0, logger, lifespan: 'auto' }).catch((e) => e)
    expect(error.code).toBe(ServerErrorCode.startup)
    expect(error.message).toContain('database unreachable')
    expect(logger.of('error').join('\n')).toMatch(
      /application startup failed: .*database unreachable/,
    )
  })

  test('auto: an app that rejects the lifespan scope is served without it, with an info line', async () => {
    const app: Application = async (scope, _receive, send) => {
      if (scope.type !== 'http') throw new Error('unsupported scope')
      await json(send, { ok: true })
    }
    server = await startServer(app, { lifespan: 'auto' })
    const res = await request(`${server.url}/`)
    expect(await res.body.json()).toEqual({ ok: true })
    expect(server.logger.of('info').join('\n')).toMatch(/lifespan unsupported by the application/)
    expect(server.logger.of('error')).toEqual([])
  })

  test('auto: an app that returns at once on lifespan is served without it', async () => {
    const app: Application = async (scope, _receive, send) => {
      if (scope.type !== 'http') return
      await json(send, { ok: true })
    }
    server = await startServer(app, { lifespan: 'auto' })
    expect((await request(`${server.url}/`)).statusCode).toBe(200)
    expect(server.logger.of('info').join('\n')).toMatch(/returned at once/)
  })

  test('on: an app that rejects the lifespan scope fails startup', async () => {
    const app: Application = async () => {
      throw new Error('no lifespan here')
    }
    const error = await serve(app, { port: 0, logger: recordingLogger(), lifespan: 'on' }).catch(
      (e) => e,
    )
    expect(error.code).toBe(ServerErrorCode.startup)
    expect(error.message).toContain('no lifespan here')
  })

  test('off: the lifespan scope is never sent', async () => {
    const log: string[] = []
    server = await startServer(withLifespan(log), { lifespan: 'off' })
    await (await request(`${server.url}/x`)).body.dump()
    await server.close()
    expect(log).toEqual(['request /x'])
  })

  test('shutdown runs after in-flight requests drained', async () => {
    const log: string[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const inner = withLifespan(log)
    const app: Application = async (scope, receive, send) => {
      if (scope.type === 'http' && scope.path === '/slow') {
        log.push('slow started')
        await gate
        log.push('slow answered')
      }
      return inner(scope, receive, send)
    }
    server = await startServer(app, { lifespan: 'on' })
    const pending = request(`${server.url}/slow`)
    await until(() => log.includes('slow started'))
    const closing = server.close()
    // Shutdown has begun (nothing listens); the lifespan shutdown waits for /slow.
    await until(() => !server!.server.listening)
    await turn()
    expect(log).not.toContain('shutdown')
    release()
    const res = await pending
    expect(res.statusCode).toBe(200)
    expect(res.headers.connection).toBe('close')
    await res.body.dump()
    await closing
    expect(log).toEqual(['startup', 'slow started', 'slow answered', 'request /slow', 'shutdown'])
  })

  test('shutdown.failed: close() rejects with TSGI_SERVER_ERR_SHUTDOWN after everything stopped', async () => {
    const app = withLifespan([], {
      shutdown: async () => {
        throw new Error('flush failed')
      },
    })
    const s = await startServer(app, { lifespan: 'on' })
    const error = await s.close().catch((e) => e)
    expect(error.code).toBe(ServerErrorCode.shutdown)
    expect(error.message).toContain('flush failed')
    expect(s.server.listening).toBe(false)
  })
})
