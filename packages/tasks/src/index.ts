/**
 * `@tsgi/tasks`: background jobs that are never lost. In-process by default; BullMQ on Redis
 * with `@tsgi/tasks/bullmq`.
 *
 * @module
 */
export { NonRetryableError, TasksError, TasksErrorCode, TaskTimeoutError } from './errors.ts'
export { attachQueue, type HasLifespanHooks, type ReportHandler, withQueue } from './lifespan.ts'
export { type MemoryBackendOptions, memoryBackend } from './memory.ts'
export type { Json } from './payload.ts'
export { createQueue, Queue, type QueueEvents, type QueueOptions } from './queue.ts'
export {
  type Backoff,
  backoffDelay,
  defineTask,
  type Task,
  type TaskContext,
  type TaskOptions,
} from './task.ts'
export type {
  Backend,
  BackendHooks,
  ClaimedJob,
  EnqueueOptions,
  EnqueueResult,
  JobCounts,
  JobInfo,
  JobState,
  NewJob,
  Processor,
  RetryDecision,
  ShutdownReport,
} from './types.ts'
