/** `serve(app, { signal })`: aborted before, during and after startup. */
import type { Application } from '@tsgi/protocol'
import { request } from 'undici'
import { describe, expect, test } from 'vitest'
import { type Logger, ServerError, serve } from '../src/index.ts'
import { recordingLogger } from './helpers.ts'

/** An app whose lifespan startup waits for `release()`, and which records what ran. */
function lifespanApp() {
  const ran: string[] = []
  let release = () => {}
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  let startupBegun = () => {}
  const begun = new Promise<void>((resolve) => {
    startupBegun = resolve
  })
  const app: Application = async (scope, receive, send) => {
    if (scope.type === 'lifespan') {
      await receive()
      ran.push('startup')
      startupBegun()
      await released
      await send({ type: 'lifespan.startup.complete' })
      await receive()
      ran.push('shutdown')
      await send({ type: 'lifespan.shutdown.complete' })
      return
    }
    if (scope.type !== 'http') return
    ran.push('request')
    await send({ type: 'http.response.start', status: 200 })
    await send({ type: 'http.response.body', body: new TextEncoder().encode('ok') })
  }
  return { app, ran, release, begun }
}

async function rejection(promise: Promise<unknown>): Promise<ServerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ServerError)
  return error as ServerError
}

describe('serve({ signal })', () => {
  test('already aborted: rejects TSGI_SERVER_ERR_ABORTED before the lifespan runs', async () => {
    const { app, ran } = lifespanApp()
    const error = await rejection(
      serve(app, { port: 0, logger: recordingLogger(), signal: AbortSignal.abort() }),
    )
    expect(error.code).toBe('TSGI_SERVER_ERR_ABORTED')
    expect(ran).toEqual([])
  })

  test('aborted during lifespan startup: no listening, shutdown runs, then it rejects', async () => {
    const { app, ran, release, begun } = lifespanApp()
    const logger = recordingLogger()
    const controller = new AbortController()
    const serving = serve(app, { port: 0, logger, signal: controller.signal, lifespan: 'on' })
    await begun
    controller.abort()
    release()
    const error = await rejection(serving)
    expect(error.code).toBe('TSGI_SERVER_ERR_ABORTED')
    expect(ran).toEqual(['startup', 'shutdown'])
    expect(logger.of('info')).toContain('stopped during startup: not listening')
    expect(logger.of('info').some((l) => l.startsWith('tsgi running on'))).toBe(false)
  })

  test('aborted after listening: a graceful close, the same one close() returns', async () => {
    const { app, ran, release } = lifespanApp()
    release()
    const controller = new AbortController()
    const server = await serve(app, {
      port: 0,
      logger: recordingLogger(),
      signal: controller.signal,
    })
    expect(await (await request(`${server.url}/`)).body.text()).toBe('ok')
    const closed = new Promise((resolve) => server.server.once('close', resolve))
    controller.abort()
    await closed
    await server.close()
    expect(server.server.listening).toBe(false)
    expect(ran).toEqual(['startup', 'request', 'shutdown'])
  })

  test('aborted in the very tick of the ready line: serve resolves, and the server drains', async () => {
    const { app, ran, release } = lifespanApp()
    release()
    const controller = new AbortController()
    const base = recordingLogger()
    const logger: Logger = {
      ...base,
      info(message) {
        base.info(message)
        if (message.startsWith('tsgi running on')) controller.abort()
      },
    }
    const server = await serve(app, { port: 0, logger, signal: controller.signal })
    await server.close()
    expect(ran).toEqual(['startup', 'shutdown'])
    expect(base.of('info')).toContain('server stopped')
  })

  test('close() first, then an abort: nothing more happens', async () => {
    const { app, release } = lifespanApp()
    release()
    const controller = new AbortController()
    const logger = recordingLogger()
    const server = await serve(app, { port: 0, logger, signal: controller.signal })
    await server.close()
    controller.abort()
    await server.close()
    expect(logger.of('info').filter((l) => l === 'server stopped')).toHaveLength(1)
  })

  test('a bad option rejects before the lifespan runs', async () => {
    const { app, ran } = lifespanApp()
    const error = await rejection(serve(app, { port: 70000, logger: recordingLogger() }))
    expect(error.code).toBe('TSGI_SERVER_ERR_OPTION')
    expect(error.option).toBe('port')
    expect(ran).toEqual([])
  })
})
