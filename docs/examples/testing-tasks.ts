import { createApp } from '@tsgi/framework'
import { openClient } from '@tsgi/framework/testing'
import { attachQueue, createQueue, defineTask, type JobInfo, type Queue } from '@tsgi/tasks'

// The app under test: a route that enqueues a job. A factory, so each test gets its own queue.
export function makeApp() {
  const welcome = defineTask('welcome', (payload: { to: string }) => ({ sent: payload.to }), {
    attempts: 3,
    backoff: { type: 'fixed', delay: 0 }, // production would wait; a test has no reason to
  })
  const queue = createQueue({ tasks: [welcome] })
  const app = createApp()
  attachQueue(app, queue) // the client's startup starts the workers, its close() drains them
  app.post('/signup/:email', async (req) => {
    const { id } = await queue.enqueue(welcome, { to: req.params.email })
    return { queued: id }
  })
  return { app, queue }
}

/** Resolves with the job once it has completed or failed for good: an event, never a sleep. */
export async function settled(queue: Queue, id: string): Promise<JobInfo | null> {
  let done = (_job: { id: string }): void => {}
  const ended = new Promise<void>((resolve) => {
    done = (job) => job.id === id && resolve()
  })
  queue.on('completed', done).on('dead', done) // listen first: the job may finish any moment
  try {
    const job = await queue.getJob(id)
    if (job?.state !== 'completed' && job?.state !== 'failed') await ended
    return await queue.getJob(id)
  } finally {
    queue.off('completed', done).off('dead', done)
  }
}

export async function main(): Promise<unknown> {
  const seen: Record<string, unknown> = {}
  for (const transport of ['memory', 'socket'] as const) {
    const { app, queue } = makeApp()
    await using client = await openClient(app, transport) // lifespan startup: workers run
    const res = await client.request('/signup/ada@example.com', { method: 'POST' })
    const job = await settled(queue, (res.json() as { queued: string }).queued)
    seen[transport] = { status: res.status, state: job?.state, result: job?.result }
  }
  return seen
}
