/**
 * `node --conditions=@tsgi/source bench/instructions.ts <bun|deno> <plain|tofetch> [scenario]`:
 * instructions per request of one fetch-runtime server under valgrind's callgrind, repeatable
 * on a loaded machine (unlike req/s and CPU time). The server is `bench/bun-host.ts` / `deno-host.ts`; it is warmed up,
 * the counters are zeroed, BENCH_REQUESTS requests (default 4000, 8 connections) are sent, and
 * the instructions of the server's main thread (the JavaScript and the runtime's HTTP loop;
 * not the JIT and GC helper threads, which run when they like) are divided by them.
 * Compare targets, or one target before and after a change (BENCH_TOFETCH_BEFORE: a path to
 * an older `src/fetch/to-fetch.ts`), not with other machines: a JIT under valgrind is slower
 * and differs from a normal one. Scenarios: json, param, echo (as `pnpm bench`). The harness:
 * scripts/bench/callgrind.ts.
 */
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { callgrindPerRequest } from '../../../scripts/bench/callgrind.ts'
import { benchRequest } from '../../../scripts/bench/request.ts'
import { binary } from './binaries.ts'
import { payload } from './harness.ts'

const [runtime = 'bun', kind = 'tofetch', scenario = 'json'] = process.argv.slice(2)
if (runtime !== 'bun' && runtime !== 'deno') throw new Error(`unknown runtime ${runtime}`)
const requests = Number(process.env.BENCH_REQUESTS ?? 4000)
const paths: Record<string, { path: string; method: 'GET' | 'POST'; body?: string }> = {
  json: { path: '/json', method: 'GET' },
  param: { path: '/users/12345', method: 'GET' },
  echo: { path: '/echo', method: 'POST', body: payload },
}
const s = paths[scenario]
if (!s) throw new Error(`unknown scenario ${scenario}: one of ${Object.keys(paths).join(', ')}`)
const bin = binary(runtime)
if (bin === null) throw new Error(`no ${runtime} binary`)
const host = fileURLToPath(new URL(`./${runtime}-host.ts`, import.meta.url))
const port = 9190 + Math.floor(Math.random() * 40)
const before = process.env.BENCH_TOFETCH_BEFORE ?? ''
const args =
  runtime === 'bun'
    ? ['--conditions=@tsgi/source', host, kind, String(port), before]
    : ['run', '-A', '--conditions=@tsgi/source', host, kind, String(port), before]
const r = await callgrindPerRequest({
  tag: 'adapters',
  command: [bin, ...args],
  stderr: 'inherit',
  fire: async () => {
    const result = await autocannon({
      ...benchRequest(port, s),
      connections: 8,
      amount: requests,
    })
    return result.requests.total
  },
})
console.log(
  `${runtime} ${kind} ${scenario}: ${r.main} instructions per request on the main thread, ${r.all} in all threads (${r.requests} requests${before ? `, toFetch of ${before}` : ''})`,
)
