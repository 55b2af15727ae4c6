/**
 * Instructions per HTTP/2 request, repeatable on a loaded machine (unlike req/s or CPU µs):
 * runs one target of bench/h2.ts (`raw` node:http2, `tsgi`, or `base`: tsgi from
 * BENCH_BASE_SRC) under valgrind's callgrind, warms it up with h2load, zeroes the counters,
 * sends BENCH_REQUESTS requests (default 4000, 4 connections, -m BENCH_STREAMS, default 1) and
 * divides the instructions the server's main thread executed by them. Includes node:http2 and
 * V8, so compare targets (tsgi against raw, or against base for a before/after).
 *
 *   node bench/h2-instructions.ts <raw|tsgi|base>      (BENCH_KEEP=1 keeps the dumps)
 */
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const kind = process.argv[2] ?? 'tsgi'
const requests = Number(process.env.BENCH_REQUESTS ?? 4000)
const streams = Number(process.env.BENCH_STREAMS ?? 1)
const h2 = fileURLToPath(new URL('./h2.ts', import.meta.url))
const out = join(tmpdir(), `tsgi-h2-callgrind-${process.pid}`)
const child = spawn(
  'valgrind',
  [
    '--tool=callgrind',
    // The main thread only: V8's compiler and GC threads run when they like, and add noise.
    '--separate-threads=yes',
    `--callgrind-out-file=${out}.%p`,
    process.execPath,
    '--conditions=@tsgi/source',
    h2,
    'serve',
    kind,
  ],
  { stdio: ['ignore', 'pipe', 'ignore'] },
)
let printed = ''
child.stdout!.setEncoding('utf8')
while (!/port (\d+)/.test(printed)) printed += ((await once(child.stdout!, 'data')) as [string])[0]
const url = `http://127.0.0.1:${/port (\d+)/.exec(printed)![1]}/`
const fire = () => {
  const text = execFileSync(
    'h2load',
    ['-n', String(requests), '-c', '4', '-m', String(streams), url],
    { encoding: 'utf8' },
  )
  if (!new RegExp(`${requests} succeeded`).test(text)) throw new Error(text)
}
fire()
fire()
execFileSync('callgrind_control', ['--zero', String(child.pid)], { stdio: 'ignore' })
fire()
execFileSync('callgrind_control', ['--dump', String(child.pid)], { stdio: 'ignore' })
child.kill('SIGKILL')
await once(child, 'exit')
// The dump after --zero is part 1; thread 1 is the main thread. Its "summary:" line is the total.
let measured = Number.NaN
for (const f of readdirSync(tmpdir()).filter((n) =>
  n.startsWith(`tsgi-h2-callgrind-${process.pid}.`),
)) {
  const path = join(tmpdir(), f)
  if (/\.1-0*1$/.test(f)) {
    const m = /^summary: (\d+)/m.exec(readFileSync(path, 'utf8'))
    if (m) measured = Number(m[1])
  }
  if (process.env.BENCH_KEEP) console.log(`kept ${path}`)
  else rmSync(path)
}
console.log(`${kind} h2 -m ${streams}: ${Math.round(measured / requests)} instructions per request`)
