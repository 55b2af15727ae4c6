/**
 * How a tsgi job is stored as a BullMQ job and read back: the data envelope (the payload and
 * the count of leases returned by shutdowns, which must not count as attempts), the job
 * options an enqueue becomes, and BullMQ's states and fields mapped to a {@link JobInfo}.
 * Separate from the backend, which only moves jobs through the queue and the worker.
 *
 * @module
 */
import type { Job } from 'bullmq'
import type { JobInfo, JobState, NewJob } from '../types.ts'
import type { BullMQBackendOptions } from './options.ts'

/** A job's data in Redis: the payload `p`, and `r`, the leases returned by shutdowns. */
export type Data = { p: unknown; r?: number }

/** BullMQ's states as ours (the others, such as `unknown`, are no job of ours). */
export const STATES: Record<string, JobState> = {
  waiting: 'waiting',
  prioritized: 'waiting',
  'waiting-children': 'waiting',
  delayed: 'delayed',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
}

/** The BullMQ options of a job enqueued at `now`. */
export function jobOptions(job: NewJob, now: number, options: BullMQBackendOptions) {
  const runAt = job.options.runAt !== undefined ? Number(job.options.runAt) : undefined
  return {
    jobId: job.options.jobId,
    delay: runAt !== undefined ? Math.max(0, runAt - now) : job.options.delay,
    priority: job.options.priority,
    attempts: job.attempts,
    backoff: { type: 'tsgi' },
    removeOnComplete: { count: options.keepCompleted ?? 1000 },
    removeOnFail: { count: options.keepFailed ?? 10_000 },
  }
}

/** What a BullMQ job in `state` shows of itself; returned leases are not counted as attempts. */
export function info(job: Job, state: JobState): JobInfo {
  const data = job.data as Data
  const out: JobInfo = {
    id: job.id!,
    name: job.name,
    state,
    attempts: Math.max(0, (job.attemptsStarted ?? job.attemptsMade) - (data.r ?? 0)),
    payload: data.p as JobInfo['payload'],
    createdAt: job.timestamp,
  }
  if (job.returnvalue !== undefined && job.returnvalue !== null) out.result = job.returnvalue
  if (job.failedReason) out.error = job.failedReason
  if (job.finishedOn) out.finishedAt = job.finishedOn
  return out
}
