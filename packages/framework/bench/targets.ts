/**
 * One framework per process: `node targets.ts <tsgi|fastify|hono|bare> <port>`, the same routes each
 * — GET /json, GET /users/:id, POST /echo with a validated body; every other path is the
 * framework's own default 404 (and `DELETE /json` tsgi's 405: fastify and hono answer a method
 * a path lacks with their 404) — then "ready". With an IPC channel (bench/alloc.ts) it also
 * samples its allocations on request: `start`, then `stop` replies with the sampled profile.
 */
import { serve as honoServe } from '@hono/node-server'
import { type Application, UnsupportedScopeError } from '@tsgi/protocol'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { z } from 'zod'
import { serve } from '../../server/src/index.ts'
import { createApp } from '../src/index.ts'
import { heapSampling } from './heap.ts'

const [kind, portArg] = process.argv.slice(2)
const Item = z.object({ name: z.string(), price: z.number() })

/**
 * The same routes as a protocol app written by hand, the natural way (`await send(start)` with
 * a content-length, `await send(body)`): what the reference server costs with no framework.
 * The echo validates with the same schema; a miss is a small JSON 404 (405 for DELETE /json).
 */
const bareApp: Application = async (scope, receive, send) => {
  if (scope.type !== 'http') throw new UnsupportedScopeError(scope.type)
  const answer = async (status: number, value: unknown) => {
    const body = Buffer.from(JSON.stringify(value))
    await send({
      type: 'http.response.start',
      status,
      headers: [
        ['content-type', 'application/json'],
        ['content-length', String(body.byteLength)],
      ],
    })
    await send({ type: 'http.response.body', body })
  }
  const { method, path } = scope
  if (path === '/json') {
    if (method === 'GET') return answer(200, { hello: 'world' })
    return answer(405, { error: 'method not allowed' })
  }
  if (method === 'GET' && path.startsWith('/users/') && path.indexOf('/', 7) === -1)
    return answer(200, { id: path.slice(7) })
  if (method === 'POST' && path === '/echo') {
    const chunks: Uint8Array[] = []
    for (;;) {
      const event = await receive()
      if (event.type !== 'http.request') return
      chunks.push(event.body)
      if (!event.moreBody) break
    }
    const parsed = Item.safeParse(JSON.parse(Buffer.concat(chunks).toString()))
    if (!parsed.success) return answer(422, { errors: parsed.error.issues })
    return answer(200, parsed.data)
  }
  return answer(404, { error: 'not found' })
}
const port = Number(portArg)

if (kind === 'tsgi') {
  const app = createApp()
  app.get('/json', () => ({ hello: 'world' }))
  app.get('/users/:id', (req) => ({ id: req.params.id }))
  app.post('/echo', { body: Item }, (req) => req.body)
  await serve(app, { port, accessLog: false, lifespan: 'off', logLevel: 'warn' })
} else if (kind === 'bare') {
  await serve(bareApp, { port, accessLog: false, lifespan: 'off', logLevel: 'warn' })
} else if (kind === 'fastify') {
  const app = Fastify()
  app.get('/json', async () => ({ hello: 'world' }))
  app.get<{ Params: { id: string } }>('/users/:id', async (req) => ({ id: req.params.id }))
  app.post('/echo', async (req, reply) => {
    const parsed = Item.safeParse(req.body)
    if (!parsed.success) return reply.code(422).send({ errors: parsed.error.issues })
    return parsed.data
  })
  await app.listen({ port, host: '127.0.0.1' })
} else {
  const app = new Hono()
  app.get('/json', (c) => c.json({ hello: 'world' }))
  app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }))
  app.post('/echo', async (c) => {
    const parsed = Item.safeParse(await c.req.json())
    if (!parsed.success) return c.json({ errors: parsed.error.issues }, 422)
    return c.json(parsed.data)
  })
  honoServe({ fetch: app.fetch, port, hostname: '127.0.0.1' })
}
process.on('SIGTERM', () => {
  const cpu = process.cpuUsage()
  process.stderr.write(
    `cpu ${kind} ${Math.round(cpu.user / 1000)} ms user ${Math.round(cpu.system / 1000)} ms system\n`,
  )
  process.exit(0)
})
if (process.send) heapSampling()
console.log('ready')
