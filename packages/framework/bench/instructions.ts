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
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { callgrindPerRequest, nodeCommand } from '../../../scripts/bench/callgrind.ts'
import { benchRequest } from '../../../scripts/bench/request.ts'

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
let bad = 0
const r = await callgrindPerRequest({
  tag: 'fw',
  command: nodeCommand(target, kind, String(port)),
  fire: async () => {
    const result = await autocannon({
      ...benchRequest(port, s),
      connections: 8,
      amount: requests,
    })
    bad = result.non2xx
    return result.requests.total
  },
})
console.log(
  `${kind} ${scenario}: ${r.main} instructions per request (${r.requests} requests${bad ? `, ${bad} not 2xx` : ''})`,
)
