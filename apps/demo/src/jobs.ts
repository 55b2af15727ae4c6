/**
 * The demo's background jobs, on @tsgi/tasks: in memory by default, BullMQ when REDIS_URL is
 * set (then a job in flight when the process is killed completes after a restart).
 *
 * @module
 */
import { createQueue, defineTask, type JobState, type Queue } from '@tsgi/tasks'

/** `GET /home` enqueues one: it logs a greeting, in the background, within a second. */
export const greet = defineTask('greet', async (p: { path: string }) => {
  process.stdout.write(`job greet: someone visited ${p.path}\n`)
  return { greeted: p.path }
})

/** `POST /jobs`: sleeps `sleepMs` per attempt and fails its first `fail` attempts. */
export const demoJob = defineTask(
  'demo',
  async (p: { name: string; fail?: number; sleepMs?: number }, ctx) => {
    if (p.sleepMs) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, p.sleepMs)
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer)
          reject(ctx.signal.reason)
        })
      })
    }
    if (ctx.attempt <= (p.fail ?? 0))
      throw new Error(`${p.name}: attempt ${ctx.attempt} fails on purpose`)
    process.stdout.write(`job demo ${p.name}: done on attempt ${ctx.attempt}\n`)
    return { name: p.name, attempts: ctx.attempt }
  },
  // Retries with a short exponential backoff, so the demo shows them in seconds.
  { attempts: 11, backoff: { type: 'exponential', delay: 100, max: 2000, jitter: 0.1 } },
)

/** What `GET /jobs/:id` answers. */
export interface JobStatus {
  id: string
  state: JobState
  attempts: number
}

/** The queue as the routes use it. */
export interface Jobs {
  readonly queue: Queue
  enqueueGreeting(path: string): Promise<{ id: string }>
  enqueueDemo(p: { name: string; fail?: number; sleepMs?: number }): Promise<{ id: string }>
  get(id: string): Promise<JobStatus | null>
  close(): Promise<void>
}

/** Opens the queue and starts its workers (lifespan startup). */
export async function openJobs(): Promise<Jobs> {
  let backend: Queue['backend'] | undefined
  if (process.env.REDIS_URL) {
    const { bullmqBackend } = await import('@tsgi/tasks/bullmq')
    // A short lock, so a job whose process was killed is picked up soon after a restart.
    backend = bullmqBackend({
      url: process.env.REDIS_URL,
      queueName: process.env.DEMO_QUEUE ?? 'tsgi-demo',
      lockDuration: 5000,
      stalledInterval: 2000,
    })
  }
  const queue = createQueue({ tasks: [greet, demoJob], backend, concurrency: 4 })
  queue.on('retrying', (job, error, delay) =>
    process.stdout.write(
      `job ${job.name} ${job.id}: ${(error as Error).message}; retrying in ${delay} ms\n`,
    ),
  )
  await queue.start()
  return {
    queue,
    enqueueGreeting: (path) => queue.enqueue(greet, { path }),
    enqueueDemo: (p) => queue.enqueue(demoJob, p),
    async get(id) {
      const job = await queue.getJob(id)
      return job && { id: job.id, state: job.state, attempts: job.attempts }
    },
    async close() {
      const report = await queue.close(5000)
      if (report.returned.length > 0 || report.queued > 0)
        process.stdout.write(
          `jobs: ${report.returned.length} returned to the queue, ${report.queued} still queued\n`,
        )
    },
  }
}
