/**
 * Instructions per request for the framework targets, repeatable on a loaded machine (unlike
 * req/s): `node --conditions=@tsgi/source bench/instructions.ts <tsgi|bare|fastify|hono>
 * [json|param|echo|missing|method]` runs one target of bench/targets.ts under valgrind's
 * callgrind, warms it up, zeroes the counters, sends BENCH_REQUESTS requests (default 4000, 8
 * connections) and divides the instructions the server's main thread executed by them. The
 * figure includes node:http and V8, and a JIT under valgrind differs from a normal one: compare
 * targets, or one target before and after a change (BENCH_TARGET_FILE: another copy of
 * targets.ts, an earlier tree). BENCH_KEEP=1 keeps the dumps for `callgrind_annotate`;
 * BENCH_NODE_FLAGS adds flags to the target's node (`--perf-basic-prof` writes
 * /tmp/perf-<pid>.map, which names the JIT addresses of the dump by JavaScript function).
 */
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const [kind = 'tsgi', scenario = 'json'] = process.argv.slice(2)
const requests = Number(process.env.BENCH_REQUESTS ?? 4000)
const target =
  process.env.BENCH_TARGET_FILE ?? fileURLToPath(new URL('./targets.ts', import.meta.url))
/** The requests of bench/scenarios.ts, by a short name. */
const paths: Record<string, { path: string; method: 'GET' | 'POST' | 'DELETE'; body?: string }> = {
  json: { path: '/json', method: 'GET' },
  param: { path: '/users/12345', method: 'GET' },
  echo: { path: '/echo', method: 'POST', body: JSON.stringify({ name: 'lamp', price: 12.5 }) },
  missing: { path: '/missing/page', method: 'GET' },
  method: { path: '/json', method: 'DELETE' },
}
const s = paths[scenario]
if (!s) throw new Error(`unknown scenario ${scenario}: one of ${Object.keys(paths).join(', ')}`)
const port = 9190 + Math.floor(Math.random() * 40)
const out = join(tmpdir(), `tsgi-fw-callgrind-${process.pid}`)
const child = spawn(
  'valgrind',
  [
    '--tool=callgrind',
    // The main thread only: V8's compiler and GC threads run when they like, and add noise.
    '--separate-threads=yes',
    `--callgrind-out-file=${out}.%p`,
    process.execPath,
    ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    '--conditions=@tsgi/source',
    target,
    kind,
    String(port),
  ],
  { stdio: ['ignore', 'pipe', 'ignore'] },
)
await once(child.stdout!, 'data')
const fire = (amount: number) =>
  autocannon({
    url: `http://127.0.0.1:${port}${s.path}`,
    method: s.method,
    body: s.body,
    headers: s.body ? { 'content-type': 'application/json' } : undefined,
    connections: 8,
    amount,
  })
await fire(requests)
await fire(requests)
execFileSync('callgrind_control', ['--zero', String(child.pid)], { stdio: 'ignore' })
const r = await fire(requests)
execFileSync('callgrind_control', ['--dump', String(child.pid)], { stdio: 'ignore' })
child.kill('SIGTERM')
await once(child, 'exit')
// The dump after --zero is part 1; thread 1 is the main thread. Its "summary:" line is the total.
const dir = tmpdir()
const prefix = `tsgi-fw-callgrind-${process.pid}.`
let measured = Number.NaN
for (const f of readdirSync(dir).filter((name) => name.startsWith(prefix))) {
  const text = readFileSync(join(dir, f), 'utf8')
  if (/\.1-0*1$/.test(f)) {
    const m = /^summary: (\d+)/m.exec(text) ?? /^totals: (\d+)/m.exec(text)
    if (m) measured = Number(m[1])
  }
  if (process.env.BENCH_KEEP) console.log(`kept ${join(dir, f)}`)
  else rmSync(join(dir, f))
}
const done = r.requests.total
const bad = r.non2xx
console.log(
  `${kind} ${scenario}: ${Math.round(measured / done)} instructions per request (${done} requests${bad ? `, ${bad} not 2xx` : ''})`,
)
