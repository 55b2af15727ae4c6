/**
 * The in-process backend (the default): the same states and semantics as the BullMQ one —
 * priorities, delays, deduplication by id, retries with backoff, bounded retention of
 * completed and failed jobs, leases returned at shutdown — minus surviving a crash.
 *
 * @module
 */
import { TasksError, TasksErrorCode } from './errors.ts'
import { Heap } from './heap.ts'
import type {
  Backend,
  BackendHooks,
  ClaimedJob,
  EnqueueResult,
  JobCounts,
  JobInfo,
  JobState,
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

interface Record {
  id: string
  name: string
  payload: NewJob['payload']
  priority: number
  seq: number
  runAt: number
  state: JobState
  attemptsMade: number
  maxAttempts: number
  returns: number
  createdAt: number
  finishedAt?: number
  result?: unknown
  error?: string
  controller?: AbortController
  running?: Promise<void>
}

let nextId = 1

/** Creates an in-process backend. */
export function memoryBackend(options: MemoryBackendOptions = {}): Backend {
  return new MemoryBackend(options)
}

class MemoryBackend implements Backend {
  readonly kind = 'memory'
  private readonly jobs = new Map<string, Record>()
  private readonly waiting = new Heap<Record>(
    (a, b) => a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq),
  )
  private readonly delayed = new Heap<Record>(
    (a, b) => a.runAt < b.runAt || (a.runAt === b.runAt && a.seq < b.seq),
  )
  private readonly completed = new Set<string>()
  private readonly failed = new Set<string>()
  private readonly active = new Set<Record>()
  private readonly keepCompleted: number
  private readonly keepFailed: number
  private readonly maxReturns: number
  private seq = 0
  private timer: NodeJS.Timeout | null = null
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
      const record: Record = {
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
      this.enqueue(record)
      return { id, added: true }
    })
    this.pump()
    return results
  }

  private enqueue(record: Record): void {
    if (record.runAt > Date.now()) {
      record.state = 'delayed'
      this.delayed.push(record)
      this.schedule()
    } else {
      record.state = 'waiting'
      this.waiting.push(record)
    }
  }

  /** One timer, for the soonest delayed job. */
  private schedule(): void {
    const next = this.delayed.peek()
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    if (next === undefined) return
    this.timer = setTimeout(
      () => {
        this.timer = null
        const now = Date.now()
        while ((this.delayed.peek()?.runAt ?? Number.POSITIVE_INFINITY) <= now) {
          const record = this.delayed.pop()!
          record.state = 'waiting'
          this.waiting.push(record)
        }
        this.schedule()
        this.pump()
      },
      Math.max(0, next.runAt - Date.now()),
    )
    this.timer.unref()
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
    while (this.running && this.active.size < this.concurrency && this.waiting.size > 0) {
      const record = this.waiting.pop()!
      this.run(record)
    }
  }

  private run(record: Record): void {
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

  private settle(record: Record, job: ClaimedJob, error: unknown, result: unknown): void {
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
        this.enqueue(record)
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
        this.enqueue(record)
      }
    }
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    return { drained: this.drained, returned, queued: this.waiting.size + this.delayed.size }
  }

  async getJob(id: string): Promise<JobInfo | null> {
    const r = this.jobs.get(id)
    return r ? info(r) : null
  }

  async counts(): Promise<JobCounts> {
    return {
      waiting: this.waiting.size,
      delayed: this.delayed.size,
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
    this.enqueue(r)
    this.pump()
    return true
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }
}

function info(r: Record): JobInfo {
  const out: JobInfo = {
    id: r.id,
    name: r.name,
    state: r.state,
    attempts: r.attemptsMade,
    payload: r.payload,
    createdAt: r.createdAt,
  }
  if (r.result !== undefined) out.result = r.result
  if (r.error !== undefined) out.error = r.error
  if (r.finishedAt !== undefined) out.finishedAt = r.finishedAt
  return out
}
