import { createApp } from '@tsgi/framework'
import { attachQueue, createQueue, defineTask } from '@tsgi/tasks'

// A typed task: retried with backoff, each attempt limited to 5 s.
const welcome = defineTask(
  'welcome-email',
  async (payload: { to: string }) => ({ sent: payload.to }),
  { attempts: 5, timeout: 5000 },
)

const queue = createQueue({ tasks: [welcome] }) // in memory; bullmqBackend() for Redis
export const app = createApp()
attachQueue(app, queue) // workers start with the app and drain at shutdown

app.post('/signup/:email', async (req) => {
  const { id } = await queue.enqueue(welcome, { to: req.params.email })
  return { queued: id }
})

export async function main(): Promise<unknown> {
  const client = app.testClient()
  await client.startup()
  const completed = new Promise((resolve) => queue.once('completed', resolve)) // an event, no sleep
  const res = await client.request('/signup/ada@example.com', { method: 'POST' })
  const { queued } = res.json() as { queued: string }
  await completed
  const job = await queue.getJob(queued)
  await client.shutdown()
  return { status: res.status, state: job?.state, result: job?.result }
}
