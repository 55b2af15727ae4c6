/**
 * The queue: one typed API over a backend (in memory by default, BullMQ on Redis). Enqueue
 * checks payloads; workers run attempts with their timeout, retry with backoff, and report
 * completed / failed / retrying / dead; stop() drains up to a deadline and reports the rest.
 *
 * @module
 */
import { EventEmitter } from 'node:events'
import { runAttempt } from './attempt.ts'
import { TasksError, TasksErrorCode } from './errors.ts'
import { memoryBackend } from './memory.ts'
import { assertJson, type Json } from './payload.ts'
import { nextAttempt, type Task } from './task.ts'
import type {
  Backend,
  ClaimedJob,
  EnqueueOptions,
  EnqueueResult,
  JobCounts,
  JobInfo,
  ShutdownReport,
} from './types.ts'

/** Options of {@link createQueue}. */
export interface QueueOptions {
  /** The tasks this queue runs. */
  tasks: readonly Task[]
  /** Storage. Default: `memoryBackend()`. */
  backend?: Backend
  /** Attempts running at once in this process. Default 1. */
  concurrency?: number
  /** How long `stop()` lets in-flight jobs finish, in ms. Default 25 000. */
  shutdownDeadline?: number
}

/** The events a queue emits. */
export interface QueueEvents {
  /** A job completed. */
  completed: [job: ClaimedJob, result: unknown]
  /** An attempt failed (then either `retrying` or `dead` follows). */
  failed: [job: ClaimedJob, error: unknown]
  /** An attempt failed and the job will run again after `delay` ms. */
  retrying: [job: ClaimedJob, error: unknown, delay: number]
  /** The job failed for good: no attempts left, or not retryable. It is kept, and can be retried. */
  dead: [job: ClaimedJob, error: unknown]
}

type PayloadOf<T> = T extends Task<infer P, unknown> ? P : never

/** A queue of jobs. */
export class Queue extends EventEmitter<QueueEvents> {
  /** The backend in use. */
  readonly backend: Backend
  private readonly tasks = new Map<string, Task>()
  private readonly concurrency: number
  private readonly deadline: number
  private started = false

  constructor(options: QueueOptions) {
    super()
    this.backend = options.backend ?? memoryBackend()
    for (const task of options.tasks) {
      if (this.tasks.has(task.name))
        throw new TasksError(
          TasksErrorCode.option,
          `two tasks are named ${JSON.stringify(task.name)}`,
        )
      this.tasks.set(task.name, task)
    }
    this.concurrency = options.concurrency ?? 1
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1)
      throw new TasksError(
        TasksErrorCode.option,
        `concurrency must be an integer >= 1, got ${this.concurrency}`,
      )
    this.deadline = options.shutdownDeadline ?? 25_000
  }

  /** Adds a job; resolves with its id and whether it was added or deduplicated. */
  async enqueue<T extends Task>(
    task: T,
    payload: PayloadOf<T>,
    options: EnqueueOptions = {},
  ): Promise<EnqueueResult> {
    const [result] = await this.enqueueBulk(task, [{ payload, options }])
    return result!
  }

  /** Adds several jobs of one task at once (all checked before any is queued). */
  async enqueueBulk<T extends Task>(
    task: T,
    jobs: ReadonlyArray<{ payload: PayloadOf<T>; options?: EnqueueOptions }>,
  ): Promise<EnqueueResult[]> {
    const known = this.tasks.get((task as Task).name)
    if (known === undefined || known !== (task as unknown))
      throw new TasksError(
        TasksErrorCode.unknownTask,
        `task ${JSON.stringify((task as Task).name)} is not registered with this queue`,
      )
    for (const job of jobs) assertJson(job.payload, known.name)
    return this.backend.add(
      jobs.map((job) => ({
        name: known.name,
        payload: job.payload as Json,
        options: job.options ?? {},
        attempts: known.options.attempts,
      })),
    )
  }

  /** Starts running jobs in this process. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    await this.backend.start(
      (job, stop) => {
        const task = this.tasks.get(job.name)
        if (task === undefined)
          return Promise.reject(
            new TasksError(TasksErrorCode.unknownTask, `no task named ${job.name} in this process`),
          )
        return runAttempt(task, job.payload, job.id, job.attempt, stop)
      },
      (job, error) => {
        const task = this.tasks.get(job.name)
        return task === undefined ? null : nextAttempt(task, job.attempt, error)
      },
      {
        completed: (job, result) => this.emit('completed', job, result),
        retrying: (job, error, delay) => {
          this.emit('failed', job, error)
          this.emit('retrying', job, error, delay)
        },
        dead: (job, error) => {
          this.emit('failed', job, error)
          this.emit('dead', job, error)
        },
      },
      this.concurrency,
    )
  }

  /**
   * Graceful stop: no new claims, in-flight jobs get until the deadline, the rest are aborted
   * and returned to the queue without using an attempt. Queued jobs stay queued.
   */
  async stop(deadline = this.deadline): Promise<ShutdownReport> {
    if (!this.started) return { drained: 0, returned: [], queued: (await this.counts()).waiting }
    this.started = false
    return this.backend.stop(deadline)
  }

  /** Stops (if running) and releases the backend's connections. */
  async close(deadline?: number): Promise<ShutdownReport> {
    const report = await this.stop(deadline)
    await this.backend.close()
    return report
  }

  /** A job by id, or `null` when unknown (or no longer kept). */
  getJob(id: string): Promise<JobInfo | null> {
    return this.backend.getJob(id)
  }

  /** Job counts by state. */
  counts(): Promise<JobCounts> {
    return this.backend.counts()
  }

  /** The most recent failed (dead) jobs, newest first. */
  failedJobs(limit = 100): Promise<JobInfo[]> {
    return this.backend.list('failed', limit)
  }

  /** The most recent completed jobs, newest first. */
  completedJobs(limit = 100): Promise<JobInfo[]> {
    return this.backend.list('completed', limit)
  }

  /** Runs a failed job again, from attempt 1. `false` if it is not a kept failed job. */
  retry(id: string): Promise<boolean> {
    return this.backend.retry(id)
  }
}

/** Creates a queue. */
export function createQueue(options: QueueOptions): Queue {
  return new Queue(options)
}
