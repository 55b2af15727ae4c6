import { describe, expect, test } from 'vitest'
import type { Application, HTTPScope, LifespanScope, SendEvent } from '../index.ts'
import { createTestClient } from './index.ts'

/** A lifespan-aware app: `onStartup`/`onShutdown` decide what it sends; http requests record their state. */
function lifespanApp(opts: {
  startup?: SendEvent[]
  shutdown?: SendEvent[]
  fill?: (state: Record<string, unknown>) => void
}) {
  const states: Array<Record<string, unknown>> = []
  const app: Application = async (scope, receive, send) => {
    if (scope.type === 'http') {
      const s = (scope as HTTPScope).state
      states.push(s)
      s.counter = ((s.counter as number) ?? 0) + 1
      ;(s.shared as string[]).push('seen')
      await send({ type: 'http.response.start', status: 204 })
      await send({ type: 'http.response.body' })
      return
    }
    const lifespan = scope as LifespanScope
    await receive()
    opts.fill?.(lifespan.state)
    for (const e of opts.startup ?? [{ type: 'lifespan.startup.complete' }]) await send(e)
    await receive()
    for (const e of opts.shutdown ?? [{ type: 'lifespan.shutdown.complete' }]) await send(e)
  }
  return { app, states }
}

describe('lifespan', () => {
  test('startup fills state; each request gets a shallow copy', async () => {
    const { app, states } = lifespanApp({
      fill: (s) => Object.assign(s, { counter: 10, shared: [] }),
    })
    const client = createTestClient(app)
    expect(client.lifespanSupported).toBeUndefined()
    const state = await client.startup()
    expect(client.lifespanSupported).toBe(true)
    await client.request('/')
    await client.request('/')
    // Top-level reassignment stays local to the request; nested mutation is shared.
    expect(states.map((s) => s.counter)).toEqual([11, 11])
    expect(state.counter).toBe(10)
    expect(state.shared).toEqual(['seen', 'seen'])
    expect(states[0]).not.toBe(states[1])
    await client.shutdown()
  })

  test('startup.failed rejects with its message', async () => {
    const { app } = lifespanApp({
      startup: [{ type: 'lifespan.startup.failed', message: 'no database' }],
    })
    await expect(createTestClient(app).startup()).rejects.toMatchObject({
      code: 'TSGI_PROTOCOL_ERR_LIFESPAN_FAILED',
      phase: 'startup',
      message: 'lifespan startup failed: no database',
    })
  })

  test('shutdown.failed rejects with its message', async () => {
    const { app } = lifespanApp({ shutdown: [{ type: 'lifespan.shutdown.failed' }] })
    const client = createTestClient(app)
    await client.startup()
    await expect(client.shutdown()).rejects.toMatchObject({
      phase: 'shutdown',
      message: 'lifespan shutdown failed',
    })
  })

  test('an app that rejects the lifespan scope is served without one (auto)', async () => {
    const app: Application = async (scope, _receive, send) => {
      if (scope.type !== 'http') throw new Error('unsupported')
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body' })
    }
    const client = createTestClient(app)
    expect(await client.startup()).toEqual({})
    expect(client.lifespanSupported).toBe(false)
    expect((await client.request('/')).status).toBe(200)
    await client.shutdown()
  })

  test("in 'on' mode that rejection fails startup", async () => {
    const app: Application = async () => {
      throw new Error('unsupported')
    }
    await expect(createTestClient(app, { lifespan: 'on' }).startup()).rejects.toThrow('unsupported')
    // A rejection without a reason is a rejection still, not an app that returned.
    const silent: Application = () => Promise.reject(undefined)
    await expect(createTestClient(silent, { lifespan: 'on' }).startup()).rejects.toThrow(
      'the application rejected with undefined',
    )
  })

  test('an app that returns at once has no lifespan, and shutdown does not hang', async () => {
    const client = createTestClient(async () => {})
    await client.startup()
    expect(client.lifespanSupported).toBe(false)
    await client.shutdown()
  })

  test('completing startup twice is a violation', async () => {
    const { app } = lifespanApp({
      startup: [{ type: 'lifespan.startup.complete' }, { type: 'lifespan.startup.complete' }],
    })
    await expect(createTestClient(app).startup()).rejects.toThrow(
      'lifespan.startup.complete cannot be sent twice, or after startup ended',
    )
  })

  test('completing shutdown before it was asked is a violation', async () => {
    const { app } = lifespanApp({
      startup: [{ type: 'lifespan.startup.complete' }, { type: 'lifespan.shutdown.complete' }],
    })
    await expect(createTestClient(app).startup()).rejects.toThrow(
      'lifespan.shutdown.complete cannot be sent before lifespan.shutdown was received',
    )
  })

  test('an app that throws during shutdown rejects shutdown; one that returns completes it', async () => {
    const boom = new Error('boom')
    const throwing: Application = async (_s, receive, send) => {
      await receive()
      await send({ type: 'lifespan.startup.complete' })
      await receive()
      throw boom
    }
    const client = createTestClient(throwing)
    await client.startup()
    await expect(client.shutdown()).rejects.toBe(boom)
    const returning: Application = async (_s, receive, send) => {
      await receive()
      await send({ type: 'lifespan.startup.complete' })
      await receive()
    }
    const other = createTestClient(returning)
    await other.startup()
    await expect(other.shutdown()).resolves.toBeUndefined()
  })

  test('an app that fails after startup reports it at shutdown', async () => {
    const boom = new Error('crashed')
    const app: Application = async (_s, receive, send) => {
      await receive()
      await send({ type: 'lifespan.startup.complete' })
      throw boom
    }
    const client = createTestClient(app)
    await client.startup()
    await new Promise((r) => setTimeout(r, 0))
    await expect(client.shutdown()).rejects.toBe(boom)
  })

  test('await using runs shutdown', async () => {
    const log: string[] = []
    const app: Application = async (_s, receive, send) => {
      await receive()
      await send({ type: 'lifespan.startup.complete' })
      await receive()
      log.push('shutdown')
      await send({ type: 'lifespan.shutdown.complete' })
    }
    {
      await using client = createTestClient(app)
      await client.startup()
    }
    expect(log).toEqual(['shutdown'])
  })
})
