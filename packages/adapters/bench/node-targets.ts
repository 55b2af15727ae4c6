/**
 * One node benchmark server per process: `node node-targets.ts <kind> <port>`, kinds
 * `hono-tsgi` (`serve(fromFetch(hono))`), `hono-node` (`@hono/node-server`), `express-tsgi`
 * (`serve(fromNodeListener(express))`) and `express-node` (node:http). Every one answers
 *   GET  /json        → {"hello":"world"}
 *   GET  /users/:id   → {"id":"…"}
 *   POST /echo        → the JSON body, parsed and re-serialised
 * then prints "ready". `tsgi-raw` (a bare TSGI app on the reference server) is the floor any
 * adapter on tsgi pays, for diagnostics (`BENCH_ONLY=floor`). SIGTERM exits normally, so `--cpu-prof` can write its profile.
 * BENCH_NODE_ADAPTER (a path to another `src/node/index.ts`) swaps the `fromNodeListener` used.
 */
import { createServer } from 'node:http'
import { serve as honoServe } from '@hono/node-server'
import type { Application } from '@tsgi/protocol'
import { serve } from '@tsgi/server'
import express from 'express'
import { Hono } from 'hono'

const [kind, portArg, fromFetchModule] = process.argv.slice(2)
// BENCH_NODE_ADAPTER loads fromNodeListener from elsewhere (an older copy): before/after runs.
const { fromNodeListener } = (await import(
  process.env.BENCH_NODE_ADAPTER || '../src/node/index.ts'
)) as typeof import('../src/node/index.ts')
// A third argument loads fromFetch from elsewhere (an older copy): before/after comparisons.
const { fromFetch } = (await import(
  fromFetchModule ?? '../src/fetch/index.ts'
)) as typeof import('../src/fetch/index.ts')
const port = Number(portArg)
const host = '127.0.0.1'
process.on('SIGTERM', () => process.exit(0))

function honoApp() {
  const app = new Hono()
  app.get('/json', (c) => c.json({ hello: 'world' }))
  app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }))
  app.post('/echo', async (c) => c.json(await c.req.json()))
  return app
}

function expressApp() {
  const app = express()
  app.get('/json', (_req, res) => {
    res.json({ hello: 'world' })
  })
  app.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id })
  })
  app.post('/echo', express.json(), (req, res) => {
    res.json(req.body)
  })
  return app
}

/** The floor: the same routes as a bare TSGI app on the reference server (diagnostics). */
const rawApp: Application = async (scope, receive, send) => {
  if (scope.type !== 'http') return
  let body: string
  if (scope.path === '/json') body = '{"hello":"world"}'
  else if (scope.path.startsWith('/users/')) body = JSON.stringify({ id: scope.path.slice(7) })
  else {
    const parts: Uint8Array[] = []
    for (;;) {
      const event = await receive()
      if (event.type !== 'http.request') return
      parts.push(event.body)
      if (!event.moreBody) break
    }
    body = JSON.stringify(JSON.parse(Buffer.concat(parts).toString()))
  }
  await send({ type: 'http.response.start', status: 200, headers: JSON_TYPE })
  await send({ type: 'http.response.body', body: Buffer.from(body) })
}
const JSON_TYPE: Array<[string, string]> = [['content-type', 'application/json']]

// Like-for-like with the others: no access log, no lifespan.
const tsgiOptions = { port, host, accessLog: false, lifespan: 'off', logLevel: 'warn' } as const

if (kind === 'hono-tsgi') await serve(fromFetch(honoApp()), tsgiOptions)
else if (kind === 'hono-node') {
  const server = honoServe({ fetch: honoApp().fetch, port, hostname: host })
  await new Promise((r) => server.once('listening', r))
} else if (kind === 'express-tsgi') await serve(fromNodeListener(expressApp()), tsgiOptions)
else if (kind === 'express-node') {
  const server = createServer(expressApp())
  await new Promise<void>((r) => server.listen(port, host, r))
} else if (kind === 'tsgi-raw') await serve(rawApp, tsgiOptions)
else throw new Error(`unknown kind ${kind}`)
console.log('ready')
