/**
 * `pnpm bench`: the tsgi server (a bare protocol app) against raw node:http written the way
 * users write it (string bodies, one `res.end(str)`: the practical ceiling) and fastify, in
 * alternating rounds of one run, on GET JSON, a param GET, a 1 KB POST echo, a 1 MiB streamed
 * response and a GET 404. Each server runs in its own process, pinned to one core with
 * `taskset` when available; the load generator (autocannon) runs here, on the other core.
 * Beside req/s it reports each server's CPU µs per request (bench/cpu.ts), which the load
 * generator's own limits and a shared machine move far less.
 *
 * Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS per round (default 5), BENCH_CONNECTIONS
 * (default 50), BENCH_SCENARIOS (comma-separated substrings of the names, default all),
 * BENCH_TARGETS (comma-separated of node,fastify,tsgi; default all; node is always included).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { benchRequest } from '../../../scripts/bench/request.ts'
import { cpuMs } from './cpu.ts'

const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const target = fileURLToPath(new URL('./target.ts', import.meta.url))
const body1k = JSON.stringify({
  items: Array.from({ length: 24 }, (_, i) => ({ id: i, name: `item-${i}` })),
}).slice(0, 1000)
const payload = JSON.stringify({ data: body1k })

interface Scenario {
  name: string
  path: string
  method: 'GET' | 'POST'
  body?: string
  status: number
}
const allScenarios: Scenario[] = [
  { name: 'GET JSON', path: '/', method: 'GET', status: 200 },
  { name: 'GET param', path: '/users/42', method: 'GET', status: 200 },
  { name: 'POST 1 KB echo', path: '/echo', method: 'POST', body: payload, status: 200 },
  { name: 'GET 1 MiB stream', path: '/stream', method: 'GET', status: 200 },
  { name: 'GET 404', path: '/missing', method: 'GET', status: 404 },
]
const only = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim().toLowerCase())
const scenarios = only
  ? allScenarios.filter((s) => only.some((o) => s.name.toLowerCase().includes(o)))
  : allScenarios
type Kind = 'node' | 'fastify' | 'tsgi'
const wanted = (process.env.BENCH_TARGETS ?? 'node,fastify,tsgi').split(',')
const kinds: Kind[] = (['node', 'fastify', 'tsgi'] as const).filter(
  (k) => k === 'node' || wanted.includes(k),
)

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

async function start(kind: Kind, port: number): Promise<ChildProcess> {
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
async function load(port: number, s: Scenario): Promise<Result> {
  let wrong = 0
  const r = await autocannon({
    ...benchRequest(port, s),
    connections,
    duration: seconds,
    setupClient: (client) => {
      client.on('response', (status: number) => {
        if (status !== s.status) wrong++
      })
    },
  })
  if (wrong > 0 || r.errors > 0 || r.timeouts > 0)
    throw new Error(`${s.name}: ${wrong} answers not ${s.status}, ${r.errors} errors`)
  return { rps: r.requests.average, p99: r.latency.p99, total: r.requests.total }
}

const empty = () =>
  Object.fromEntries(kinds.map((k) => [k, [] as number[]])) as Record<Kind, number[]>
const rps = new Map<string, Record<Kind, number[]>>()
const p99 = new Map<string, Record<Kind, number[]>>()
/** Server CPU µs per request, per round. */
const costs = new Map<string, Record<Kind, number[]>>()
for (const s of scenarios) {
  rps.set(s.name, empty())
  p99.set(s.name, empty())
  costs.set(s.name, empty())
}
const ports: Record<Kind, number> = { node: 9101, fastify: 9103, tsgi: 9102 }
const servers = {} as Record<Kind, ChildProcess>
for (const k of kinds) servers[k] = await start(k, ports[k])
try {
  for (const s of scenarios) {
    // Warm up every target (JIT), then rotate the order so drift on the machine hits all alike.
    for (const k of kinds) await load(ports[k], s)
    for (let round = 0; round < rounds; round++) {
      const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]!)
      for (const kind of order) {
        const pid = servers[kind].pid!
        const before = cpuMs(pid)
        const result = await load(ports[kind], s)
        rps.get(s.name)![kind].push(result.rps)
        p99.get(s.name)![kind].push(result.p99)
        costs.get(s.name)![kind].push(((cpuMs(pid) - before) * 1000) / result.total)
      }
    }
  }
} finally {
  for (const k of kinds) servers[k].kill()
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const others = kinds.filter((k) => k !== 'node')
console.log(
  `\nNode ${process.version}, ${connections} connections, ${rounds} × ${seconds} s rounds, pinned: ${pin}\n`,
)
console.log(
  `| scenario | ${kinds.map((k) => `${k} req/s`).join(' | ')} | ${others.map((k) => `${k} / node`).join(' | ')} | p99 ms (${kinds.join(', ')}) | server CPU µs/req (${kinds.join(', ')}) |`,
)
console.log(
  `|---|${kinds.map(() => '---:').join('|')}|${others.map(() => '---:').join('|')}|---:|---:|`,
)
for (const s of scenarios) {
  const r = rps.get(s.name)!
  const n = median(r.node)
  console.log(
    `| ${s.name} | ${kinds.map((k) => Math.round(median(r[k]))).join(' | ')} | ${others.map((k) => (median(r[k]) / n).toFixed(2)).join(' | ')} | ${kinds.map((k) => median(p99.get(s.name)![k])).join(', ')} | ${kinds.map((k) => median(costs.get(s.name)![k]).toFixed(1)).join(', ')} |`,
  )
}
