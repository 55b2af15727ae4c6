/**
 * The application. `npm run dev` serves it on http://127.0.0.1:8000 and restarts on changes;
 * `npm start` serves it for production (see the Dockerfile).
 */
import { createApp, json, NotFoundError } from '@tsgi/framework'
import { attachQueue, type Queue } from '@tsgi/tasks'
import { z } from 'zod'
import { serverTiming } from './middleware.ts'
import { createJobs, sendWelcome } from './tasks.ts'

/** What `POST /users` accepts: anything else gets a 422 problem+json naming the fields. */
const NewUser = z.object({ name: z.string().min(1).max(100), email: z.email() })
type User = z.infer<typeof NewUser> & { id: number }

/** Builds the app. Tests build one per run, with a queue they can watch. */
export function makeApp(jobs: Queue = createJobs()) {
  const app = createApp()
  // Starts the queue's workers at startup, drains them at shutdown.
  attachQueue(app, jobs)
  app.use(serverTiming)

  const users = new Map<number, User>()

  app.get('/', () => ({ hello: 'tsgi' }))

  app.post('/users', { body: NewUser }, async (req) => {
    const user = { id: users.size + 1, ...req.body }
    users.set(user.id, user)
    // Answer now; the welcome mail goes out in the background.
    await jobs.enqueue(sendWelcome, { email: user.email })
    return json(user, { status: 201, headers: { location: `/users/${user.id}` } })
  })

  app.get('/users/:id', { params: z.object({ id: z.coerce.number().int() }) }, (req) => {
    const user = users.get(req.params.id)
    if (user === undefined) throw new NotFoundError(`no user ${req.params.id}`)
    return user
  })

  return app
}

export const app = makeApp()
