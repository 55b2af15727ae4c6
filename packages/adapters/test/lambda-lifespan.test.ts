/**
 * toLambda(app): lifespan startup once per execution environment (not per invocation, as
 * mangum #342 complains), its state in every scope, a failing startup reported and retried,
 * shutdown on close() or SIGTERM; application errors before and after the response started;
 * http.disconnect after the response.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import {
  type Application,
  LifespanFailedError,
  type Receive,
  type Send,
  UnsupportedScopeError,
} from '@tsgi/protocol'
import { describe, expect, it } from 'vitest'
import { type APIGatewayProxyResultV2, toLambda } from '../src/lambda/index.ts'
import { type Echo, echoApp, readBody, sampleEvent } from './lambda-helpers.ts'

interface Counts {
  startups: number
  shutdowns: number
}

/** echoApp with a lifespan that counts, fills state, and fails startup `failures` times. */
function withLifespan(counts: Counts, failures = 0): Application {
  return async (scope, receive: Receive, send: Send) => {
    if (scope.type !== 'lifespan') return echoApp(scope, receive, send)
    for (;;) {
      const event = await receive()
      if (event.type === 'lifespan.startup') {
        counts.startups++
        if (counts.startups <= failures) {
          await send({ type: 'lifespan.startup.failed', message: 'database unreachable' })
          return
        }
        scope.state.db = `pool-${counts.startups}`
        await send({ type: 'lifespan.startup.complete' })
      } else {
        counts.shutdowns++
        await send({ type: 'lifespan.shutdown.complete' })
        return
      }
    }
  }
}

const body = (result: unknown) => JSON.parse((result as APIGatewayProxyResultV2).body) as Echo

describe('lifespan', () => {
  it('starts once across invocations and shares its state', async () => {
    const counts = { startups: 0, shutdowns: 0 }
    const handler = toLambda(withLifespan(counts))
    const results = []
    for (let i = 0; i < 3; i++) results.push(body(await handler(sampleEvent('apigw-v2'))))
    expect(counts).toEqual({ startups: 1, shutdowns: 0 })
    expect(results.map((r) => r.state)).toEqual([
      { db: 'pool-1' },
      { db: 'pool-1' },
      { db: 'pool-1' },
    ])
    await handler.close()
    expect(counts).toEqual({ startups: 1, shutdowns: 1 })
  })

  it('ready() runs startup before the first invocation; concurrent calls share it', async () => {
    const counts = { startups: 0, shutdowns: 0 }
    const handler = toLambda(withLifespan(counts))
    await Promise.all([handler.ready(), handler.ready(), handler(sampleEvent('alb'))])
    expect(counts.startups).toBe(1)
    await handler.close()
  })

  it('a failing startup fails the invocation, is reported, and is retried next time', async () => {
    const counts = { startups: 0, shutdowns: 0 }
    const errors: unknown[] = []
    const handler = toLambda(withLifespan(counts, 1), { onError: (e) => errors.push(e) })
    const error = await handler(sampleEvent('apigw-v2')).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(LifespanFailedError)
    expect((error as Error).message).toMatch(/database unreachable/)
    expect(errors).toEqual([error])
    expect(body(await handler(sampleEvent('apigw-v2'))).state).toEqual({ db: 'pool-2' })
    expect(counts.startups).toBe(2)
    await handler.close()
  })

  it('auto: an app that refuses the lifespan scope is served without one', async () => {
    const errors: unknown[] = []
    const app: Application = async (scope, receive, send) => {
      if (scope.type === 'lifespan') throw new UnsupportedScopeError('lifespan')
      return echoApp(scope, receive, send)
    }
    const handler = toLambda(app, { onError: (e) => errors.push(e) })
    expect(body(await handler(sampleEvent('apigw-v2'))).state).toEqual({})
    await handler.close()
    expect(errors).toEqual([])
  })

  it('on: an app that refuses the lifespan scope fails the invocation', async () => {
    const app: Application = async (scope, receive, send) => {
      if (scope.type === 'lifespan') throw new UnsupportedScopeError('lifespan')
      return echoApp(scope, receive, send)
    }
    const handler = toLambda(app, { lifespan: 'on', onError: () => {} })
    await expect(handler(sampleEvent('apigw-v2'))).rejects.toThrow(UnsupportedScopeError)
  })

  it('off: never calls the app with a lifespan scope; close() is a no-op', async () => {
    const counts = { startups: 0, shutdowns: 0 }
    const handler = toLambda(withLifespan(counts), { lifespan: 'off' })
    await handler(sampleEvent('apigw-v2'))
    await handler.ready()
    await handler.close()
    expect(counts).toEqual({ startups: 0, shutdowns: 0 })
  })

  it('close() before any invocation does nothing', async () => {
    const counts = { startups: 0, shutdowns: 0 }
    await toLambda(withLifespan(counts)).close()
    expect(counts).toEqual({ startups: 0, shutdowns: 0 })
  })

  it('shutdownOnSigterm: SIGTERM runs shutdown, then the process exits', async () => {
    const script = fileURLToPath(new URL('./lambda-sigterm-child.ts', import.meta.url))
    const child = spawn(process.execPath, ['--conditions=@tsgi/source', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('served')) resolve()
      })
    })
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    )
    await ready
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(out.trim().split('\n')).toEqual(['startup', 'served', 'shutdown'])
  })
})

