/**
 * Task definitions: a name, a typed handler and its retry, backoff and timeout policy.
 *
 * @module
 */
import { NonRetryableError, TasksError, TasksErrorCode } from './errors.ts'
import type { Json } from './payload.ts'

/** What a handler gets besides its payload. */
export interface TaskContext {
  /** The job's id. */
  jobId: string
  /** This attempt's number, from 1. */
  attempt: number
  /** Aborted when the attempt times out or a shutdown cuts it short: stop work when it fires. */
  signal: AbortSignal
}

/** How long to wait before the next attempt. */
export type Backoff =
  | { type: 'fixed'; delay: number }
  | { type: 'exponential'; delay: number; max?: number; jitter?: number }
  | ((attempt: number, error: unknown) => number)

/** The options of a task. */
export interface TaskOptions {
  /** Attempts in all, first included. Default 3. */
  attempts?: number
  /** Delay between attempts. Default exponential from 1 s, up to 1 h, with 20 % jitter. */
  backoff?: Backoff
  /** Per-attempt timeout in ms; 0 for none. Default 0. */
  timeout?: number
  /** Whether an error is worth retrying (after `NonRetryableError`, which never is). */
  retryIf?: (error: unknown) => boolean
}

/** A task: defined once, enqueued with payloads of type `P`. */
export interface Task<P extends Json = Json, R = unknown> {
  readonly name: string
  // Method syntax on purpose: a Task<{ to: string }> is then usable where a Task<Json> is expected.
  handler(payload: P, ctx: TaskContext): Promise<R> | R
  readonly options: Required<Omit<TaskOptions, 'retryIf'>> & Pick<TaskOptions, 'retryIf'>
}

const DEFAULT_BACKOFF: Backoff = { type: 'exponential', delay: 1000, max: 3_600_000, jitter: 0.2 }

/**
 * Defines a task. The payload type flows from the handler to every `enqueue`.
 *
 * @example
 * ```ts
 * const sendEmail = defineTask('send-email', async (p: { to: string }, ctx) => {
 *   await mailer.send(p.to, { signal: ctx.signal })
 * }, { attempts: 5, timeout: 10_000 })
 * ```
 */
export function defineTask<P extends Json, R = unknown>(
  name: string,
  handler: (payload: P, ctx: TaskContext) => Promise<R> | R,
  options: TaskOptions = {},
): Task<P, R> {
  if (typeof name !== 'string' || name === '')
    throw new TasksError(TasksErrorCode.option, 'a task needs a non-empty name')
  const attempts = options.attempts ?? 3
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new TasksError(
      TasksErrorCode.option,
      `task ${name}: attempts must be an integer >= 1, got ${attempts}`,
    )
  const timeout = options.timeout ?? 0
  if (!(timeout >= 0))
    throw new TasksError(
      TasksErrorCode.option,
      `task ${name}: timeout must be >= 0 ms, got ${timeout}`,
    )
  return Object.freeze({
    name,
    handler,
    options: {
      attempts,
      timeout,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      retryIf: options.retryIf,
    },
  })
}

/** The delay before attempt `attempt + 1`, after attempt `attempt` failed with `error`. */
export function backoffDelay(backoff: Backoff, attempt: number, error: unknown): number {
  let ms: number
  if (typeof backoff === 'function') ms = backoff(attempt, error)
  else if (backoff.type === 'fixed') ms = backoff.delay
  else {
    const base = Math.min(
      backoff.delay * 2 ** (attempt - 1),
      backoff.max ?? Number.POSITIVE_INFINITY,
    )
    const jitter = backoff.jitter ?? 0
    ms = base * (1 - jitter + Math.random() * 2 * jitter)
  }
  return Math.max(0, Math.round(Number.isFinite(ms) ? ms : 0))
}

/** Whether a failed attempt is retried, and after how long (`null`: no more attempts). */
export function nextAttempt(task: Task, attempt: number, error: unknown): number | null {
  if (
    error instanceof NonRetryableError ||
    (error as { code?: string })?.code === TasksErrorCode.nonRetryable
  )
    return null
  if (attempt >= task.options.attempts) return null
  if (task.options.retryIf && !task.options.retryIf(error)) return null
  return backoffDelay(task.options.backoff, attempt, error)
}
