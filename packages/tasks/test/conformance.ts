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

/** Resolves after `ms`: for work that is slow on purpose, never to wait for an event. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Polls `check` until it is true (or fails after `timeout` ms: generous, for loaded machines). */
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

/** A promise the test resolves: `wait()` in a handler, `open()` in the test. */
function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { wait: () => opened, open }
}

/** How long a timed-out handler's cleanup takes: its slot must stay taken meanwhile. */
const CLEANUP_MS = 150
/** The delay of the delayed jobs: far longer than enqueueing them and reading their state. */
const DELAY_MS = 1000

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
            setTimeout(resolve, CLEANUP_MS)
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
    const a = await q.enqueue(t, null, { delay: DELAY_MS })
    const b = await q.enqueue(t, null, { runAt: new Date(Date.now() + DELAY_MS) })
    expect((await q.getJob(a.id))?.state).toBe('delayed')
    expect((await q.counts()).delayed).toBe(2)
    await until(() => ran.length === 2)
    // A little slack for the clocks' granularity (Redis keeps its own).
    for (const at of ran) expect(at - before).toBeGreaterThanOrEqual(DELAY_MS - 20)
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
    // Everything queued has run: a duplicate would still be waiting, active or run a fourth time.
    await until(async () => {
      const c = await q.counts()
      return runs.length >= 3 && c.completed >= 3 && c.waiting + c.delayed + c.active === 0
    })
    expect(runs.sort()).toEqual(['1', '3', '4'])
    expect((await q.counts()).completed).toBe(3)
  })

  test('concurrency limits the attempts running at once', async () => {
    let running = 0
    let peak = 0
    // The first attempts hold their slot until a second one runs beside them.
    const pair = gate()
    const t = defineTask('c', async () => {
      running++
      peak = Math.max(peak, running)
      if (running === 2) pair.open()
      await pair.wait()
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
    // The in-flight job is still running when the stop begins, and finishes during it.
    const finish = gate()
    const t = defineTask('g', async (p: { n: number }) => {
      await finish.wait()
      return p.n
    })
    const q = make({ tasks: [t], concurrency: 1 })
    const { id } = await q.enqueue(t, { n: 1 }, { priority: 1 })
    const { id: queued } = await q.enqueue(t, { n: 2 }, { priority: 2 })
    await q.start()
    await until(async () => (await q.getJob(id))?.state === 'active')
    const stopping = q.stop(5000)
    finish.open()
    const report = await stopping
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
