/**
 * `@tsgi/tasks/bullmq`: the distributed backend. Jobs live in Redis through BullMQ, whose
 * locking does the hard parts: workers in several processes or machines share the queue, and
 * a job whose worker died (SIGKILL, lost machine) is picked up by another one once its lock
 * expires. Retries, timeouts, events and shutdown keep the memory backend's semantics.
 *
 * This entry point holds the factory only: the options and connection are in options.ts, the
 * job mapping in jobs.ts, the backend class in backend.ts.
 *
 * @module
 */
import type { Backend } from '../types.ts'
import { BullMQBackend } from './backend.ts'
import type { BullMQBackendOptions } from './options.ts'

export { type BullMQBackendOptions, redisOptions } from './options.ts'

/** Creates a BullMQ backend. */
export function bullmqBackend(options: BullMQBackendOptions = {}): Backend {
  return new BullMQBackend(options)
}
