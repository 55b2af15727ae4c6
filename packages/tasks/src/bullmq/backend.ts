/**
 * The BullMQ backend itself: a BullMQ `Queue` to enqueue and inspect jobs, and, once started,
 * a `Worker` that runs them with the memory backend's semantics (attempts, the queue's retry
 * decision as BullMQ's backoff, leases returned without using an attempt at shutdown, a
 * deadline that cuts handlers which ignore their signal).
 *
 * @module
 */
import {
  DelayedError,
  type Job,
  type JobType,
  Queue,
  type RedisOptions,
  UnrecoverableError,
  Worker,
} from 'bullmq'
import { TasksError, TasksErrorCode } from '../errors.ts'
import type {
  Backend,
  BackendHooks,
  ClaimedJob,
  EnqueueResult,
  JobCounts,
  JobInfo,
  NewJob,
  Processor,
  RetryDecision,
  ShutdownReport,
} from '../types.ts'
import { type Data, info, jobOptions, STATES } from './jobs.ts'
import { type BullMQBackendOptions, redisOptions } from './options.ts'

/** A {@link Backend} on Redis through BullMQ. */
export class BullMQBackend implements Backend {
  readonly kind = 'bullmq'
  private readonly options: BullMQBackendOptions
  private readonly connection: RedisOptions
  private readonly name: string
  private readonly prefix: string
  private readonly queue: Queue
  private worker: Worker | null = null
  private readonly active = new Map<string, { controller: AbortController; cut: () => void }>()
  private readonly delays = new Map<string, number>()
  private shuttingDown = false
  private returned: string[] = []
  private drained = 0

  constructor(options: BullMQBackendOptions) {
    this.options = options
    this.connection = redisOptions(
      options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      options.redis,
    )
    this.name = options.queueName ?? 'tsgi-tasks'
    this.prefix = options.prefix ?? 'tsgi'
    this.queue = new Queue(this.name, { connection: this.connection, prefix: this.prefix })
    this.queue.on('error', (e) => this.options.onError?.(e))
  }

