/**
 * `pnpm bench`: the tsgi server against raw node:http (the practical ceiling), alternating
 * rounds in one run, on GET hello JSON, POST 1 KB JSON echo and a 1 MiB streamed response.
 * Each server runs in its own process, pinned to one core with `taskset` when available; the
 * load generator (autocannon) runs here, on the other core.
 *
 * Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS per round (default 5), BENCH_CONNECTIONS
 * (default 50).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { cpuMs } from './cpu.ts'

const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const target = fileURLToPath(new URL('./target.ts', import.meta.url))
const body1k = JSON.stringify({
  items: Array.from({ length: 24 }, (_, i) => ({ id: i, name: `item-${i}` })),
}).slice(0, 1000)
const payload = JSON.stringify({ data: body1k })

const scenarios = [
  { name: 'GET hello JSON', path: '/', method: 'GET' as const },
  { name: 'POST 1 KB JSON echo', path: '/echo', method: 'POST' as const, body: payload },
  { name: 'GET 1 MiB stream', path: '/stream', method: 'GET' as const },
]

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const pin = hasTaskset()
if (pin) execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' })

async function start(kind: 'node' | 'tsgi', port: number): Promise<ChildProcess> {
  const args = ['--conditions=@tsgi/source', target, kind, String(port)]
  const child = pin
    ? spawn('taskset', ['-c', '1', process.execPath, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  await once(child.stdout!, 'data')
  return child
}

type Result = { rps: number; p99: number; total: number }
async function load(port: number, s: (typeof scenarios)[number]): Promise<Result> {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}${s.path}`,
    method: s.method,
    body: s.body,
    headers: s.body ? { 'content-type': 'application/json' } : undefined,
    connections,
    duration: seconds,
  })
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${s.name}: ${r.non2xx} non-2xx, ${r.errors} errors`)
  return { rps: r.requests.average, p99: r.latency.p99, total: r.requests.total }
}

const results = new Map<string, { node: Result[]; tsgi: Result[] }>()
/** Server CPU µs per request, per round. */
const costs = new Map<string, { node: number[]; tsgi: number[] }>()
for (const s of scenarios) {
  results.set(s.name, { node: [], tsgi: [] })
  costs.set(s.name, { node: [], tsgi: [] })
}
const servers = { node: await start('node', 9101), tsgi: await start('tsgi', 9102) }
const ports = { node: 9101, tsgi: 9102 }
try {
  for (const s of scenarios) {
    // Warm up both (JIT), then alternate so drift on the machine hits both equally.
    await load(ports.node, s)
    await load(ports.tsgi, s)
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['node', 'tsgi'] as const) : (['tsgi', 'node'] as const)
      for (const kind of order) {
        const pid = servers[kind].pid!
        const before = cpuMs(pid)
        const result = await load(ports[kind], s)
        results.get(s.name)![kind].push(result)
        costs.get(s.name)![kind].push(((cpuMs(pid) - before) * 1000) / result.total)
      }
    }
  }
} finally {
  servers.node.kill()
  servers.tsgi.kill()
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(
  `\nNode ${process.version}, ${connections} connections, ${rounds} × ${seconds} s rounds, pinned: ${pin}\n`,
)
console.log(
  '| scenario | node:http req/s | tsgi req/s | ratio | node:http p99 | tsgi p99 | server CPU µs/req (node:http, tsgi) |',
)
console.log('|---|---:|---:|---:|---:|---:|---:|')
for (const [name, r] of results) {
  const n = median(r.node.map((x) => x.rps))
  const t = median(r.tsgi.map((x) => x.rps))
  const c = costs.get(name)!
  console.log(
    `| ${name} | ${Math.round(n)} | ${Math.round(t)} | ${(t / n).toFixed(2)} | ${median(r.node.map((x) => x.p99))} ms | ${median(r.tsgi.map((x) => x.p99))} ms | ${median(c.node).toFixed(1)}, ${median(c.tsgi).toFixed(1)} |`,
  )
}
