/**
 * One suite for every backend: the semantics @tsgi/tasks promises, run against the memory
 * backend and against BullMQ on Redis (see memory.test.ts and bullmq.test.ts).
 */
import { afterEach, expect, test } from 'vitest'
import {
  type Backend,
  type ClaimedJob,
  createQueue,
  defineTask,
  NonRetryableError,
  type Queue,
  type QueueOptions,
} from '../src/index.ts'

/** Makes a fresh, empty backend (its own queue name on Redis). */
export type BackendFactory = (options: { keepCompleted?: number }) => Backend

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
export async function until(
  check: () => boolean | Promise<boolean>,
  timeout = 10_000,
): Promise<void> {
  const end = Date.now() + timeout
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(10)
  }
}

/** Registers the conformance tests for `factory`. */
export function conformance(factory: BackendFactory): void {
  const queues: Queue[] = []
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close(100).catch(() => {})
  })
  const make = (options: Omit<QueueOptions, 'backend'>, keepCompleted?: number) => {
    const q = createQueue({ ...options, backend: factory({ keepCompleted }) })
    queues.push(q)
    return q
  }
  const fast = { type: 'fixed', delay: 20 } as const

  test('a job runs once, completes with its result, and can be looked up', async () => {
    const add = defineTask('add', (p: { a: number; b: number }, ctx) => ({
      sum: p.a + p.b,
      attempt: ctx.attempt,
    }))
    const q = make({ tasks: [add] })
    const done: unknown[] = []
    q.on('completed', (_job, result) => done.push(result))
    await q.start()
    const { id, added } = await q.enqueue(add, { a: 1, b: 2 })
    expect(added).toBe(true)
    await until(() => done.length === 1)
    expect(done).toEqual([{ sum: 3, attempt: 1 }])
    await until(async () => (await q.getJob(id))?.state === 'completed')
    expect(await q.getJob(id)).toMatchObject({
      id,
      name: 'add',
      state: 'completed',
      attempts: 1,
      payload: { a: 1, b: 2 },
      result: { sum: 3, attempt: 1 },
    })
    expect(await q.getJob('no-such-job')).toBeNull()
  })

  test('payloads that are not plain JSON are refused at enqueue, with the path; nothing is queued', async () => {
    const t = defineTask('t', (_p: { when: string }) => undefined)
    const q = make({ tasks: [t] })
    for (const [bad, path] of [
      [{ when: new Date() }, /payload.when is a Date/],
      [{ when: undefined }, /payload.when is undefined/],
      [{ n: Number.NaN }, /payload.n is NaN/],
      [{ f: () => 1 }, /payload.f is a function/],
      [{ deep: [{ x: 1n }] }, /payload.deep\[0\].x is a bigint/],
    ] as const) {
      const error = await q.enqueue(t, bad as never).catch((e) => e)
      expect(error.code).toBe('TSGI_TASKS_ERR_PAYLOAD')
      expect(error.message).toMatch(path)
    }
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect((await q.enqueue(t, cyclic as never).catch((e) => e)).message).toMatch(/circular/)
    expect((await q.counts()).waiting).toBe(0)
  })

  test('a task the queue does not know is refused', async () => {
    const known = defineTask('known', () => 1)
    const other = defineTask('other', () => 1)
    const q = make({ tasks: [known] })
    expect((await q.enqueue(other, null).catch((e) => e)).code).toBe('TSGI_TASKS_ERR_UNKNOWN_TASK')
  })

  test('failures are retried with backoff until they succeed', async () => {
    const seen: number[] = []
    const flaky = defineTask(
      'flaky',
      (p: { fail: number }, ctx) => {
        seen.push(ctx.attempt)
        if (ctx.attempt <= p.fail) throw new Error(`attempt ${ctx.attempt} failed`)
        return 'ok'
      },
      { attempts: 5, backoff: fast },
    )
    const q = make({ tasks: [flaky] })
    const retrying: number[] = []
    q.on('retrying', (job, _e, delay) => retrying.push(job.attempt, delay))
    await q.start()
    const { id } = await q.enqueue(flaky, { fail: 2 })
    await until(async () => (await q.getJob(id))?.state === 'completed')
    expect(seen).toEqual([1, 2, 3])
    expect(retrying).toEqual([1, 20, 2, 20])
    expect((await q.getJob(id))?.attempts).toBe(3)
  })

  test('past its attempts a job is dead: kept, listed, and re-runnable', async () => {
    let succeed = false
    const failing = defineTask(
      'failing',
      () => {
        if (!succeed) throw new Error('always')
        return 'finally'
      },
      { attempts: 2, backoff: fast },
    )
    const q = make({ tasks: [failing] })
    const dead: ClaimedJob[] = []
    const failed: number[] = []
    q.on('dead', (job) => dead.push(job))
    q.on('failed', (job) => failed.push(job.attempt))
    await q.start()
    const { id } = await q.enqueue(failing, null)
    await until(() => dead.length === 1)
    expect(failed).toEqual([1, 2])
    await until(async () => (await q.getJob(id))?.state === 'failed')
    expect(await q.getJob(id)).toMatchObject({ state: 'failed', attempts: 2, error: 'always' })
    expect((await q.failedJobs()).map((j) => j.id)).toContain(id)
    expect((await q.counts()).failed).toBe(1)
    succeed = true
    expect(await q.retry(id)).toBe(true)
    await until(async () => (await q.getJob(id))?.state === 'completed')
    expect(await q.retry(id)).toBe(false)
  })

  test('NonRetryableError and retryIf stop retrying at once', async () => {
    const never = defineTask(
      'never',
      () => {
        throw new NonRetryableError('bad input')
      },
      { attempts: 5, backoff: fast },
    )
    const filtered = defineTask(
      'filtered',
      () => {
        throw new Error('permanent')
      },
      { attempts: 5, backoff: fast, retryIf: (e) => !(e as Error).message.includes('permanent') },
    )
    const q = make({ tasks: [never, filtered] })
    const dead: string[] = []
    q.on('dead', (job) => dead.push(`${job.name}@${job.attempt}`))
    await q.start()
    await q.enqueue(never, null)
    await q.enqueue(filtered, null)
    await until(() => dead.length === 2)
    expect(dead.sort()).toEqual(['filtered@1', 'never@1'])
  })

  test('a timed-out attempt is aborted, and its slot stays taken until the handler settles', async () => {
    const events: string[] = []
    const slow = defineTask(
      'slow',
      async (p: { name: string }, ctx) => {
        events.push(`start ${p.name}`)
        await new Promise<void>((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            events.push(`abort ${p.name}`)
            // Cleanup takes a while: nothing else may start meanwhile.
            setTimeout(resolve, 150)
          })
          if (p.name === 'quick') resolve()
        })
        events.push(`settled ${p.name}`)
      },
      { attempts: 1, timeout: 100 },
    )
    const q = make({ tasks: [slow], concurrency: 1 })
    const dead: unknown[] = []
    q.on('dead', (_job, error) => dead.push((error as { code: string }).code))
    await q.enqueue(slow, { name: 'hung' }, { priority: 1 })
    await q.enqueue(slow, { name: 'quick' }, { priority: 2 })
    await q.start()
    await until(() => events.includes('settled quick'))
    expect(events).toEqual([
      'start hung',
      'abort hung',
      'settled hung',
      'start quick',
      'settled quick',
    ])
    expect(dead).toEqual(['TSGI_TASKS_ERR_TIMEOUT'])
  })

  test('delay and runAt: the job waits in the delayed state', async () => {
    const ran: number[] = []
    const t = defineTask('later', () => {
      ran.push(Date.now())
    })
    const q = make({ tasks: [t] })
    await q.start()
    const before = Date.now()
    const a = await q.enqueue(t, null, { delay: 300 })
    const b = await q.enqueue(t, null, { runAt: new Date(Date.now() + 300) })
    expect((await q.getJob(a.id))?.state).toBe('delayed')
    expect((await q.counts()).delayed).toBe(2)
    await until(() => ran.length === 2)
    for (const at of ran) expect(at - before).toBeGreaterThanOrEqual(280)
    await until(async () => (await q.getJob(b.id))?.state === 'completed')
  })

  test('priority: lower first, jobs without a priority before prioritized ones', async () => {
    const order: string[] = []
    const t = defineTask('p', (p: { name: string }) => {
      order.push(p.name)
    })
    const q = make({ tasks: [t], concurrency: 1 })
    await q.enqueue(t, { name: 'five' }, { priority: 5 })
    await q.enqueue(t, { name: 'one' }, { priority: 1 })
    await q.enqueue(t, { name: 'none' })
    await q.start()
    await until(() => order.length === 3)
    expect(order).toEqual(['none', 'one', 'five'])
  })

  test('a job id deduplicates; bulk enqueue adds them all', async () => {
    const runs: string[] = []
    const t = defineTask('d', (p: { n: number }) => {
      runs.push(String(p.n))
    })
    const q = make({ tasks: [t] })
    expect(await q.enqueue(t, { n: 1 }, { jobId: 'order-42' })).toEqual({
      id: 'order-42',
      added: true,
    })
    expect(await q.enqueue(t, { n: 2 }, { jobId: 'order-42' })).toEqual({
      id: 'order-42',
      added: false,
    })
    const bulk = await q.enqueueBulk(t, [{ payload: { n: 3 } }, { payload: { n: 4 } }])
    expect(bulk.map((r) => r.added)).toEqual([true, true])
    await q.start()
    await until(() => runs.length === 3)
    await sleep(100)
    expect(runs.sort()).toEqual(['1', '3', '4'])
  })

  test('concurrency limits the attempts running at once', async () => {
    let running = 0
    let peak = 0
    const t = defineTask('c', async () => {
      running++
      peak = Math.max(peak, running)
      await sleep(80)
      running--
    })
    const q = make({ tasks: [t], concurrency: 2 })
    const done: unknown[] = []
    q.on('completed', (job) => done.push(job.id))
    await q.enqueueBulk(
      t,
      Array.from({ length: 5 }, () => ({ payload: null })),
    )
    await q.start()
    await until(() => done.length === 5)
    expect(peak).toBe(2)
  })

  test('graceful stop: in-flight jobs finish, queued jobs stay queued', async () => {
    const t = defineTask('g', async (p: { ms: number }) => {
      await sleep(p.ms)
      return p.ms
    })
    const q = make({ tasks: [t], concurrency: 1 })
    const started: string[] = []
    const { id } = await q.enqueue(t, { ms: 150 }, { priority: 1 })
    const { id: queued } = await q.enqueue(t, { ms: 10 }, { priority: 2 })
    q.on('completed', (job) => started.push(job.id))
    await q.start()
    await until(async () => (await q.getJob(id))?.state === 'active')
    const report = await q.stop(5000)
    expect(report).toEqual({ drained: 1, returned: [], queued: 1 })
    expect((await q.getJob(id))?.state).toBe('completed')
    expect((await q.getJob(queued))?.state).toBe('waiting')
  })

  test('at the deadline, the rest is aborted and returned without using an attempt', async () => {
    const attempts: number[] = []
    const t = defineTask(
      'stuck',
      async (_p: null, ctx) => {
        attempts.push(ctx.attempt)
        if (attempts.length === 1) await new Promise((r) => ctx.signal.addEventListener('abort', r))
        return 'done'
      },
      { attempts: 1 },
    )
    const q = make({ tasks: [t] })
    await q.start()
    const { id } = await q.enqueue(t, null)
    await until(() => attempts.length === 1)
    const report = await q.stop(100)
    expect(report.returned).toEqual([id])
    await until(async () => ['waiting', 'delayed'].includes((await q.getJob(id))?.state ?? ''))
    await q.start()
    await until(async () => (await q.getJob(id))?.state === 'completed')
    // attempts: 1 allowed it to run again: the cut attempt was not counted.
    expect(attempts).toEqual([1, 1])
    expect((await q.getJob(id))?.attempts).toBe(1)
  })

  test('completed jobs are kept within a bound', async () => {
    const t = defineTask('k', () => 1)
    const q = make({ tasks: [t] }, 2)
    const done: string[] = []
    q.on('completed', (job) => done.push(job.id))
    await q.start()
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      ids.push((await q.enqueue(t, null)).id)
      await until(() => done.length === i + 1)
    }
    await until(async () => (await q.counts()).completed === 2)
    expect(await q.getJob(ids[0]!)).toBeNull()
    expect((await q.completedJobs()).map((j) => j.id).sort()).toEqual(ids.slice(2).sort())
  })
}
