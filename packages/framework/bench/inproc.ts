/**
 * `node --conditions=@tsgi/source bench/inproc.ts`: the framework's own cost per request, in
 * this process, without a server or a socket: an app with the routes of bench/targets.ts
 * called as `app(scope, receive, send)` with a fresh scope per request (the shape the
 * reference server builds), a `send()` that answers with one shared settled promise (as the
 * reference server does when a write did not wait), and a `receive()` that hands over a POST's
 * whole body at once. The time is the main thread's CPU time (other processes on a shared
 * machine move it less than wall time). Beside it, a bare protocol app doing the least a
 * response needs (two sends, a content-length): the framework's cost is the difference. Rounds
 * alternate between scenarios; the median CPU ns per request is printed. BENCH_ROUNDS (7),
 * BENCH_REQUESTS (200 000 per round), BENCH_ONLY (part of a scenario name). Each scenario's
 * status is checked once before timing.
 */
import type { Application, HTTPScope, Receive, ReceiveEvent, Send } from '@tsgi/protocol'
import { z } from 'zod'
import { createApp } from '../src/index.ts'

const rounds = Number(process.env.BENCH_ROUNDS ?? 7)
const requests = Number(process.env.BENCH_REQUESTS ?? 200_000)
const Item = z.object({ name: z.string(), price: z.number() })

const app = createApp()
app.get('/json', () => ({ hello: 'world' }))
app.get('/users/:id', (req) => ({ id: req.params.id }))
app.post('/echo', { body: Item }, (req) => req.body)

const settled = Promise.resolve()
let status = 0
const send: Send = (event) => {
  if (event.type === 'http.response.start') status = event.status
  return settled
}

/** The least a protocol app does for a JSON answer: the floor the framework adds to. */
const bare: Application = (_scope, _receive, s) => {
  const body = Buffer.from(JSON.stringify({ hello: 'world' }))
  const start = s({
    type: 'http.response.start',
    status: 200,
    headers: [
      ['content-type', 'application/json'],
      ['content-length', String(body.byteLength)],
    ],
  })
  const end = s({ type: 'http.response.body', body })
  return start === end ? end : start.then(() => end)
}

const echoed = JSON.stringify({ name: 'lamp', price: 12.5 })
const echoBytes = Buffer.from(echoed)
const getHeaders: Array<[string, string]> = [
  ['host', '127.0.0.1:3000'],
  ['user-agent', 'bench'],
  ['accept', '*/*'],
]
const postHeaders: Array<[string, string]> = [
  ...getHeaders,
  ['content-type', 'application/json'],
  ['content-length', String(echoBytes.byteLength)],
]

function scope(method: string, path: string): HTTPScope {
  return {
    type: 'http',
    tsgi: { version: '1.0', specVersion: '1.0' },
    httpVersion: '1.1',
    method,
    scheme: 'http',
    path,
    rawPath: path,
    queryString: '',
    rootPath: '',
    headers: method === 'POST' ? postHeaders : getHeaders,
    client: { host: '127.0.0.1', port: 50000 },
    server: { host: '127.0.0.1', port: 3000 },
    state: {},
    extensions: {},
  } as unknown as HTTPScope
}

const requestEvent: ReceiveEvent = { type: 'http.request', body: echoBytes, moreBody: false }
const receive: Receive = () => Promise.resolve(requestEvent)

interface Case {
  name: string
  app: Application
  method: string
  path: string
  status: number
}
const cases: Case[] = [
  { name: 'bare protocol app', app: bare, method: 'GET', path: '/json', status: 200 },
  { name: 'GET JSON', app, method: 'GET', path: '/json', status: 200 },
  { name: 'GET with a param', app, method: 'GET', path: '/users/12345', status: 200 },
  { name: 'POST JSON echo, validated', app, method: 'POST', path: '/echo', status: 200 },
  { name: 'GET 404', app, method: 'GET', path: '/missing/page', status: 404 },
  { name: 'DELETE 405', app, method: 'DELETE', path: '/json', status: 405 },
]
const only = process.env.BENCH_ONLY
const chosen = cases.filter((c) => !only || c.name.includes(only) || c.app === bare)

/** The main thread's CPU time in µs: time the machine gave to other processes is not counted. */
function cpu(): number {
  const u = process.threadCpuUsage()
  return u.user + u.system
}

async function run(c: Case, n: number): Promise<number> {
  const start = cpu()
  for (let i = 0; i < n; i++) await c.app(scope(c.method, c.path), receive, send)
  return ((cpu() - start) * 1000) / n
}

for (const c of chosen) {
  status = 0
  await c.app(scope(c.method, c.path), receive, send)
  if (status !== c.status) throw new Error(`${c.name}: status ${status}, expected ${c.status}`)
  await run(c, requests / 4) // warm-up
}
const ns = chosen.map((): number[] => [])
for (let round = 0; round < rounds; round++) {
  for (let j = 0; j < chosen.length; j++) {
    const i = (j + round) % chosen.length
    ns[i]!.push(await run(chosen[i]!, requests))
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const floor = median(ns[0]!)
console.log(`\nNode ${process.version}, ${rounds} rounds × ${requests} requests, in process\n`)
console.log('| scenario | CPU ns/request | above the bare app |\n|---|---:|---:|')
chosen.forEach((c, i) => {
  const m = median(ns[i]!)
  console.log(`| ${c.name} | ${m.toFixed(0)} | ${i === 0 ? '—' : (m - floor).toFixed(0)} |`)
})
