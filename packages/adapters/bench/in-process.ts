/**
 * `pnpm bench:inproc`: the CPU cost of `fromFetch` itself, without sockets: hono's `app.fetch`
 * called through `fromFetch` with an in-memory receive/send, against `app.fetch(new Request)`
 * with the body read by `arrayBuffer()` (the least any host pays), alternating in one process,
 * best of BENCH_ROUNDS (6) rounds of BENCH_ITERATIONS (50 000) requests. Optional first
 * argument: a path to another `src/fetch/index.ts` (an older copy) to compare with.
 */
import { type HTTPScope, type Receive, type Send, TSGI_VERSION } from '@tsgi/protocol'
import { Hono } from 'hono'

const other = process.argv[2]
const mine = await import('../src/fetch/index.ts')
const theirs = other ? ((await import(other)) as typeof mine) : undefined

const app = new Hono()
app.get('/json', (c) => c.json({ hello: 'world' }))
app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }))
app.post('/echo', async (c) => c.json(await c.req.json()))

const payload = new TextEncoder().encode('{"name":"lamp","price":12.5,"tags":["a","b","c"]}')

function scopeOf(method: string, path: string): HTTPScope {
  const headers: Array<[string, string]> = [
    ['host', '127.0.0.1:9302'],
    ['user-agent', 'autocannon'],
    ['accept', '*/*'],
  ]
  if (method === 'POST')
    headers.push(['content-type', 'application/json'], ['content-length', `${payload.length}`])
  return {
    type: 'http',
    tsgi: TSGI_VERSION,
    httpVersion: '1.1',
    method,
    scheme: 'http' as const,
    path,
    rawPath: path,
    queryString: '',
    rootPath: '',
    headers,
    client: { host: '127.0.0.1', port: 50000 },
    server: { host: '127.0.0.1', port: 9302 },
    state: {},
    extensions: {},
  }
}

/** One request through `fromFetch(app)`; receive() ends in http.disconnect after the body. */
function runner(fromFetch: typeof mine.fromFetch, scope: HTTPScope): () => Promise<void> {
  const tsgi = fromFetch(app)
  return async () => {
    let bodyGiven = scope.method !== 'POST'
    let disconnect: (() => void) | null = null
    let finished!: () => void
    const done = new Promise<void>((r) => {
      finished = r
    })
    const receive: Receive = () => {
      if (!bodyGiven) {
        bodyGiven = true
        return Promise.resolve({ type: 'http.request', body: payload, moreBody: false })
      }
      return new Promise((r) => {
        disconnect = () => r({ type: 'http.disconnect' })
      })
    }
    const send: Send = async (event) => {
      if (event.type === 'http.response.body' && !event.moreBody) finished()
    }
    await tsgi(scope, receive, send)
    await done
    ;(disconnect as (() => void) | null)?.()
  }
}

/** One request straight to `app.fetch`. */
function direct(scope: HTTPScope): () => Promise<void> {
  const url = `http://127.0.0.1:9302${scope.path}`
  return async () => {
    const init: RequestInit | undefined =
      scope.method === 'POST'
        ? { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } }
        : undefined
    const res = await app.fetch(new Request(url, init))
    await res.arrayBuffer()
  }
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 6)
const iterations = Number(process.env.BENCH_ITERATIONS ?? 50_000)
console.log(
  '| scenario | hono.fetch µs | fromFetch µs | adapter cost µs |' + (theirs ? ' other µs |' : ''),
)
console.log(`|---|---:|---:|---:|${theirs ? '---:|' : ''}`)
for (const [name, method, path] of [
  ['GET JSON', 'GET', '/json'],
  ['GET with a param', 'GET', '/users/12345'],
  ['POST JSON echo', 'POST', '/echo'],
] as const) {
  const scope = scopeOf(method, path)
  const variants: Array<[string, () => Promise<void>]> = [
    ['direct', direct(scope)],
    ['mine', runner(mine.fromFetch, scope)],
  ]
  if (theirs) variants.push(['theirs', runner(theirs.fromFetch, scope)])
  const best = new Map<string, number>()
  for (let round = 0; round < rounds; round++) {
    for (const [label, f] of variants) {
      for (let i = 0; i < iterations / 10; i++) await f()
      const before = process.cpuUsage()
      for (let i = 0; i < iterations; i++) await f()
      const used = process.cpuUsage(before)
      const us = (used.user + used.system) / iterations
      best.set(label, Math.min(best.get(label) ?? Number.POSITIVE_INFINITY, us))
    }
  }
  const d = best.get('direct')!
  const m = best.get('mine')!
  const t = best.get('theirs')
  console.log(
    `| ${name} | ${d.toFixed(2)} | ${m.toFixed(2)} | ${(m - d).toFixed(2)} |${t === undefined ? '' : ` ${t.toFixed(2)} |`}`,
  )
}
