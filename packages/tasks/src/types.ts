/**
 * The shapes shared by the queue and its backends.
 *
 * @module
 */
import type { Json } from './payload.ts'

/** Where a job is. `waiting` includes prioritized jobs. */
export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed'

/** A job as the queue reports it. */
export interface JobInfo {
  id: string
  /** The task's name. */
  name: string
  state: JobState
  /** Attempts started so far (a job picked up again after its worker died counts one more). */
  attempts: number
  payload: Json
  /** The handler's result, once completed (when it is JSON). */
  result?: unknown
  /** The last error's message, once an attempt failed. */
  error?: string
  /** When it was enqueued (ms since the epoch). */
  createdAt: number
  /** When it completed or failed for good. */
  finishedAt?: number
}

/** Job counts by state. */
export interface JobCounts {
  waiting: number
  delayed: number
  active: number
  completed: number
  failed: number
}

/** Options of one enqueue. */
export interface EnqueueOptions {
  /** Run no earlier than this many ms from now. */
  delay?: number
  /** Run no earlier than this time. */
  runAt?: Date | number
  /** Lower runs first; jobs without a priority run before prioritized ones (as in BullMQ). */
  priority?: number
  /** A stable id: enqueuing the same id again while the job is kept is deduplicated. */
  jobId?: string
}

/** What an enqueue did. */
export interface EnqueueResult {
  id: string
  /** `false` when a job with this id already existed (deduplicated). */
  added: boolean
}

/** A job handed to the processor. */
export interface ClaimedJob {
  id: string
  name: string
  payload: unknown
  /** This attempt's number, from 1. */
  attempt: number
}

/** What `stop()` did. */
export interface ShutdownReport {
  /** Jobs that finished (completed or failed) while draining. */
  drained: number
  /** Jobs cut short at the deadline and returned to the queue, without using up an attempt. */
  returned: string[]
  /** Jobs still queued (waiting or delayed) — kept by BullMQ; lost with the process in memory. */
  queued: number
}

/** A job to add. */
export interface NewJob {
  name: string
  payload: Json
  options: EnqueueOptions
  attempts: number
}

/** Decides after a failed attempt: retry after `delay` ms, or `null` for no more attempts. */
export type RetryDecision = (job: ClaimedJob, error: unknown) => number | null

/** Runs one attempt. */
export type Processor = (job: ClaimedJob, stop: AbortSignal) => Promise<unknown>

/** Hooks a backend calls; the queue turns them into events. */
export interface BackendHooks {
  completed(job: ClaimedJob, result: unknown): void
  retrying(job: ClaimedJob, error: unknown, delay: number): void
  dead(job: ClaimedJob, error: unknown): void
}

/** What a storage backend provides. Both backends pass the same conformance suite. */
export interface Backend {
  readonly kind: string
  add(jobs: NewJob[]): Promise<EnqueueResult[]>
  start(
    processor: Processor,
    decide: RetryDecision,
    hooks: BackendHooks,
    concurrency: number,
  ): Promise<void>
  stop(deadlineMs: number): Promise<ShutdownReport>
  getJob(id: string): Promise<JobInfo | null>
  counts(): Promise<JobCounts>
  list(state: 'failed' | 'completed', limit: number): Promise<JobInfo[]>
  retry(id: string): Promise<boolean>
  close(): Promise<void>
}
