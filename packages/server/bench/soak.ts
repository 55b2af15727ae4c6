/**
 * `pnpm bench:soak`: full load on the tsgi target for SOAK_SECONDS (default 600), alternating
 * the three scenarios every 10 s, sampling the server's RSS and heap from /proc. Memory should
 * be flat: the report prints the first and last samples and the maximum.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const seconds = Number(process.env.SOAK_SECONDS ?? 600)
const port = 9131
const target = fileURLToPath(new URL('./target.ts', import.meta.url))
const child = spawn(
  process.execPath,
  ['--expose-gc', '--conditions=@tsgi/source', target, 'tsgi', String(port)],
  { stdio: ['ignore', 'pipe', 'pipe'] },
)
await once(child.stdout!, 'data')
let lastHeap = 0
child.stderr!.on('data', (d: Buffer) => {
  const m = /heapUsed=(\d+) arrayBuffers=(\d+)/.exec(d.toString())
  if (m) lastHeap = (Number(m[1]) + Number(m[2])) / 1048576
})
/** Retained heap + array buffers after a full GC in the server, in MiB. */
async function retainedMiB(): Promise<number> {
  child.kill('SIGUSR2')
  await new Promise((r) => setTimeout(r, 300))
  return lastHeap
}

const rssMiB = () => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}
const body = JSON.stringify({ data: 'x'.repeat(990) })
const scenarios = [
  { path: '/', method: 'GET' as const },
  { path: '/echo', method: 'POST' as const, body, headers: { 'content-type': 'application/json' } },
  { path: '/stream', method: 'GET' as const },
]
const samples: Array<{ t: number; rss: number; heap: number }> = []
const started = Date.now()
let requests = 0
for (let i = 0; (Date.now() - started) / 1000 < seconds; i++) {
  const s = scenarios[i % scenarios.length]!
  const r = await autocannon({
    url: `http://127.0.0.1:${port}${s.path}`,
    ...s,
    connections: 50,
    duration: 10,
  })
  requests += r.requests.total
  samples.push({
    t: Math.round((Date.now() - started) / 1000),
    rss: rssMiB(),
    heap: await retainedMiB(),
  })
}
child.kill('SIGTERM')
const first = samples[0]!
const last = samples.at(-1)!
const max = Math.max(...samples.map((x) => x.rss))
console.log(`${requests} requests in ${last.t} s`)
console.log(
  `RSS after ${first.t} s: ${first.rss.toFixed(1)} MiB; after ${last.t} s: ${last.rss.toFixed(1)} MiB; max ${max.toFixed(1)} MiB`,
)
console.log(
  `retained heap after GC: first ${first.heap.toFixed(1)} MiB, last ${last.heap.toFixed(1)} MiB, max ${Math.max(...samples.map((x) => x.heap)).toFixed(1)} MiB`,
)
console.log(
  samples.map((x) => `${x.t}s:rss=${x.rss.toFixed(0)},heap=${x.heap.toFixed(1)}`).join(' '),
)
