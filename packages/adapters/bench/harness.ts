/**
 * Shared plumbing of the adapters benchmarks: servers in child processes pinned to core 1
 * (the load generator, autocannon, stays on core 0), one autocannon round, and alternating
 * rounds between two servers so the machine's drift hits both equally. Server CPU per request
 * comes from /proc (`cpuMs` of the server bench): the load generator's own limits move the
 * requests per second but not that.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import autocannon from 'autocannon'
import { benchRequest } from '../../../scripts/bench/request.ts'
import { cpuMs } from '../../server/bench/cpu.ts'

export const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
export const seconds = Number(process.env.BENCH_SECONDS ?? 5)
export const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)

/** One request shape, the same for both servers of a pair. */
export interface Scenario {
  /** Short name, for BENCH_SCENARIOS. */
  id: 'json' | 'param' | 'echo'
  name: string
  path: string
  method: 'GET' | 'POST'
  body?: string
  /** The exact response body both servers must give (checked once before loading). */
  expect: string
}

export const payload = JSON.stringify({ name: 'lamp', price: 12.5, tags: ['a', 'b', 'c'] })

const all: Scenario[] = [
  { id: 'json', name: 'GET JSON', path: '/json', method: 'GET', expect: '{"hello":"world"}' },
  {
    id: 'param',
    name: 'GET with a param',
    path: '/users/12345',
    method: 'GET',
    expect: '{"id":"12345"}',
  },
  {
    id: 'echo',
    name: 'POST JSON echo',
    path: '/echo',
    method: 'POST',
    body: payload,
    expect: payload,
  },
]
const picked = process.env.BENCH_SCENARIOS?.split(',').filter(Boolean)

/** The scenarios of every pair: all three, or those named in BENCH_SCENARIOS (`json,param,echo`). */
export const scenarios: Scenario[] =
  picked === undefined || picked.length === 0 ? all : all.filter((s) => picked.includes(s.id))

let pinned = false
try {
  execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' })
  pinned = true
} catch {}
/** Whether servers are pinned to core 1 and the load generator to core 0. */
export const pin = pinned

/** A server process that printed its first line (it is listening). */
export interface Server {
  name: string
  port: number
  child: ChildProcess
}

/** Starts `command args…` pinned to core 1; resolves once it printed a line. */
export async function start(
  name: string,
  port: number,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Server> {
  const child = pin
    ? spawn('taskset', ['-c', '1', command, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env })
    : spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env })
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`${name} exited (${code}) before it was ready`)
  })
  await Promise.race([once(child.stdout!, 'data'), exited])
  exited.catch(() => {})
  return { name, port, child }
}

/** A server of the node binary running this benchmark, `--conditions=@tsgi/source`. */
export function startNode(name: string, port: number, file: string, args: string[]) {
  const flags = ['--conditions=@tsgi/source', ...(process.env.BENCH_NODE_FLAGS?.split(' ') ?? [])]
  return start(name, port, process.execPath, [...flags.filter(Boolean), file, ...args])
}

/** One round's result. */
export interface Round {
  rps: number
  p99: number
  /** Server CPU µs per request. */
  cpu: number
}

/** Checks that `server` answers `s` with the expected body (a like-for-like guard). */
export async function check(server: Server, s: Scenario): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${server.port}${s.path}`, {
    method: s.method,
    body: s.body,
    headers: s.body ? { 'content-type': 'application/json' } : undefined,
  })
  const text = await res.text()
  if (res.status !== 200 || text !== s.expect)
    throw new Error(`${server.name} ${s.name}: ${res.status} ${text.slice(0, 200)}`)
}

/** One autocannon round against `server`. */
export async function load(server: Server, s: Scenario, duration = seconds): Promise<Round> {
  const pid = server.child.pid!
  const before = cpuMs(pid)
  const r = await autocannon({
    ...benchRequest(server.port, s),
    connections,
    duration,
  })
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${server.name} ${s.name}: ${r.non2xx} non-2xx, ${r.errors} errors`)
  return {
    rps: r.requests.average,
    p99: r.latency.p99,
    cpu: ((cpuMs(pid) - before) * 1000) / r.requests.total,
  }
}

export const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * Runs every scenario against `ours` and `theirs`, a warm-up each, then `rounds` alternating
 * rounds; returns markdown table rows: req/s both, ratio (the median of the per-round ratios,
 * each from back-to-back rounds), p99 both, server CPU µs/request both and their ratio.
 */
export async function pair(ours: Server, theirs: Server): Promise<string[]> {
  const rows: string[] = []
  for (const s of scenarios) {
    await check(ours, s)
    await check(theirs, s)
    await load(theirs, s, Math.min(seconds, 3))
    await load(ours, s, Math.min(seconds, 3))
    const a: Round[] = []
    const b: Round[] = []
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        b.push(await load(theirs, s))
        a.push(await load(ours, s))
      } else {
        a.push(await load(ours, s))
        b.push(await load(theirs, s))
      }
    }
    const ratio = median(a.map((x, i) => x.rps / b[i]!.rps))
    const cpuA = median(a.map((x) => x.cpu))
    const cpuB = median(b.map((x) => x.cpu))
    rows.push(
      `| ${s.name} | ${Math.round(median(b.map((x) => x.rps)))} | ${Math.round(median(a.map((x) => x.rps)))} | **${ratio.toFixed(2)}** | ${median(b.map((x) => x.p99))} / ${median(a.map((x) => x.p99))} ms | ${cpuB.toFixed(1)} / ${cpuA.toFixed(1)} | ${(cpuB / cpuA).toFixed(2)} |`,
    )
  }
  return rows
}

/** The header of a {@link pair} table. */
export function header(theirs: string, ours: string): string {
  return [
    `| scenario | ${theirs} req/s | ${ours} req/s | ratio | p99 (${theirs} / ${ours}) | server CPU µs/req (${theirs} / ${ours}) | CPU ratio |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ].join('\n')
}

/** Stops servers (SIGTERM: a target exits normally, so `--cpu-prof` writes its profile). */
export async function stop(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(async (s) => {
      if (s.child.exitCode !== null) return
      const exit = once(s.child, 'exit')
      s.child.kill('SIGTERM')
      await exit
    }),
  )
}
