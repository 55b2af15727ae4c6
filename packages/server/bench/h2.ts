/**
 * HTTP/2 (h2c, prior knowledge) with h2load: the tsgi server with a bare protocol app against
 * raw node:http2 answering the same bytes (`stream.respond` + `stream.end`), each in its own
 * process, in alternating rounds of one run, at 1 and 100 concurrent streams per connection.
 * Reports h2load's req/s and each server's CPU µs per request (from /proc): the median over
 * rounds, the spread beside it, and the ratios. Each round starts a fresh process per target:
 * a process of either target (raw node:http2 too) settles in one of two GC modes for its life,
 * and in the worse one ~1.4 KB per request survives each scavenge and is promoted (2–3 µs per
 * request of scavenging at -m 100 against 0.7–1 µs: README "HTTP/2"), so one process per target
 * would be one coin toss each.
 *
 *   node --conditions=@tsgi/source bench/h2.ts     (BENCH_REQUESTS, BENCH_ROUNDS, BENCH_WARMUP)
 *   BENCH_SOAK_S=300 node --conditions=@tsgi/source bench/h2.ts   (memory over a soak)
 *   BENCH_BASE_SRC=/elsewhere/packages/server/src/index.ts …   (a third target: tsgi from
 *                    another tree, e.g. before a change, in the same alternating rounds)
 *   BENCH_NODE_FLAGS='--no-allocation-site-pretenuring' …   (V8 flags for every server, e.g.
 *                    to take the pretenuring coin toss out)
 *   BENCH_PIN=1 …   (servers on CPU 0, h2load on CPU 1 with taskset: the load generator never
 *                    takes the server's core; on a 2-core machine it also keeps h2load's one
 *                    thread from being the bottleneck unnoticed)
 *
 * h2load comes from Debian's nghttp2-client; it is installed with apt-get when missing (as
 * root), else the script says what to install.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { cpuMs } from './cpu.ts'

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8)
/** Requests each fresh process answers before it is measured (the JIT's tiers settle). */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30_000)
const SOAK_S = Number(process.env.BENCH_SOAK_S ?? 0)
const PIN = process.env.BENCH_PIN === '1'
const BASE_SRC = process.env.BENCH_BASE_SRC
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '')
type Kind = 'raw' | 'tsgi' | 'base'
/** `command args…`, under `taskset -c cpu` with BENCH_PIN (taskset execs: the pid is the command's). */
const pinned = (cpu: number, command: string, args: string[]): [string, string[]] =>
  PIN ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args]
const self = fileURLToPath(import.meta.url)

function ensureH2load(): void {
  try {
    execFileSync('h2load', ['--version'], { stdio: 'ignore' })
  } catch {
    if (process.getuid?.() !== 0) {
      throw new Error(
        'h2load is missing: apt-get install nghttp2-client (Debian) or brew install nghttp2',
      )
    }
    console.error('bench: installing h2load (apt-get install -y nghttp2-client)')
    execFileSync('apt-get', ['install', '-y', 'nghttp2-client'], { stdio: 'inherit' })
  }
}

