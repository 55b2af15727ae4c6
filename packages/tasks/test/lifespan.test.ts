/** The queue tied to an application's lifespan: protocol-level and through the framework. */
import { createApp } from '@tsgi/framework'
import type { Application } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import { describe, expect, test } from 'vitest'
import {
  attachQueue,
  createQueue,
  defineTask,
  type ShutdownReport,
  withQueue,
} from '../src/index.ts'
import { until } from './conformance.ts'

describe('withQueue (any TSGI application)', () => {
  test('starts the queue after the app’s startup and drains it before its shutdown', async () => {
    const log: string[] = []
    const job = defineTask('job', async () => {
      log.push('job ran')
    })
    const queue = createQueue({ tasks: [job] })
    const app: Application = async (scope, receive, send) => {
      if (scope.type === 'lifespan') {
        await receive()
        log.push('app startup')
        await send({ type: 'lifespan.startup.complete' })
        await receive()
        log.push('app shutdown')
        await send({ type: 'lifespan.shutdown.complete' })
        return
      }
      if (scope.type !== 'http') return
      await queue.enqueue(job, null)
      await send({ type: 'http.response.start', status: 202 })
      await send({ type: 'http.response.body' })
    }
    const reports: ShutdownReport[] = []
    const client = createTestClient(withQueue(app, queue, (r) => reports.push(r)))
    await client.startup()
    expect((await client.request('/')).status).toBe(202)
    await until(() => log.includes('job ran'))
    await client.shutdown()
    expect(log).toEqual(['app startup', 'job ran', 'app shutdown'])
    expect(reports).toEqual([{ drained: 0, returned: [], queued: 0 }])
  })

  test('an app without lifespan support still gets the queue', async () => {
    const job = defineTask('job', () => 'ok')
    const queue = createQueue({ tasks: [job] })
    const app: Application = async (scope) => {
      if (scope.type === 'lifespan') throw new Error('no lifespan')
    }
    const client = createTestClient(withQueue(app, queue, () => {}))
    await client.startup()
    const { id } = await queue.enqueue(job, null)
    await until(async () => (await queue.getJob(id))?.state === 'completed')
    await client.shutdown()
  })

  test('a failing app startup is reported, and the queue never starts', async () => {
    const job = defineTask('job', () => 'ok')
    const queue = createQueue({ tasks: [job] })
    const app: Application = async (scope, receive, send) => {
      if (scope.type !== 'lifespan') return
      await receive()
      await send({ type: 'lifespan.startup.failed', message: 'db down' })
    }
    const client = createTestClient(withQueue(app, queue))
    await expect(client.startup()).rejects.toThrow(/db down/)
    const { id } = await queue.enqueue(job, null)
    // A started memory queue claims a job as it is enqueued; give anything pending a turn.
    await new Promise((r) => setImmediate(r))
    expect((await queue.getJob(id))?.state).toBe('waiting')
  })
})

describe('attachQueue (framework apps)', () => {
  test('handlers enqueue; work runs in the background; shutdown drains', async () => {
    const sent: string[] = []
    const email = defineTask('email', async (p: { to: string }) => {
      sent.push(p.to)
    })
    const queue = createQueue({ tasks: [email] })
    const app = createApp()
    attachQueue(app, queue, () => {})
    app.post('/signup/:name', async (req) => {
      const { id } = await queue.enqueue(email, { to: req.params.name })
      return { queued: id }
    })
    const client = app.testClient()
    await client.startup()
    const res = await client.request('/signup/ada', { method: 'POST' })
    expect(res.status).toBe(200)
    await until(() => sent.length === 1)
    expect(sent).toEqual(['ada'])
    await client.shutdown()
  })
})
