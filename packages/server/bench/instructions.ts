/**
 * Instructions per request, repeatable on a loaded machine (unlike req/s): runs one target
 * (`node bench/instructions.ts <node|fastify|tsgi> [scenario]`) under valgrind's callgrind,
 * warms it up, zeroes the counters, sends BENCH_REQUESTS requests (default 4000, 8 connections)
 * and divides the instructions the server executed by them. The figure includes node:http and
 * V8 (so compare targets, or one target before and after a change), and the JIT of a process
 * under valgrind differs from a normal one: use it for relative costs, and req/s and CPU µs per
 * request from `bench/http.ts` for the absolute ones.
 *
 * Scenarios: json (GET /), param (GET /users/42), echo (POST 1 KB), missing (GET 404).
 * BENCH_KEEP=1 keeps the dumps for `callgrind_annotate`. Set BENCH_TARGET_FILE to measure another copy of target.ts (an earlier tree, for a before/after).
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
  process.env.BENCH_TARGET_FILE ?? fileURLToPath(new URL('./target.ts', import.meta.url))
const paths: Record<string, { path: string; method: 'GET' | 'POST'; body?: string }> = {
  json: { path: '/', method: 'GET' },
  param: { path: '/users/42', method: 'GET' },
  echo: { path: '/echo', method: 'POST', body: JSON.stringify({ data: 'x'.repeat(990) }) },
  missing: { path: '/missing', method: 'GET' },
}
const s = paths[scenario]
if (!s) throw new Error(`unknown scenario ${scenario}: one of ${Object.keys(paths).join(', ')}`)
const port = 9150 + Math.floor(Math.random() * 40)
const out = join(tmpdir(), `tsgi-callgrind-${process.pid}`)
const child = spawn(
  'valgrind',
  [
    '--tool=callgrind',
    // The main thread only: V8's compiler and GC threads run when they like, and add noise.
    '--separate-threads=yes',
    `--callgrind-out-file=${out}.%p`,
    process.execPath,
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
const dumps = readdirSync(dir).filter((f) => f.startsWith(`tsgi-callgrind-${process.pid}.`))
let measured = Number.NaN
for (const f of dumps) {
  const text = readFileSync(join(dir, f), 'utf8')
  if (/\.1-0*1$/.test(f)) {
    const m = /^summary: (\d+)/m.exec(text) ?? /^totals: (\d+)/m.exec(text)
    if (m) measured = Number(m[1])
  }
  if (process.env.BENCH_KEEP) console.log(`kept ${join(dir, f)}`)
  else rmSync(join(dir, f))
}
const done = r.requests.total
console.log(
  `${kind} ${scenario}: ${Math.round(measured / done)} instructions per request (${done} requests)`,
)
