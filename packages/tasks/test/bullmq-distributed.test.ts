/** What only the distributed backend does: survive a killed worker and a lost connection. */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, test } from 'vitest'
import { bullmqBackend } from '../src/bullmq/index.ts'
import { createQueue, defineTask } from '../src/index.ts'
import { until } from './conformance.ts'
import { longTask } from './fixtures/tasks.ts'
import { redisUp, redisUrl } from './redis.ts'

const workerScript = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url))

describe.skipIf(!redisUp)('bullmq: distributed', () => {
  const admin = redisUp ? new Redis(redisUrl) : undefined
  afterAll(async () => {
    const keys = await admin!.keys('tsgi-test:*')
    if (keys.length > 0) await admin!.del(...keys)
    admin!.disconnect()
  })

  test('a worker killed with SIGKILL mid-job: another worker finishes it, the attempt counted', {
    timeout: 60_000,
  }, async () => {
    const queueName = `crash-${randomUUID()}`
    const options = {
      url: redisUrl,
      queueName,
      prefix: 'tsgi-test',
      lockDuration: 1000,
      stalledInterval: 500,
    }
    const producer = createQueue({ tasks: [longTask], backend: bullmqBackend(options) })
    const { id } = await producer.enqueue(longTask, null)

    const child = spawn(process.execPath, ['--conditions=@tsgi/source', workerScript, queueName], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, REDIS_URL: redisUrl },
    })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
    })
    await until(() => out.includes('started 1'), 20_000)
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited

    // A second worker (this process) picks the job up once the dead worker's lock expired.
    const results: unknown[] = []
    const rescuer = createQueue({ tasks: [longTask], backend: bullmqBackend(options) })
    rescuer.on('completed', (_job, result) => results.push(result))
    await rescuer.start()
    await until(() => results.length === 1, 30_000)
    expect(results).toEqual(['finished on attempt 2'])
    expect(await rescuer.getJob(id)).toMatchObject({ state: 'completed', attempts: 2 })
    await rescuer.close(1000)
    await producer.close(100)
  })

  test('Redis connections killed mid-stream: no job is lost', { timeout: 60_000 }, async () => {
    const seen = new Set<number>()
    const t = defineTask('n', (p: { n: number }) => {
      seen.add(p.n)
    })
    const queue = createQueue({
      tasks: [t],
      concurrency: 4,
      backend: bullmqBackend({
        url: redisUrl,
        queueName: `outage-${randomUUID()}`,
        prefix: 'tsgi-test',
        // A job fetched while the connection was cut stays active until its lock expires and
        // the stalled check returns it: keep both short so that happens within the test.
        lockDuration: 5000,
        stalledInterval: 1000,
      }),
    })
    await queue.start()
    await queue.enqueueBulk(
      t,
      Array.from({ length: 50 }, (_, n) => ({ payload: { n } })),
    )
    // Cut every client connection (ours included); ioredis reconnects and BullMQ carries on.
    await admin!.client('KILL', 'TYPE', 'normal')
    await queue.enqueueBulk(
      t,
      Array.from({ length: 50 }, (_, n) => ({ payload: { n: n + 50 } })),
    )
    await admin!.client('KILL', 'TYPE', 'normal')
    await until(() => seen.size === 100, 40_000).catch(async () => {
      throw new Error(
        `only ${seen.size} of 100 jobs ran; counts ${JSON.stringify(await queue.counts())}`,
      )
    })
    // A completion cut by the outage is redone once its lock expires (at-least-once): in the
    // end every job is completed, none failed or lost.
    await until(async () => (await queue.counts()).completed === 100, 40_000).catch(async () => {
      throw new Error(`not all completed: ${JSON.stringify(await queue.counts())}`)
    })
    expect(await queue.counts()).toMatchObject({ completed: 100, failed: 0, waiting: 0, active: 0 })
    await queue.close(1000)
  })
})
