/**
 * `pnpm bench`: the adapters against the native way of serving the same app, alternating
 * rounds in one run, on GET JSON, GET with a param and POST JSON echo:
 *   hono     — `serve(fromFetch(hono))` against `@hono/node-server`        (target ≥ 1.0)
 *   express  — `serve(fromNodeListener(express))` against node:http        (target ≥ 0.9)
 *   bun      — a TSGI app through `toFetch` on `Bun.serve` against a plain fetch handler
 *   deno     — the same on `Deno.serve`                                     (target ≥ 0.9)
 * Each server runs in its own process pinned to core 1, autocannon here on core 0. The ratio
 * is ours / theirs in requests per second, the median of per-round ratios of back-to-back
 * rounds; the CPU ratio is theirs / ours in server CPU time per request (≥ 1: we are cheaper).
 *
 * More pairs run only when named in BENCH_ONLY: `floor` (a bare TSGI app on tsgi against
 * hono on @hono/node-server: the part of every figure above that is the server's), `before`
 * (hono on tsgi with the fromFetch of BENCH_BEFORE, a path to an older `src/fetch/index.ts`,
 * against the current one), and `bun-before` / `deno-before` (the TSGI app through the toFetch
 * of BENCH_TOFETCH_BEFORE, a path to an older `src/fetch/to-fetch.ts`, against the current one).
 *
 * For the fetch runtimes on a loaded machine, `node --conditions=@tsgi/source
 * bench/instructions.ts <bun|deno> <plain|tofetch> <json|param|echo>` counts instructions per
 * request under callgrind instead (repeatable where CPU time is not).
 *
 * Environment: BENCH_ONLY (comma list of pairs, default `hono,express,bun,deno`),
 * BENCH_SCENARIOS (comma list of `json,param,echo`, default all), BENCH_ROUNDS
 * (3), BENCH_SECONDS per round (5), BENCH_CONNECTIONS (50), BENCH_NODE_FLAGS (extra node flags
 * for the node servers, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), BENCH_DENO_FLAGS (extra
 * `deno run` flags, e.g. `--unstable-no-legacy-abort`), BUN and DENO (binaries;
 * default the copies in ~/.cache/tsgi, else `bun` / `deno` on PATH; a pair whose runtime is
 * absent is skipped with a line saying so).
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { binary } from './binaries.ts'
import {
  connections,
  header,
  pair,
  pin,
  rounds,
  type Server,
  seconds,
  start,
  startNode,
  stop,
} from './harness.ts'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const only = new Set((process.env.BENCH_ONLY ?? 'hono,express,bun,deno').split(','))

function version(bin: string): string {
  const out = execFileSync(bin, ['--version'], { encoding: 'utf8' })
  return /\d+\.\d+\.\d+/.exec(out)?.[0] ?? out.trim()
}

const out: string[] = [
  `Node ${process.version}, ${connections} connections, ${rounds} × ${seconds} s rounds, pinned: ${pin}`,
]

async function run(
  title: string,
  theirs: string,
  ours: string,
  startBoth: () => Promise<[Server, Server]>,
) {
  const servers = await startBoth()
  try {
    const rows = await pair(servers[1], servers[0])
    out.push(`\n### ${title}\n`, header(theirs, ours), ...rows)
    console.log(out.slice(-rows.length - 2).join('\n'))
  } finally {
    await stop(servers)
  }
}

const targets = here('./node-targets.ts')
if (only.has('hono'))
  await run('hono: fromFetch on tsgi vs @hono/node-server', '@hono/node-server', 'tsgi', () =>
    Promise.all([
      startNode('hono-node', 9301, targets, ['hono-node', '9301']),
      startNode('hono-tsgi', 9302, targets, ['hono-tsgi', '9302']),
    ]),
  )
if (only.has('express'))
  await run('Express: fromNodeListener on tsgi vs node:http', 'node:http', 'tsgi', () =>
    Promise.all([
      startNode('express-node', 9303, targets, ['express-node', '9303']),
      startNode('express-tsgi', 9304, targets, ['express-tsgi', '9304']),
    ]),
  )
if (only.has('floor'))
  await run(
    'floor: a bare TSGI app on tsgi vs hono on @hono/node-server',
    'hono-node',
    'tsgi-raw',
    () =>
      Promise.all([
        startNode('hono-node', 9309, targets, ['hono-node', '9309']),
        startNode('tsgi-raw', 9310, targets, ['tsgi-raw', '9310']),
      ]),
  )
// BENCH_BEFORE=<path to an older src/fetch/index.ts>: fromFetch before/after, hono on tsgi both.
const before = process.env.BENCH_BEFORE
if (only.has('before') && before)
  await run('hono on tsgi: fromFetch before vs after', 'before', 'after', () =>
    Promise.all([
      startNode('hono-tsgi-before', 9311, targets, ['hono-tsgi', '9311', before]),
      startNode('hono-tsgi', 9312, targets, ['hono-tsgi', '9312']),
    ]),
  )
// BENCH_TOFETCH_BEFORE=<path to an older src/fetch/to-fetch.ts>: toFetch before/after.
const toFetchBefore = process.env.BENCH_TOFETCH_BEFORE
const bun = binary('bun')
const wantsBun = only.has('bun') || only.has('bun-before')
if (wantsBun && bun === null) out.push('\n(bun pairs skipped: no bun binary)')
if (wantsBun && bun !== null) {
  const host = here('./bun-host.ts')
  const args = (kind: string, port: number, path = '') => [
    '--conditions=@tsgi/source',
    host,
    kind,
    `${port}`,
    path,
  ]
  if (only.has('bun'))
    await run(`Bun ${version(bun)}: toFetch vs a plain fetch handler`, 'plain', 'toFetch', () =>
      Promise.all([
        start('bun-plain', 9305, bun, args('plain', 9305)),
        start('bun-tofetch', 9306, bun, args('tofetch', 9306)),
      ]),
    )
  if (only.has('bun-before') && toFetchBefore)
    await run(`Bun ${version(bun)}: toFetch before vs after`, 'before', 'after', () =>
      Promise.all([
        start('bun-before', 9313, bun, args('tofetch', 9313, toFetchBefore)),
        start('bun-after', 9314, bun, args('tofetch', 9314)),
      ]),
    )
}
const deno = binary('deno')
const wantsDeno = only.has('deno') || only.has('deno-before')
if (wantsDeno && deno === null) out.push('\n(deno pairs skipped: no deno binary)')
if (wantsDeno && deno !== null) {
  const host = here('./deno-host.ts')
  const args = (kind: string, port: number, path = '') => [
    'run',
    '-A',
    ...(process.env.BENCH_DENO_FLAGS?.split(' ').filter(Boolean) ?? []),
    '--conditions=@tsgi/source',
    host,
    kind,
    `${port}`,
    path,
  ]
  if (only.has('deno'))
    await run(`Deno ${version(deno)}: toFetch vs a plain fetch handler`, 'plain', 'toFetch', () =>
      Promise.all([
        start('deno-plain', 9307, deno, args('plain', 9307)),
        start('deno-tofetch', 9308, deno, args('tofetch', 9308)),
      ]),
    )
  if (only.has('deno-before') && toFetchBefore)
    await run(`Deno ${version(deno)}: toFetch before vs after`, 'before', 'after', () =>
      Promise.all([
        start('deno-before', 9315, deno, args('tofetch', 9315, toFetchBefore)),
        start('deno-after', 9316, deno, args('tofetch', 9316)),
      ]),
    )
}
console.log(`\n${out.join('\n')}`)
