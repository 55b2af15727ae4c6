/**
 * Instructions per HTTP/2 request, repeatable on a loaded machine (unlike req/s or CPU µs):
 * runs one target of bench/h2.ts (`raw` node:http2, `tsgi`, or `base`: tsgi from
 * BENCH_BASE_SRC) under valgrind's callgrind, warms it up with h2load, zeroes the counters,
 * sends BENCH_REQUESTS requests (default 4000, 4 connections, -m BENCH_STREAMS, default 1) and
 * divides the instructions the server's main thread executed by them. Includes node:http2 and
 * V8, so compare targets (tsgi against raw, or against base for a before/after).
 *
 *   node bench/h2-instructions.ts <raw|tsgi|base>      (BENCH_KEEP=1 keeps the dumps)
 *
 * BENCH_NODE_FLAGS adds flags to the target's node (`--perf-basic-prof` writes
 * /tmp/perf-<pid>.map, which names the JIT addresses of the dump by JavaScript function).
 *
 * The harness: scripts/bench/callgrind.ts.
 */
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { callgrindPerRequest, nodeCommand } from '../../../scripts/bench/callgrind.ts'

const kind = process.argv[2] ?? 'tsgi'
const requests = Number(process.env.BENCH_REQUESTS ?? 4000)
const streams = Number(process.env.BENCH_STREAMS ?? 1)
const h2 = fileURLToPath(new URL('./h2.ts', import.meta.url))
let url = ''
const r = await callgrindPerRequest({
  tag: 'h2',
  command: nodeCommand(h2, 'serve', kind),
  ready: async (stdout) => {
    let printed = ''
    stdout.setEncoding('utf8')
    while (!/port (\d+)/.test(printed)) printed += ((await once(stdout, 'data')) as [string])[0]
    url = `http://127.0.0.1:${/port (\d+)/.exec(printed)![1]}/`
  },
  fire: async () => {
    const text = execFileSync(
      'h2load',
      ['-n', String(requests), '-c', '4', '-m', String(streams), url],
      { encoding: 'utf8' },
    )
    if (!new RegExp(`${requests} succeeded`).test(text)) throw new Error(text)
    return requests
  },
})
console.log(`${kind} h2 -m ${streams}: ${r.main} instructions per request`)
