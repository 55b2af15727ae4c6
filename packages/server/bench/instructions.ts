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
 * BENCH_NODE_FLAGS adds flags to the target's node (`--perf-basic-prof` names JIT code).
 * BENCH_KEEP=1 keeps the dumps for `callgrind_annotate` (the harness: scripts/bench/callgrind.ts). Set BENCH_TARGET_FILE to measure another copy of target.ts (an earlier tree, for a before/after).
 */
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { callgrindPerRequest, nodeCommand } from '../../../scripts/bench/callgrind.ts'
import { benchRequest } from '../../../scripts/bench/request.ts'

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
const r = await callgrindPerRequest({
  tag: 'server',
  command: nodeCommand(target, kind, String(port)),
  fire: async () => {
    const result = await autocannon({
      ...benchRequest(port, s),
      connections: 8,
      amount: requests,
    })
    return result.requests.total
  },
})
console.log(`${kind} ${scenario}: ${r.main} instructions per request (${r.requests} requests)`)
