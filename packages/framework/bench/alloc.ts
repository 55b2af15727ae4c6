/**
 * `node --conditions=@tsgi/source bench/alloc.ts`: bytes allocated per request by each server
 * (tsgi + the framework, fastify, hono) on each scenario, from V8's sampling heap profiler in the
 * target (collected objects included, so it counts allocation, not retention; node:http's own
 * share is in every column), and its CPU time per request in an unsampled pass of the same
 * size. BENCH_REQUESTS (30 000), BENCH_CONNECTIONS (50), BENCH_ONLY (part of a scenario name),
 * BENCH_TOP (list that many allocating functions of tsgi's profile).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { cpuMs } from '../../server/bench/cpu.ts'
import type { HeapReport } from './heap.ts'
import { type Kind, kinds, load, selected } from './scenarios.ts'

const amount = Number(process.env.BENCH_REQUESTS ?? 30_000)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const top = Number(process.env.BENCH_TOP ?? 0)
const target = fileURLToPath(new URL('./targets.ts', import.meta.url))

async function start(kind: Kind, port: number): Promise<ChildProcess> {
  const args = ['--conditions=@tsgi/source', target, kind, String(port)]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  await once(child.stdout!, 'data')
  return child
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  const reply = once(child, 'message') as Promise<[T]>
  child.send(message)
  return reply.then(([value]) => value)
}

console.log(`\nNode ${process.version}, ${connections} connections, ${amount} requests sampled\n`)
console.log(`| scenario | KB/req (${kinds.join(', ')}) | CPU µs/req (${kinds.join(', ')}) |`)
console.log('|---|---:|---:|')
// Other benches may run on this machine: ports away from theirs (and below the ephemeral
// range clients bind to), different each run.
let port = 10_000 + Math.floor(Math.random() * 20_000)
for (const s of selected()) {
  const kb: string[] = []
  const us: string[] = []
  let tsgiTop: HeapReport['top'] = []
  for (const kind of kinds) {
    const child = await start(kind, port)
    try {
      await load(port, kind, s, connections, { amount }) // warm-up: JIT and pools settle
      const before = cpuMs(child.pid!)
      const unsampled = await load(port, kind, s, connections, { amount })
      us.push((((cpuMs(child.pid!) - before) * 1000) / unsampled.total).toFixed(1))
      await ask(child, 'start')
      const sampled = await load(port, kind, s, connections, { amount })
      const report = await ask<HeapReport>(child, 'stop')
      kb.push((report.bytes / sampled.total / 1024).toFixed(1))
      if (kind === 'tsgi') tsgiTop = report.top
    } finally {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
    port++
  }
  console.log(`| ${s.name} | ${kb.join(', ')} | ${us.join(', ')} |`)
  if (top > 0) {
    for (const a of tsgiTop.slice(0, top))
      console.log(`|   ${a.name} | ${((a.bytes / amount) | 0).toString()} B | |`)
  }
}
