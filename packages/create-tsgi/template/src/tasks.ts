/**
 * Background work, run by @tsgi/tasks: retried with backoff when it fails, drained on shutdown.
 * The queue lives in this process (nothing to set up); pass
 * `backend: bullmqBackend({ url: process.env.REDIS_URL })` from `@tsgi/tasks/bullmq` to share it
 * across processes and keep jobs over restarts.
 */
import { createQueue, defineTask, type Queue } from '@tsgi/tasks'

/** Welcomes a new user. The payload type flows to every `queue.enqueue(sendWelcome, …)`. */
export const sendWelcome = defineTask(
  'send-welcome',
  async (payload: { email: string }, ctx) => {
    // Call your mailer here and pass it ctx.signal: it aborts when the attempt times out.
    process.stdout.write(`welcome mail to ${payload.email} (attempt ${ctx.attempt})\n`)
    return { sent: payload.email }
  },
  { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, timeout: 10_000 },
)

/** The app's queue with every task it runs. */
export function createJobs(): Queue {
  return createQueue({ tasks: [sendWelcome], concurrency: 4 })
}