/** Child mode: serve one target on a free port and print it. */
async function serveTarget(kind: Kind): Promise<void> {
  const body = new TextEncoder().encode('{"hello":"world"}')
  const length = String(body.byteLength)
  let port: number
  if (kind === 'raw') {
    const { createServer } = await import('node:http2')
    const server = createServer()
    server.on('stream', (stream) => {
      // The bytes tsgi sends for the app below: its default `server` header included (node
      // adds `date` to both).
      stream.respond({
        ':status': 200,
        'content-type': 'application/json',
        'content-length': length,
        server: 'tsgi',
      })
      stream.end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as { port: number }).port
  } else {
    const { serve } = (await import(
      kind === 'base' && BASE_SRC ? BASE_SRC : '../src/index.ts'
    )) as typeof import('../src/index.ts')
    const handle = await serve(
      async (scope, _receive, send) => {
        if (scope.type !== 'http') throw new Error(`unsupported scope ${scope.type}`)
        await send({
          type: 'http.response.start',
          status: 200,
          headers: [
            ['content-type', 'application/json'],
            ['content-length', length],
          ],
        })
        await send({ type: 'http.response.body', body })
      },
      { port: 0, http2: true, lifespan: 'off', accessLog: false, logLevel: 'error' },
    )
    port = (handle.address as { port: number }).port
  }
  // The soak asks for the heap after a full GC (the retained memory) with SIGUSR2.
  process.on('SIGUSR2', () => {
    ;(globalThis as { gc?: () => void }).gc?.()
    const m = process.memoryUsage()
    process.stdout.write(`memory heapUsed=${m.heapUsed} rss=${m.rss}\n`)
  })
  process.stdout.write(`port ${port}\n`)
}

interface Target {
  name: Kind
  child: ChildProcess
  port: number
}

async function start(name: Kind, flags: string[] = []): Promise<Target> {
  const child = spawn(
    ...pinned(0, process.execPath, [
      ...NODE_FLAGS,
      ...flags,
      '--conditions=@tsgi/source',
      self,
      'serve',
      name,
    ]),
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let out = ''
  child.stdout!.setEncoding('utf8')
  while (!/port (\d+)/.test(out)) {
    const [chunk] = (await once(child.stdout!, 'data')) as [string]
    out += chunk
  }
  return { name, child, port: Number(/port (\d+)/.exec(out)![1]) }
}

function h2load(port: number, streams: number, requests = REQUESTS): number {
  const out = execFileSync(
    ...pinned(1, 'h2load', [
      '-n',
      String(requests),
      '-c',
      '4',
      '-m',
      String(streams),
      `http://127.0.0.1:${port}/`,
    ]),
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  )
  if (!new RegExp(`${requests} succeeded, 0 failed, 0 errored`).test(out)) throw new Error(out)
  return Number(/finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out)![1])
}

function round(target: Target, streams: number): { rps: number; cpu: number } {
  const before = cpuMs(target.child.pid!)
  const rps = h2load(target.port, streams)
  return { rps, cpu: ((cpuMs(target.child.pid!) - before) * 1000) / REQUESTS }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!

async function compare(): Promise<void> {
  ensureH2load()
  const kinds: Kind[] = BASE_SRC ? ['raw', 'tsgi', 'base'] : ['raw', 'tsgi']
  console.log(
    `h2c, h2load -c 4, ${REQUESTS} requests a round, ${ROUNDS} alternating rounds, ` +
      `a fresh process per target and round${PIN ? ', pinned' : ''}`,
  )
  for (const streams of [1, 100]) {
    const results = new Map(kinds.map((k) => [k, [] as { rps: number; cpu: number }[]]))
    for (let i = 0; i < ROUNDS; i++) {
      // A fresh process each round: V8 decides per process, by chance, which allocation sites
      // to pretenure (see the module comment), so one process per target would be one coin
      // toss each; the median over rounds is over as many tosses.
      for (const kind of i % 2 === 0 ? kinds : [...kinds].reverse()) {
        const target = await start(kind)
        try {
          h2load(target.port, streams, WARMUP)
          results.get(kind)!.push(round(target, streams))
        } finally {
          target.child.kill()
          await once(target.child, 'exit')
        }
      }
    }
    const raw = results.get('raw')!
    const rps = (r: { rps: number }[]) => median(r.map((x) => x.rps))
    const cpu = (r: { cpu: number }[]) => median(r.map((x) => x.cpu))
    const spread = (r: { cpu: number }[]) =>
      `${Math.min(...r.map((x) => x.cpu)).toFixed(1)}–${Math.max(...r.map((x) => x.cpu)).toFixed(1)}`
    for (const name of ['tsgi', 'base'] as const) {
      const other = results.get(name)
      if (other === undefined) continue
      console.log(
        `-m ${String(streams).padStart(3)}: raw ${rps(raw).toFixed(0)} req/s ${cpu(raw).toFixed(1)} µs CPU (${spread(raw)}), ` +
          `${name} ${rps(other).toFixed(0)} req/s ${cpu(other).toFixed(1)} µs CPU (${spread(other)}); ` +
          `req/s ratio ${(rps(other) / rps(raw)).toFixed(2)}, CPU ratio (raw/${name}) ${(cpu(raw) / cpu(other)).toFixed(2)}`,
      )
    }
  }
}

/** Memory of the tsgi target under h2 load for BENCH_SOAK_S seconds, sampled each 30 s. */
async function soak(): Promise<void> {
  ensureH2load()
  const target = await start('tsgi', ['--expose-gc'])
  const stdout = target.child.stdout!
  /** RSS and the heap after a full GC, in MiB, from the target itself. */
  const memory = async (): Promise<string> => {
    target.child.kill('SIGUSR2')
    let line = ''
    while (!/memory heapUsed=(\d+) rss=(\d+)/.test(line))
      line += ((await once(stdout, 'data')) as [string])[0]
    const [, heap, rss] = /memory heapUsed=(\d+) rss=(\d+)/.exec(line)!
    const mib = (bytes: string) => (Number(bytes) / 2 ** 20).toFixed(1)
    return `RSS ${mib(rss!)} MiB, heap after GC ${mib(heap!)} MiB`
  }
  try {
    const start = Date.now()
    const end = start + SOAK_S * 1000
    let next = start
    let requests = 0
    while (Date.now() < end) {
      h2load(target.port, 100, 50_000)
      requests += 50_000
      if (Date.now() >= next) {
        console.log(
          `${Math.round((Date.now() - start) / 1000)} s, ${requests} requests: ${await memory()}`,
        )
        next += 30_000
      }
    }
    console.log(`end, ${requests} requests: ${await memory()}`)
  } finally {
    target.child.kill()
  }
}

if (process.argv[2] === 'serve') await serveTarget(process.argv[3] as Kind)
else if (SOAK_S > 0) await soak()
else await compare()
