/**
 * Errors of @tsgi/tasks, with stable codes (README, "Errors"; docs/errors.md).
 *
 * @module
 */
import { TSGIError } from '@tsgi/protocol'

/** Stable error codes. */
export const TasksErrorCode = {
  /** The payload cannot be stored as JSON (the message gives the path); nothing was queued. */
  payload: 'TSGI_TASKS_ERR_PAYLOAD',
  /** The task was not registered with the queue. */
  unknownTask: 'TSGI_TASKS_ERR_UNKNOWN_TASK',
  /** An attempt ran longer than the task's timeout (its signal was aborted). */
  timeout: 'TSGI_TASKS_ERR_TIMEOUT',
  /** The handler said not to retry (`NonRetryableError`). */
  nonRetryable: 'TSGI_TASKS_ERR_NON_RETRYABLE',
  /** The attempt was cut short by a graceful shutdown; the job went back to the queue. */
  shutdown: 'TSGI_TASKS_ERR_SHUTDOWN',
  /** An invalid option (the message names it). */
  option: 'TSGI_TASKS_ERR_OPTION',
} as const

/** One of {@link TasksErrorCode}. */
export type TasksErrorCode = (typeof TasksErrorCode)[keyof typeof TasksErrorCode]

/** Base class of the package's errors (a {@link TSGIError}). */
export class TasksError extends TSGIError<TasksErrorCode> {
  constructor(code: TasksErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'TasksError'
  }
}

/** Throw it from a handler to fail the job at once, without retrying. */
export class NonRetryableError extends TasksError {
  constructor(message: string, options?: ErrorOptions) {
    super(TasksErrorCode.nonRetryable, message, options)
    this.name = 'NonRetryableError'
  }
}

/** The attempt ran out of time. */
export class TaskTimeoutError extends TasksError {
  constructor(task: string, ms: number) {
    super(TasksErrorCode.timeout, `task ${task} timed out after ${ms} ms`)
    this.name = 'TaskTimeoutError'
  }
}
