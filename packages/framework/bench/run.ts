/**
 * `pnpm bench`: (1) router lookups in this process — static, param, wildcard, and a 200-route
 * table; (2) end-to-end throughput of the framework on the reference server against fastify and
 * hono (@hono/node-server) on the same routes, each server in its own process pinned to one
 * core (autocannon on the other), alternating rounds in one run: the median requests per second
 * and the median server CPU time per request (from /proc: the load generator's own limits do
 * not move it). The scenarios are in bench/scenarios.ts (GET routes, a validated POST, the
 * default 404 and 405). BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_CONNECTIONS (50),
 * BENCH_ONLY (a part of a scenario's name: only those, without the router lookups), BENCH_BARE=1
 * (also the reference server with a hand-written protocol app: the floor under the framework).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { cpuMs } from '../../server/bench/cpu.ts'
import { parsePattern } from '../src/router/path.ts'
import { RouteTree } from '../src/router/tree.ts'
import { type Kind, kinds, load, selected } from './scenarios.ts'

const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)

// ---- 1. router lookups -------------------------------------------------------------------
function lookupBench(): void {
  const tree = new RouteTree<string>()
  const add = (p: string) => tree.upsert(p, parsePattern(p), () => p)
  // As the dispatcher does for a plain path: the key only, walked in place when not static.
  const find = (path: string) => tree.match(path)
  add('/')
  add('/users')
  add('/users/:id')
  add('/files/*rest')
  for (let i = 0; i < 200; i++) add(`/api/v${i % 5}/resource${i}/:id/sub${i % 7}`)
  const cases: Array<[string, string]> = [
    ['static', '/users'],
    ['param', '/users/12345'],
    ['wildcard', '/files/a/b/c.txt'],
    ['200-route table', '/api/v3/resource198/42/sub2'],
  ]
  console.log('\n| router lookup | ns/op |\n|---|---:|')
  for (const [name, path] of cases) {
    if (find(path) === null) throw new Error(`no match for ${path}`)
    const n = 1_000_000
    for (let i = 0; i < 10_000; i++) find(path)
    // The main thread's CPU time: time the machine gave to other processes is not counted.
    const start = process.threadCpuUsage()
    for (let i = 0; i < n; i++) find(path)
    const end = process.threadCpuUsage()
    const ns = ((end.user + end.system - start.user - start.system) * 1000) / n
    console.log(`| ${name} | ${ns.toFixed(0)} |`)
  }
}

// ---- 2. end to end -----------------------------------------------------------------------
const target = fileURLToPath(new URL('./targets.ts', import.meta.url))

let pin = false
try {
  execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' })
  pin = true
} catch {}

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

if (!process.env.BENCH_ONLY) lookupBench()
// Other benches may run on this machine: ports away from theirs (and below the ephemeral
// range clients bind to), different each run.
const base = 10_000 + Math.floor(Math.random() * 20_000)
const ports = Object.fromEntries(kinds.map((k, i) => [k, base + i])) as Record<Kind, number>
const children = await Promise.all(kinds.map((k) => start(k, ports[k])))
const results = new Map<string, Record<Kind, number[]>>()
const costs = new Map<string, Record<Kind, number[]>>()
const pids = Object.fromEntries(kinds.map((k, i) => [k, children[i]!.pid!])) as Record<Kind, number>
const perKind = () =>
  Object.fromEntries(kinds.map((k) => [k, []])) as unknown as Record<Kind, number[]>
try {
  for (const s of selected()) {
    const r = perKind()
    const c = perKind()
    results.set(s.name, r)
    costs.set(s.name, c)
    for (const k of kinds) await load(ports[k], k, s, connections, { seconds }) // warm-up
    for (let round = 0; round < rounds; round++) {
      const shift = round % kinds.length
      const order = [...kinds.slice(shift), ...kinds.slice(0, shift)]
      for (const k of order) {
        const before = cpuMs(pids[k])
        const result = await load(ports[k], k, s, connections, { seconds })
        r[k].push(result.rps)
        c[k].push(((cpuMs(pids[k]) - before) * 1000) / result.total)
      }
    }
  }
} finally {
  for (const c of children) c.kill('SIGTERM')
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(
  `\nNode ${process.version}, ${connections} connections, ${rounds} × ${seconds} s rounds, pinned: ${pin}\n`,
)
console.log(
  `| scenario | tsgi req/s | fastify req/s | hono req/s | tsgi / fastify | tsgi / hono | server CPU µs/req (${kinds.join(', ')}) |`,
)
console.log('|---|---:|---:|---:|---:|---:|---:|')
for (const [name, r] of results) {
  const [t, f, h] = [median(r.tsgi), median(r.fastify), median(r.hono)]
  const c = costs.get(name)!
  const us = kinds.map((k) => median(c[k]).toFixed(1)).join(', ')
  console.log(
    `| ${name} | ${Math.round(t)} | ${Math.round(f)} | ${Math.round(h)} | ${(t / f).toFixed(2)} | ${(t / h).toFixed(2)} | ${us} |`,
  )
}
