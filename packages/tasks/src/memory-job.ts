/**
 * A job as the in-process backend keeps it: one mutable record per job, from enqueue to its
 * retention ending, and the {@link JobInfo} it shows. Shared by the backend (memory.ts) and
 * its schedule (memory-schedule.ts), so it lives apart from both.
 *
 * @module
 */
import type { JobInfo, JobState, NewJob } from './types.ts'

/** One job of the in-process backend. */
export interface StoredJob {
  id: string
  name: string
  payload: NewJob['payload']
  priority: number
  /** Enqueue order, the tie-break between equal priorities and equal due times. */
  seq: number
  runAt: number
  state: JobState
  attemptsMade: number
  maxAttempts: number
  /** Leases returned by shutdowns (an attempt given back each time, up to a cap). */
  returns: number
  createdAt: number
  finishedAt?: number
  result?: unknown
  error?: string
  controller?: AbortController
  running?: Promise<void>
}

/** What a stored job shows of itself. */
export function info(r: StoredJob): JobInfo {
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