describe('application errors', () => {
  const failing =
    (when: 'before' | 'after' | 'incomplete' | 'late'): Application =>
    async (scope, receive, send) => {
      if (scope.type !== 'http') throw new Error('unsupported')
      await readBody(receive)
      if (when === 'before') throw new Error('boom before')
      if (when === 'incomplete') return
      await send({ type: 'http.response.start', status: 200, headers: [['x-a', '1']] })
      await send({
        type: 'http.response.body',
        body: new TextEncoder().encode('part'),
        moreBody: when !== 'late',
      })
      throw new Error(`boom ${when}`)
    }

  it.each(['before', 'after', 'incomplete'] as const)(
    'failing %s the response: 500 and onError',
    async (when) => {
      const errors: unknown[] = []
      const handler = toLambda(failing(when), { lifespan: 'off', onError: (e) => errors.push(e) })
      const result = (await handler(sampleEvent('apigw-v2'))) as APIGatewayProxyResultV2
      expect(result).toEqual({
        statusCode: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        cookies: [],
        body: 'Internal Server Error',
        isBase64Encoded: false,
      })
      expect(errors).toHaveLength(1)
      expect(String(errors[0])).toMatch(
        when === 'incomplete' ? /without sending http.response.start/ : /boom/,
      )
    },
  )

  it('failing after a complete response: the response stands, the error is reported', async () => {
    const errors: unknown[] = []
    const handler = toLambda(failing('late'), { lifespan: 'off', onError: (e) => errors.push(e) })
    const result = (await handler(sampleEvent('apigw-v2'))) as APIGatewayProxyResultV2
    expect([result.statusCode, result.body]).toEqual([200, 'part'])
    expect(String(errors[0])).toMatch(/boom late/)
  })

  it('an invalid event from the app is a 500 too', async () => {
    const errors: unknown[] = []
    const app: Application = async (scope, _receive, send) => {
      if (scope.type !== 'http') throw new Error('unsupported')
      await send({ type: 'http.response.body' })
    }
    const handler = toLambda(app, { lifespan: 'off', onError: (e) => errors.push(e) })
    expect(((await handler(sampleEvent('alb'))) as { statusCode: number }).statusCode).toBe(500)
    expect(String(errors[0])).toMatch(/before http.response.start/)
  })

  it('receive() after the body yields http.disconnect once the response completed', async () => {
    const seen: string[] = []
    const app: Application = async (scope, receive, send) => {
      if (scope.type !== 'http') throw new Error('unsupported')
      seen.push((await receive()).type)
      // Waiting for a disconnect before answering must not block the answer.
      const disconnected = receive().then((e) => seen.push(`after: ${e.type}`))
      await send({ type: 'http.response.start', status: 200 })
      seen.push('sent')
      await send({ type: 'http.response.body', body: new TextEncoder().encode('ok') })
      await disconnected
      seen.push((await receive()).type)
    }
    const handler = toLambda(app, { lifespan: 'off' })
    const result = (await handler(sampleEvent('apigw-v2'))) as APIGatewayProxyResultV2
    expect(result.body).toBe('ok')
    expect(seen).toEqual(['http.request', 'sent', 'after: http.disconnect', 'http.disconnect'])
  })

  it('the scope carries the event and the context in the aws.lambda extension', async () => {
    let extension: unknown
    const app: Application = async (scope, receive, send) => {
      if (scope.type !== 'http') throw new Error('unsupported')
      extension = scope.extensions['aws.lambda']
      await echoApp(scope, receive, send)
    }
    const event = sampleEvent('apigw-v1')
    const context = { awsRequestId: 'req-1' }
    await toLambda(app, { lifespan: 'off' })(event, context)
    expect(extension).toEqual({ source: 'apigw-v1', event, context })
  })
})
