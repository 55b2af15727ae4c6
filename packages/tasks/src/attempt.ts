/**
 * One attempt of a job: the handler with its timeout. A timed-out attempt has its signal
 * aborted, and the attempt — so its concurrency slot — lasts until the handler actually
 * settles: timed-out work never keeps running beside new work.
 *
 * @module
 */
import { TaskTimeoutError } from './errors.ts'
import type { Task } from './task.ts'

/** Runs `task` on `payload`; `stop` aborts it from outside (shutdown). */
export async function runAttempt(
  task: Task,
  payload: unknown,
  jobId: string,
  attempt: number,
  stop: AbortSignal,
): Promise<unknown> {
  const ms = task.options.timeout
  // Without a timeout the attempt's signal is just the stop signal: no controller per job.
  if (ms <= 0) return task.handler(payload as never, { jobId, attempt, signal: stop })
  const controller = new AbortController()
  const onStop = () => controller.abort(stop.reason)
  if (stop.aborted) onStop()
  else stop.addEventListener('abort', onStop, { once: true })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new TaskTimeoutError(task.name, ms))
  }, ms)
  try {
    const result = await task.handler(payload as never, {
      jobId,
      attempt,
      signal: controller.signal,
    })
    // Resolving after the deadline is still a timeout: the result arrived too late.
    if (timedOut) throw new TaskTimeoutError(task.name, ms)
    return result
  } catch (error) {
    if (timedOut) throw new TaskTimeoutError(task.name, ms)
    throw error
  } finally {
    clearTimeout(timer)
    stop.removeEventListener('abort', onStop)
  }
}
