/**
 * The in-process backend (the default): the same states and semantics as the BullMQ one —
 * priorities, delays, deduplication by id, retries with backoff, bounded retention of
 * completed and failed jobs, leases returned at shutdown — minus surviving a crash.
 * This file runs jobs (concurrency, attempts, retention, shutdown); which job is next is
 * memory-schedule.ts, and what a job record holds is memory-job.ts.
 *
 * @module
 */
import { TasksError, TasksErrorCode } from './errors.ts'
import { info, type StoredJob } from './memory-job.ts'
import { Schedule } from './memory-schedule.ts'
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
} from './types.ts'

/** Options of {@link memoryBackend}. */
export interface MemoryBackendOptions {
  /** Completed jobs kept (oldest dropped first). Default 1000. */
  keepCompleted?: number
  /** Failed jobs kept. Default 10 000. */
  keepFailed?: number
  /** Times a job may be returned by a shutdown without using an attempt. Default 3. */
  maxShutdownReturns?: number
}

let nextId = 1

/** Creates an in-process backend. */
export function memoryBackend(options: MemoryBackendOptions = {}): Backend {
  return new MemoryBackend(options)
}

class MemoryBackend implements Backend {
  readonly kind = 'memory'
  private readonly jobs = new Map<string, StoredJob>()
  private readonly schedule = new Schedule(() => this.pump())
  private readonly completed = new Set<string>()
  private readonly failed = new Set<string>()
  private readonly active = new Set<StoredJob>()
  private readonly keepCompleted: number
  private readonly keepFailed: number
  private readonly maxReturns: number
  private seq = 0
  private running = false
  private processor: Processor | null = null
  private decide: RetryDecision | null = null
  private hooks: BackendHooks | null = null
  private concurrency = 1
  private drained = 0

  constructor(options: MemoryBackendOptions) {
    this.keepCompleted = options.keepCompleted ?? 1000
    this.keepFailed = options.keepFailed ?? 10_000
    this.maxReturns = options.maxShutdownReturns ?? 3
  }

  async add(jobs: NewJob[]): Promise<EnqueueResult[]> {
    const now = Date.now()
    const results = jobs.map((job) => {
      const id = job.options.jobId ?? `m${nextId++}`
      if (this.jobs.has(id)) return { id, added: false }
      const runAt =
        job.options.runAt !== undefined ? Number(job.options.runAt) : now + (job.options.delay ?? 0)
      const record: StoredJob = {
        id,
        name: job.name,
        // Stored as JSON, like Redis would: the handler never shares objects with the caller.
        payload: JSON.parse(JSON.stringify(job.payload)),
        priority: job.options.priority ?? 0,
        seq: this.seq++,
        runAt,
        state: runAt > now ? 'delayed' : 'waiting',
        attemptsMade: 0,
        maxAttempts: job.attempts,
        returns: 0,
        createdAt: now,
      }
      this.jobs.set(id, record)
      this.schedule.push(record)
      return { id, added: true }
    })
    this.pump()
    return results
  }

  async start(
    processor: Processor,
    decide: RetryDecision,
    hooks: BackendHooks,
    concurrency: number,
  ): Promise<void> {
    this.processor = processor
    this.decide = decide
    this.hooks = hooks
    this.concurrency = concurrency
    this.running = true
    this.pump()
  }

  private pump(): void {
    while (this.running && this.active.size < this.concurrency && this.schedule.waitingSize > 0) {
      const record = this.schedule.next()!
      this.run(record)
    }
  }

  private run(record: StoredJob): void {
    record.state = 'active'
    record.attemptsMade++
    record.controller = new AbortController()
    const stop = record.controller.signal
    this.active.add(record)
    const job: ClaimedJob = {
      id: record.id,
      name: record.name,
      payload: record.payload,
      attempt: record.attemptsMade,
    }
    record.running = this.processor!(job, stop).then(
      (result) => this.settle(record, job, undefined, result),
      (error: unknown) => this.settle(record, job, error ?? new Error('rejected'), undefined),
    )
  }

  private settle(record: StoredJob, job: ClaimedJob, error: unknown, result: unknown): void {
    this.active.delete(record)
    record.controller = undefined
    if (record.state !== 'active') {
      // Returned to the queue by a shutdown while running: the lease is no longer ours.
      this.pump()
      return
    }
    if (!this.running) this.drained++
    if (error === undefined) {
      record.state = 'completed'
      record.result = result
      record.finishedAt = Date.now()
      this.retain(this.completed, record.id, this.keepCompleted)
      this.hooks!.completed(job, result)
    } else {
      record.error = error instanceof Error ? error.message : String(error)
      const delay = record.attemptsMade < record.maxAttempts ? this.decide!(job, error) : null
      if (delay === null) {
        record.state = 'failed'
        record.finishedAt = Date.now()
        this.retain(this.failed, record.id, this.keepFailed)
        this.hooks!.dead(job, error)
      } else {
        record.runAt = Date.now() + delay
        this.schedule.push(record)
        this.hooks!.retrying(job, error, delay)
      }
    }
    this.pump()
  }

  private retain(set: Set<string>, id: string, limit: number): void {
    set.add(id)
    while (set.size > limit) {
      const oldest = set.values().next().value as string
      set.delete(oldest)
      this.jobs.delete(oldest)
    }
  }

  async stop(deadlineMs: number): Promise<ShutdownReport> {
    this.running = false
    this.drained = 0
    const inFlight = () => [...this.active].map((r) => r.running)
    let timer: NodeJS.Timeout | undefined
    const timedOut = await Promise.race([
      Promise.all(inFlight()).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), deadlineMs)
      }),
    ])
    clearTimeout(timer)
    const returned: string[] = []
    if (timedOut) {
      for (const record of [...this.active]) {
        const shutdown = new TasksError(TasksErrorCode.shutdown, 'the queue is shutting down')
        record.controller?.abort(shutdown)
        this.active.delete(record)
        returned.push(record.id)
        // Capped, so a job that always outlives a shutdown cannot loop forever for free.
        if (record.returns < this.maxReturns) {
          record.returns++
          record.attemptsMade--
        }
        record.runAt = Date.now()
        this.schedule.push(record)
      }
    }
    this.schedule.stop()
    return {
      drained: this.drained,
      returned,
      queued: this.schedule.waitingSize + this.schedule.delayedSize,
    }
  }

  async getJob(id: string): Promise<JobInfo | null> {
    const r = this.jobs.get(id)
    return r ? info(r) : null
  }

  async counts(): Promise<JobCounts> {
    return {
      waiting: this.schedule.waitingSize,
      delayed: this.schedule.delayedSize,
      active: this.active.size,
      completed: this.completed.size,
      failed: this.failed.size,
    }
  }

  async list(state: 'failed' | 'completed', limit: number): Promise<JobInfo[]> {
    const ids = [...(state === 'failed' ? this.failed : this.completed)].reverse().slice(0, limit)
    return ids.map((id) => info(this.jobs.get(id)!))
  }

  async retry(id: string): Promise<boolean> {
    const r = this.jobs.get(id)
    if (r?.state !== 'failed') return false
    this.failed.delete(id)
    r.attemptsMade = 0
    r.error = undefined
    r.finishedAt = undefined
    r.runAt = Date.now()
    this.schedule.push(r)
    this.pump()
    return true
  }

  async close(): Promise<void> {
    this.schedule.stop()
  }
}
