/**
 * A host context with `waitUntil` (Workers) is handed the application's own promise, so the work
 * an app does after its response is kept alive; a host without one (Bun, Deno) gets nothing.
 * Over the wire on workerd: test/runtime-workers.test.ts.
 */
import type { Application } from '@tsgi/protocol'
import { describe, expect, it } from 'vitest'
import { toFetch } from '../src/fetch/index.ts'

function appWithWorkAfterResponse(release: Promise<void>, steps: string[]): Application {
  return async (scope, _receive, send) => {
    if (scope.type === 'lifespan') throw new Error('no lifespan')
    if (scope.type !== 'http') throw new Error(`unsupported scope ${scope.type}`)
    await send({ type: 'http.response.start', status: 202, headers: [['content-length', '2']] })
    await send({ type: 'http.response.body', body: new TextEncoder().encode('ok') })
    steps.push('answered')
    await release
    steps.push('after')
  }
}

describe('toFetch hands the application to ctx.waitUntil', () => {
  it('the promise given to waitUntil settles only once the app finished its work', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const steps: string[] = []
    const handed: Promise<unknown>[] = []
    const ctx = {
      waitUntil(this: unknown, work: Promise<unknown>) {
        expect(this).toBe(ctx)
        handed.push(work)
      },
    }
    const handler = toFetch(appWithWorkAfterResponse(gate, steps))
    const res = await handler.fetch(new Request('http://x/'), {}, ctx)
    expect([res.status, await res.text()]).toEqual([202, 'ok'])
    expect(handed).toHaveLength(1)
    let settled = false
    void handed[0]!.then(() => {
      settled = true
    })
    await Promise.resolve()
    expect(settled).toBe(false)
    release()
    await handed[0]
    expect(steps).toEqual(['answered', 'after'])
    await handler.close()
  })

  it('a context without waitUntil, or none, is fine', async () => {
    const handler = toFetch(appWithWorkAfterResponse(Promise.resolve(), []))
    expect((await handler.fetch(new Request('http://x/'), {}, {})).status).toBe(202)
    expect((await handler.fetch(new Request('http://x/'))).status).toBe(202)
    await handler.close()
  })
})
