/**
 * The demo: the seed's sample app rebuilt on tsgi — the reference server runs it
 * (`tsgi src/app.ts:app`), the framework routes it, and @tsgi/tasks runs its background jobs.
 * Every route shows one feature; see README.md for the tour.
 *
 * @module
 */
import { fromFetch } from '@tsgi/adapters/fetch'
import { createApp, json, NotFoundError, sse, stream } from '@tsgi/framework'
import { z } from 'zod'
import { HONO_MOUNT, honoApp } from './hono.ts'
import { type Jobs, openJobs } from './jobs.ts'
import { onion } from './onion.ts'

/** Lifespan state: the job queue, opened at startup. */
export interface DemoState {
  [key: string]: unknown
  jobs: Jobs
}

export const app = createApp<DemoState>()

app.onStartup(async (state) => {
  state.jobs = await openJobs()
})
app.onShutdown(async (state) => {
  await state.jobs.close()
})

// Two middlewares around every request, logging in onion order (outer in, inner in, inner out, outer out).
app.use(onion('outer'), onion('inner'))

app.get('/', () => ({ name: 'tsgi demo', routes: app.routes() }))

app.get('/home', async (req) => {
  const { id } = await req.state.jobs.enqueueGreeting(req.path)
  return { page: 'home', greetingJob: id }
})

app.get('/about', () => {
  // Deliberately broken: the client gets a bare 500 problem+json; the stack goes to the log.
  throw new Error('the about page is under construction (internal detail, never sent)')
})

app.on(['GET', 'POST'], '/about/careers', async (req) => {
  let bytes = 0
  const chunks: Uint8Array[] = []
  for await (const chunk of req) {
    bytes += chunk.byteLength
    chunks.push(chunk)
  }
  const raw = Buffer.concat(chunks).toString('utf8')
  let body: unknown = null
  if (raw !== '' && (req.headers.get('content-type') ?? '').includes('json'))
    body = await req.json()
  return { query: req.query, json: body ?? null, bytes }
})

app.get('/users/:id', { params: z.object({ id: z.coerce.number().int() }) }, (req) => ({
  id: req.params.id,
}))

const NewUser = z.object({ name: z.string().min(1), age: z.number().int().min(0) })
let nextUser = 1
app.post('/users', { body: NewUser }, (req) => {
  const id = nextUser++
  return json({ id, ...req.body }, { status: 201, headers: { location: `/users/${id}` } })
})

const JobRequest = z.object({
  name: z.string().min(1),
  fail: z.number().int().min(0).max(10).optional(),
  sleepMs: z.number().int().min(0).max(60_000).optional(),
})
app.post('/jobs', { body: JobRequest }, async (req) => {
  const { id } = await req.state.jobs.enqueueDemo(req.body)
  return json({ id }, { status: 202, headers: { location: `/jobs/${id}` } })
})

app.get('/jobs/:id', async (req) => {
  const job = await req.state.jobs.get(req.params.id)
  if (job === null) throw new NotFoundError(`no job with id ${req.params.id}`)
  return job
})

app.get('/stream', () =>
  stream(
    (async function* () {
      for (let i = 1; i <= 5; i++) {
        yield `chunk ${i}\n`
        await new Promise((r) => setTimeout(r, 100))
      }
    })(),
    { headers: { 'content-type': 'text/plain; charset=utf-8' } },
  ),
)

app.get('/events', (req) =>
  sse(
    (async function* () {
      for (let i = 1; !req.signal.aborted; i++) {
        yield { event: 'tick', id: String(i), data: { i, at: new Date().toISOString() } }
        await new Promise((r) => setTimeout(r, 1000))
      }
    })(),
  ),
)

// A web (Fetch API) Response, as hono, h3 or Next.js handlers return it: status, headers and body
// are kept as they are.
app.get(
  '/web',
  () =>
    new Response('made with the Fetch API\n', {
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-made-with': 'fetch' },
    }),
)

// A hono app served under /hono through @tsgi/adapters (see hono.ts).
app.mount(HONO_MOUNT, fromFetch(honoApp()))