  async add(jobs: NewJob[]): Promise<EnqueueResult[]> {
    const now = Date.now()
    const results: EnqueueResult[] = new Array(jobs.length)
    const bulk: Array<{ index: number; job: NewJob }> = []
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!
      const id = job.options.jobId
      if (id === undefined) {
        bulk.push({ index: i, job })
        continue
      }
      // BullMQ ignores an add whose id exists; look first so the caller learns it was deduplicated.
      if (await this.queue.getJob(id)) results[i] = { id, added: false }
      else {
        const added = await this.queue.add(
          job.name,
          { p: job.payload } satisfies Data,
          jobOptions(job, now, this.options),
        )
        results[i] = { id: added.id!, added: true }
      }
    }
    if (bulk.length > 0) {
      // One round trip for the lot, as BullMQ's addBulk does.
      const added = await this.queue.addBulk(
        bulk.map(({ job }) => ({
          name: job.name,
          data: { p: job.payload } satisfies Data,
          opts: jobOptions(job, now, this.options),
        })),
      )
      for (let k = 0; k < bulk.length; k++)
        results[bulk[k]!.index] = { id: added[k]!.id!, added: true }
    }
    return results
  }

  async start(
    processor: Processor,
    decide: RetryDecision,
    hooks: BackendHooks,
    concurrency: number,
  ): Promise<void> {
    this.shuttingDown = false
    this.returned = []
    const worker = new Worker(
      this.name,
      (job: Job, token?: string) => this.process(job, token, processor, decide, hooks),
      {
        connection: this.connection,
        prefix: this.prefix,
        concurrency,
        lockDuration: this.options.lockDuration ?? 30_000,
        stalledInterval: this.options.stalledInterval ?? 30_000,
        maxStalledCount: 2,
        settings: {
          // The delay the queue decided when the attempt failed (see process()).
          backoffStrategy: (_attempts, _type, _error, job) => {
            const id = job?.id ?? ''
            const delay = this.delays.get(id) ?? 0
            this.delays.delete(id)
            return delay
          },
        },
      },
    )
    worker.on('error', (e) => this.options.onError?.(e))
    this.worker = worker
    await worker.waitUntilReady()
  }

  private async process(
    job: Job,
    token: string | undefined,
    processor: Processor,
    decide: RetryDecision,
    hooks: BackendHooks,
  ): Promise<unknown> {
    const data = job.data as Data
    const returns = data.r ?? 0
    const claimed: ClaimedJob = {
      id: job.id!,
      name: job.name,
      payload: data.p,
      attempt: Math.max(1, (job.attemptsStarted ?? job.attemptsMade + 1) - returns),
    }
    const controller = new AbortController()
    // The shutdown deadline resolves `cut` as well as aborting, so a handler that ignores its
    // signal cannot hold the worker's close (no listener per job: the resolver is kept here).
    let cutNow!: () => void
    const cut = new Promise<'cut'>((resolve) => {
      cutNow = () => resolve('cut')
    })
    this.active.set(claimed.id, { controller, cut: cutNow })
    try {
      const outcome = await Promise.race([
        processor(claimed, controller.signal).then((r) => ({ r })),
        cut,
      ])
      if (outcome === 'cut') throw controller.signal.reason
      if (this.shuttingDown) this.drained++
      hooks.completed(claimed, outcome.r)
      return outcome.r
    } catch (error) {
      if (this.shuttingDown && controller.signal.aborted) {
        // Return the lease without using an attempt (capped): the job waits for the next worker.
        if (returns < (this.options.maxShutdownReturns ?? 3)) {
          this.returned.push(claimed.id)
          await job.updateData({ ...data, r: returns + 1 } satisfies Data)
          await job.moveToDelayed(Date.now(), token)
          throw new DelayedError()
        }
      }
      if (this.shuttingDown) this.drained++
      const delay = decide(claimed, error)
      if (delay === null) {
        hooks.dead(claimed, error)
        throw new UnrecoverableError(error instanceof Error ? error.message : String(error))
      }
      this.delays.set(claimed.id, delay)
      hooks.retrying(claimed, error, delay)
      throw error
    } finally {
      this.active.delete(claimed.id)
    }
  }

  async stop(deadlineMs: number): Promise<ShutdownReport> {
    const worker = this.worker
    if (worker === null) return { drained: 0, returned: [], queued: await this.queued() }
    this.shuttingDown = true
    this.drained = 0
    const closing = worker.close()
    let timer: NodeJS.Timeout | undefined
    const timedOut = await Promise.race([
      closing.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), deadlineMs)
      }),
    ])
    clearTimeout(timer)
    if (timedOut) {
      const reason = new TasksError(TasksErrorCode.shutdown, 'the queue is shutting down')
      for (const { controller, cut } of this.active.values()) {
        controller.abort(reason)
        cut()
      }
      await closing
    }
    this.worker = null
    return { drained: this.drained, returned: [...this.returned], queued: await this.queued() }
  }

  private async queued(): Promise<number> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed')
    return (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0)
  }

  async getJob(id: string): Promise<JobInfo | null> {
    const job = await this.queue.getJob(id)
    if (!job) return null
    const state = STATES[await job.getState()]
    return state === undefined ? null : info(job, state)
  }

  async counts(): Promise<JobCounts> {
    const c = await this.queue.getJobCounts(
      'waiting',
      'prioritized',
      'delayed',
      'active',
      'completed',
      'failed',
    )
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      delayed: c.delayed ?? 0,
      active: c.active ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
    }
  }

  async list(state: 'failed' | 'completed', limit: number): Promise<JobInfo[]> {
    const jobs = await this.queue.getJobs([state as JobType], 0, limit - 1, false)
    return jobs.filter(Boolean).map((job) => info(job, state))
  }

  async retry(id: string): Promise<boolean> {
    const job = await this.queue.getJob(id)
    if (!job || (await job.getState()) !== 'failed') return false
    await job.updateData({ ...(job.data as Data), r: 0 })
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
    return true
  }

  async close(): Promise<void> {
    if (this.worker) await this.worker.close()
    this.worker = null
    await this.queue.close()
  }
}
